"""Suite-wide rules. A skipped test is not a passing one: the run fails if any test was skipped."""

from __future__ import annotations

import os

import pytest

# --- Skips count as failures (set ORATIO_ALLOW_SKIPS=1 to explore locally) ---------------------------------
_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped and exitstatus == 0 and os.environ.get("ORATIO_ALLOW_SKIPS") != "1":
        print(f"\nerror: {len(_skipped)} test(s) skipped; a skipped test does not count as passing:")
        for nodeid in _skipped:
            print(f"  {nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
