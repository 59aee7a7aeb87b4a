import os

import pytest

_integration_passed = pytest.StashKey[int]()


def services_required() -> bool:
    """On CI a missing broker or database must fail the run, not skip quietly."""
    return os.environ.get("NETBRANCH_REQUIRE_SERVICES") == "1"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if item.get_closest_marker("integration") is None:
        return report
    if report.skipped and services_required():
        report.outcome = "failed"
        report.longrepr = f"integration test skipped although NETBRANCH_REQUIRE_SERVICES=1: {report.longrepr}"
    if report.when == "call" and report.passed:
        item.config.stash[_integration_passed] = item.config.stash.get(_integration_passed, 0) + 1
    return report


def pytest_sessionfinish(session, exitstatus):
    # A marker filter or a collection change could leave out every
    # integration test while the run still looks green.
    if services_required() and exitstatus == 0 and not session.config.stash.get(_integration_passed, 0):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        writer = session.config.get_terminal_writer()
        writer.line("NETBRANCH_REQUIRE_SERVICES=1 but no integration test passed", red=True)
