# The worker fixtures and the CI rule for integration tests live in workers.py,
# shared with the other test packages that start workers.
from branches.tests.workers import (  # noqa: F401
    broker,
    pytest_runtest_makereport,
    pytest_sessionfinish,
    services_required,
    worker_factory,
)
