# Real-worker fixtures and the CI rule that integration tests fail rather than
# skip; the session-wide check stays in branches/tests/conftest.py.
from branches.tests.workers import broker, pytest_runtest_makereport, worker_factory  # noqa: F401
