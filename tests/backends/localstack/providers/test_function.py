"""The function provider: every function of the platform has the model's settings and environment, and a role
with exactly the model's least-privilege statements."""

from __future__ import annotations

import json

import pytest

from oratio.backends.localstack import Target, outputs
from oratio.model import System
from oratio.model.permissions import arn, function_statements, workflow_arns

pytestmark = pytest.mark.localstack


def test_every_function_has_the_models_settings_and_least_privilege_role(target: Target, deployed: System) -> None:
    lambda_, iam = target.client("lambda"), target.client("iam")
    names = deployed.physical_names(target.place.account)
    # A runtime's ARN carries an id AgentCore picked: it is the deployed runtime's own.
    names.update({f"agent-runtime:{name}": arn for name, arn in outputs(target, deployed)["agent_runtimes"].items()})
    names.update(workflow_arns(deployed, target.place))  # built from the state machines' names
    for function in deployed.functions:
        config = lambda_.get_function_configuration(FunctionName=deployed.physical_name(function))
        assert (config["Runtime"], config["Handler"], config["MemorySize"], config["Timeout"]) == (
            function.runtime.value, function.handler, function.memory_mb, function.timeout_s)
        assert config["Environment"]["Variables"] == deployed.environment(function, names)
        role_name = config["Role"].rsplit("/", 1)[1]
        document = iam.get_role_policy(RoleName=role_name, PolicyName="model")["PolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        assert [(sorted(s["Action"]), s["Resource"], s.get("Condition")) for s in document["Statement"]] == [
            (sorted(s.actions), [arn(r, deployed, target.place) for r in s.resources],
             {op: {key: value} for op, key, value in s.conditions} or None)
            for s in function_statements(function)]
