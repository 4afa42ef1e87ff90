"""The platform deployed on the embedded LocalStack, for the backend's tests and its providers' tests. Each module
runs ``up`` once: after the first it changes nothing, and a LocalStack restarted in between gets it again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from oratio.backends.localstack import Target, up
from oratio.model import System
from oratio.platform import platform

PROJECT_ROOT = Path(__file__).resolve().parents[3]  # where the platform's code is
STAGE = "lsbackend"


@pytest.fixture(scope="module")
def target(localstack: Any) -> Target:
    return Target(localstack.url)


@pytest.fixture(scope="module")
def system() -> System:
    return platform(STAGE)


@pytest.fixture(scope="module")
def deployed(target: Target, system: System) -> System:
    up(target, system, project_root=PROJECT_ROOT)
    return system
