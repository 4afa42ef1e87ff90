"""Properties of the AI layer's kinds over generated systems (``oratio.testing.strategies.ai_systems``): the CDK
template reads back as the model's vector buckets, service roles and agent runtimes; every new role (a runtime's
execution role, a service role) allows exactly the model's statements, with the conditions the model states, and
is trusted by its service alone under the confused-deputy conditions. Broken values of these kinds are in
``broken_values`` (tests/properties/test_cdk_rendering.py)."""

from __future__ import annotations

import json
from typing import Any

import attrs
from hypothesis import given, settings

from oratio.model import AgentRuntime, System
from oratio.model.permissions import agent_runtime_statements, arn, service_role_statements, trust, trust_conditions
from oratio.testing.strategies import AGENT_CODE, ai_systems
from tests.backends.cdk import reader
from tests.backends.cdk.cfn import MARKED, resolved_string
from tests.properties.test_cdk_rendering import render, resources


def _resource(value: Any) -> str:
    """An ARN with pseudo parameters marked; one built from other intrinsics (the code asset's bucket, a Fn::Sub)
    as its JSON text."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return f"<{value['Ref']}>"
    try:
        return resolved_string(value)
    except (KeyError, TypeError):
        return json.dumps(value, sort_keys=True)


def _granted(role: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(action, resource, conditions) of a role's one inline policy, pseudo parameters marked."""
    return {(action, _resource(resource), repr(statement.get("Condition")))
            for policy in role["Properties"].get("Policies") or []  # none when the model allows nothing
            for statement in policy["PolicyDocument"]["Statement"]
            for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
            for resource in (statement["Resource"] if isinstance(statement["Resource"], list)
                             else [statement["Resource"]])}


def _wanted(system: System, statements: tuple) -> set[tuple[str, str, str]]:
    return {(action, arn(resource, system, MARKED) if not isinstance(resource, str) else resource,
             repr({op: {key: value} for op, key, value in s.conditions} or None))
            for s in statements for action in s.actions for resource in s.resources}


def _trust(role: dict[str, Any]) -> dict[str, Any]:
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    conditions = {op: {key: _resource(value) for key, value in block.items()}
                  for op, block in statement["Condition"].items()}
    return {"service": statement["Principal"]["Service"], "conditions": conditions}


def _own_environment(runtime: AgentRuntime) -> AgentRuntime:
    return attrs.evolve(runtime, grants=(), exemptions=())


@settings(max_examples=12)
@given(ai_systems())
def test_the_ai_layer_reads_back_as_the_model(system: System) -> None:
    rendered = resources(render(system))
    assert reader.read_vector_buckets(system, rendered) == list(system.vector_buckets)
    assert sorted(reader.read_service_roles(system, rendered), key=lambda r: r.name) == sorted(
        (attrs.evolve(r, grants=(), exemptions=()) for r in system.service_roles), key=lambda r: r.name)
    assert sorted(reader.read_agent_runtimes(system, rendered, AGENT_CODE), key=lambda r: r.name) == sorted(
        (_own_environment(r) for r in system.agent_runtimes), key=lambda r: r.name)


@settings(max_examples=12)
@given(ai_systems())
def test_every_new_role_allows_exactly_the_models_statements_and_trusts_its_service_alone(system: System) -> None:
    rendered = resources(render(system))
    roles = {logical_id: r for logical_id, r in rendered.items() if r["Type"] == "AWS::IAM::Role"}
    for role in system.service_roles:
        (resource,) = [r for r in roles.values() if r["Properties"].get("RoleName") == system.physical_name(role)]
        assert _granted(resource) == _wanted(system, service_role_statements(system, role))
        assert _trust(resource) == {"service": trust(role).service, "conditions": trust_conditions(role, MARKED)}
    for runtime in system.agent_runtimes:
        (construct,) = [r for r in rendered.values() if r["Type"] == "AWS::BedrockAgentCore::Runtime"
                        and r["Properties"]["AgentRuntimeName"] == system.runtime_name(runtime)]
        role = roles[construct["Properties"]["RoleArn"]["Fn::GetAtt"][0]]
        granted = _granted(role)
        # Its own code package: one object, the .zip asset (a name the CDK derives from the bundle's hash).
        code = {g for g in granted if g[0] == "s3:GetObject" and ".zip" in g[1] and "cdk-" in g[1]}
        assert len(code) == 1
        assert granted - code == _wanted(system, agent_runtime_statements(system, runtime))
        assert _trust(role) == {"service": trust(runtime).service, "conditions": trust_conditions(runtime, MARKED)}
        assert not any(action == "*" or action.endswith(":*") for action, _, _ in granted)
