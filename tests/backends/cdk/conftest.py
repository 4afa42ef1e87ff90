"""The platform's CDK app, built and synthesized once per test session (a synth costs seconds).

cdk-nag runs as in ``python app.py --backend cdk``: a finding without an acknowledgement fails the synth, so
every test here also proves that none is left.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from oratio.backends.cdk.app import CONCERNS, build_app, stack_name
from oratio.model import System
from oratio.platform import platform

PROJECT_ROOT = Path(__file__).resolve().parents[3]
# cdk.json's context (the CDK's recommended feature flags): what `npx cdk synth` and `python app.py synth` use.
CDK_CONTEXT = json.loads((PROJECT_ROOT / "cdk.json").read_text())["context"]


@pytest.fixture(scope="session")
def system() -> System:
    return platform("dev")


@pytest.fixture(scope="session")
def assembly_dir(system: System, tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = build_app(system, outdir=str(outdir), project_root=PROJECT_ROOT, nag=True, context=CDK_CONTEXT)
    app.synth()
    return outdir


@pytest.fixture(scope="session")
def templates(system: System, assembly_dir: Path) -> dict[str, Template]:
    """One ``Template`` per concern (auth, database, storage, functions, workflow), read from the assembly."""
    return {concern: Template.from_json(json.loads(
        (assembly_dir / f"{stack_name(system, concern)}.template.json").read_text()))
        for concern in CONCERNS}
