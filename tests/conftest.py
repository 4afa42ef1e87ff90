"""Suite-wide rules. A skipped test is not a passing one: the run fails if any test was skipped."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from oratio.backends.localstack.embedded import Endpoint

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


# --- One LocalStack per session --------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def localstack() -> Iterator[Endpoint]:
    """The user's LocalStack (LOCALSTACK_ENDPOINT/AWS_ENDPOINT_URL) or the embedded one, started once; a LocalStack
    this session started is stopped at its end, with every process it made."""
    from oratio.backends.localstack import embedded

    was_running = embedded.resolve_endpoint() is not None or embedded.status().running
    endpoint = embedded.ensure_running(lambda message: print(f"[localstack] {message}"))
    yield endpoint
    if not was_running and endpoint.embedded:
        embedded.stop()


# --- Hypothesis profiles ---------------------------------------------------------------------------------------
# "default" runs with every test command; ORATIO_HYPOTHESIS_PROFILE=nightly runs ten times more examples.
# A failure prints the example and a reproduction blob (@reproduce_failure); the example database lives in
# .hypothesis/, which git ignores.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("default", max_examples=100, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("nightly", max_examples=1000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("ORATIO_HYPOTHESIS_PROFILE", "default"))
