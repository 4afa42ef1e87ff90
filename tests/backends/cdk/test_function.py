"""The platform's functions rendered by the CDK backend (``oratio/backends/cdk/function.py``, their roles by
``role.py``): settings, environment, logs and least-privilege roles, each compared with what the model says."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from oratio.backends.cdk.common import construct_id
from oratio.model import Function, System
from oratio.model.permissions import arn, function_log_group, function_statements, workflow_arns
from tests.backends.cdk.cfn import MARKED, cfn_value, resolved_string
from tests.backends.cdk.reader import construct_resource


def _one(template: Template, kind: str, construct: str) -> dict[str, Any]:
    return construct_resource(template.find_resources(kind), construct)


def _function(template: Template, function: Function) -> dict[str, Any]:
    return _one(template, "AWS::Lambda::Function", construct_id(function.name))


def _role(template: Template, function: Function) -> dict[str, Any]:
    return _one(template, "AWS::IAM::Role", construct_id(function.name) + "Role")


def test_each_function_has_the_models_settings(system: System, templates: dict[str, Template]) -> None:
    template = templates["functions"]
    template.resource_count_is("AWS::Lambda::Function", len(system.functions))
    for function in system.functions:
        props = _function(template, function)["Properties"]
        assert props["FunctionName"] == system.physical_name(function)
        assert props["Runtime"] == function.runtime.value
        assert props["Handler"] == function.handler
        assert props["MemorySize"] == function.memory_mb
        assert props["Timeout"] == function.timeout_s
        assert props["Description"] == function.description
        assert {"Key": "oratio:system", "Value": system.name} in props["Tags"]


def test_each_environment_names_the_granted_resources(system: System, templates: dict[str, Template]) -> None:
    names = {**system.physical_names(MARKED.account, MARKED.partition), **workflow_arns(system, MARKED)}
    for function in system.functions:
        props = _function(templates["functions"], function)["Properties"]
        expected = {key: cfn_value(value) for key, value in system.environment(function, names).items()}
        variables = dict(props["Environment"]["Variables"])
        # An agent runtime's ARN carries an id AgentCore picks: it comes from the ai stack's runtime itself.
        imported = {k for k, v in variables.items() if isinstance(v, dict) and "Fn::ImportValue" in v}
        assert imported == ({"AGENTCREATOR_RUNTIME_ARN"} if function.name == "agentcreator-invoker" else set())
        assert {k: v for k, v in variables.items() if k not in imported} == expected


def test_each_function_logs_to_its_own_group(system: System, templates: dict[str, Template]) -> None:
    template = templates["functions"]
    for function in system.functions:
        log_group = _one(template, "AWS::Logs::LogGroup", construct_id(function.name) + "Logs")
        assert log_group["Properties"]["LogGroupName"] == function_log_group(system, function)
        assert log_group["Properties"]["RetentionInDays"] == 90
        assert log_group["DeletionPolicy"] == "Delete"
        props = _function(template, function)["Properties"]
        assert props["LoggingConfig"] == {"LogGroup": {"Ref": next(
            logical_id for logical_id in template.find_resources("AWS::Logs::LogGroup")
            if logical_id.startswith(construct_id(function.name) + "Logs"))}}


def test_each_role_allows_exactly_the_models_statements(system: System, templates: dict[str, Template]) -> None:
    template = templates["functions"]
    for function in system.functions:
        role = _role(template, function)["Properties"]
        assert role["AssumeRolePolicyDocument"]["Statement"] == [{
            "Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}]
        assert "ManagedPolicyArns" not in role  # no AWS-managed policy: the model's statements are all there is
        (policy,) = role["Policies"]
        rendered = [(sorted(_list(s["Action"])), [_plain(r) for r in _list(s["Resource"])])
                    for s in policy["PolicyDocument"]["Statement"]]
        expected = [(sorted(s.actions), [_plain(cfn_value(arn(r, system, MARKED))) for r in s.resources])
                    for s in function_statements(function)]
        assert rendered == expected
        assert all(s["Effect"] == "Allow" for s in policy["PolicyDocument"]["Statement"])
    # Nothing else in the stack grants anything: no attached policies the model did not make.
    template.resource_count_is("AWS::IAM::Policy", 0)


def test_no_wildcard_action_and_wildcard_resources_only_with_a_reason(system: System) -> None:
    for function in system.functions:
        for statement in function_statements(function):
            assert not any("*" in action for action in statement.actions)
            assert bool(statement.wildcard_resources) == (statement.reason is not None)


def test_tables_are_granted_with_their_indexes(system: System, templates: dict[str, Template]) -> None:
    agents = system.table("agents")
    provisioner = system.function("kb-provisioner")
    (policy,) = _role(templates["functions"], provisioner)["Properties"]["Policies"]
    table_statement = next(s for s in policy["PolicyDocument"]["Statement"] if "dynamodb:Query" in s["Action"])
    resources = [_plain(r) for r in table_statement["Resource"]]
    table_arn = f"arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/{system.physical_name(agents)}"
    assert resources == [table_arn, *(f"{table_arn}/index/{i.name}" for i in agents.global_indexes)]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


_plain = resolved_string
