"""The workflow provider: the platform's state machine has the model's definition."""

from __future__ import annotations

import json

import pytest

from oratio.backends.localstack import Target
from oratio.model import System

pytestmark = pytest.mark.localstack


def test_the_state_machine_runs_the_models_definition(target: Target, deployed: System) -> None:
    (workflow,) = deployed.workflows
    sfn = target.client("stepfunctions")
    machines = {m["name"]: m for m in sfn.list_state_machines()["stateMachines"]}
    machine = sfn.describe_state_machine(stateMachineArn=machines[deployed.physical_name(workflow)]["stateMachineArn"])
    definition = json.loads(machine["definition"])
    assert definition["StartAt"] == workflow.start
    assert set(definition["States"]) == {s.name for s in workflow.states}
