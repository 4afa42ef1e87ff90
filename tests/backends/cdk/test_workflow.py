"""The platform's workflow rendered by the CDK backend (``oratio/backends/cdk/workflow.py``): the state machine's
definition read back from the template and compared with the model, state by state, plus its role, logging and
tracing."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from oratio.model import Choice, Dynamic, Fail, Pass, Succeed, System, Task, Wait, Workflow
from oratio.model.permissions import arn, workflow_log_group, workflow_statements
from tests.backends.cdk.cfn import MARKED, cfn_value, definition, resolved_string

ASL_TYPES = {Task: "Task", Wait: "Wait", Pass: "Pass", Choice: "Choice", Succeed: "Succeed", Fail: "Fail"}


@pytest.fixture(scope="module")
def workflow(system: System) -> Workflow:
    return system.workflow("agent-creation")


@pytest.fixture(scope="module")
def machine(templates: dict[str, Template]) -> dict[str, Any]:
    (resource,) = templates["workflow"].find_resources("AWS::StepFunctions::StateMachine").values()
    return resource


@pytest.fixture(scope="module")
def asl(machine: dict[str, Any]) -> dict[str, Any]:
    return definition(machine)


def asl_of(values: Any) -> Any:
    """A model payload in ASL's form, written out independently of the backend."""
    return {(f"{k}.$" if isinstance(v, Dynamic) else k): (v.expression if isinstance(v, Dynamic) else asl_of(v))
            for k, v in values.items()} if hasattr(values, "items") else values


def test_states_are_the_models(workflow: Workflow, asl: dict[str, Any]) -> None:
    assert asl["StartAt"] == workflow.start
    assert asl["TimeoutSeconds"] == workflow.timeout_s
    assert {name: state["Type"] for name, state in asl["States"].items()} == {
        state.name: ASL_TYPES[type(state)] for state in workflow.states}


def test_tasks_call_their_functions_with_the_models_payload_retries_and_catches(
        system: System, workflow: Workflow, asl: dict[str, Any]) -> None:
    for task in workflow.tasks:
        rendered = asl["States"][task.name]
        function = system.function(task.function)
        assert rendered["Resource"] == (f"arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:"
                                        f"{system.physical_name(function)}")
        assert rendered.get("Parameters") == (asl_of(task.payload) if task.payload is not None else None)
        assert rendered["ResultPath"] == task.result_path
        assert rendered.get("Next") == task.next and rendered.get("End", False) == task.end
        assert rendered.get("Retry", []) == [
            {"ErrorEquals": list(r.errors), "IntervalSeconds": r.interval_s, "MaxAttempts": r.max_attempts,
             "BackoffRate": r.backoff_rate} for r in task.retries]
        assert rendered.get("Catch", []) == [
            {"ErrorEquals": list(c.errors), "ResultPath": c.result_path, "Next": c.next} for c in task.catches]


def test_function_arns_are_joined_from_pseudo_parameters(machine: dict[str, Any]) -> None:
    props = machine["Properties"]
    # No placeholders for CloudFormation to substitute: drift detection misreads those (see workflow.py).
    assert "DefinitionSubstitutions" not in props
    refs = {part["Ref"] for part in props["DefinitionString"]["Fn::Join"][1] if isinstance(part, dict)}
    assert refs == {"AWS::Partition", "AWS::Region", "AWS::AccountId"}
    assert "${" not in resolved_string(props["DefinitionString"])  # every CDK token resolved


def test_the_code_check_loop_is_bounded(workflow: Workflow, asl: dict[str, Any]) -> None:
    states = asl["States"]
    assert states["WaitForCode"] == {"Type": "Wait", "Seconds": workflow.state("WaitForCode").seconds,
                                     "Next": "CheckCode"}
    assert states["CountCheck"]["Parameters"] == {"checks.$": "States.MathAdd($.loop.checks, 1)"}
    choice = states["CodeReady?"]
    model_choice = workflow.state("CodeReady?")
    assert isinstance(model_choice, Choice)
    assert choice["Choices"] == [
        {"Variable": b.condition.variable, b.condition.operator.value: b.condition.value, "Next": b.next}
        for b in model_choice.branches]
    assert choice["Default"] == "WaitForCode"
    assert {"Variable": "$.loop.checks", "NumericGreaterThanEquals": 20, "Next": "CodeNeverReady"} in choice["Choices"]


def test_every_failure_records_the_status_then_fails(workflow: Workflow, asl: dict[str, Any]) -> None:
    states = asl["States"]
    for task in workflow.tasks:
        if task.name != "RecordFailure":
            assert [c["Next"] for c in states[task.name]["Catch"]] == ["RecordFailure"]
    assert states["CodeNeverReady"]["Next"] == "RecordFailure"
    record = states["RecordFailure"]
    assert record["Parameters"] == {"action": "mark_failed", "request.$": "$"}
    assert record["Next"] == "AgentCreationFailed"
    failed = workflow.state("AgentCreationFailed")
    assert isinstance(failed, Fail)
    assert states["AgentCreationFailed"] == {"Type": "Fail", "Error": failed.error, "Cause": failed.cause}
    assert states["AgentCreated"] == {"Type": "Succeed"}


def test_logging_tracing_and_name(system: System, workflow: Workflow, templates: dict[str, Template],
                                  machine: dict[str, Any]) -> None:
    props = machine["Properties"]
    assert props["StateMachineName"] == system.physical_name(workflow)
    assert props["TracingConfiguration"] == {"Enabled": workflow.tracing}
    assert props["LoggingConfiguration"]["Level"] == "ALL"
    assert props["LoggingConfiguration"]["IncludeExecutionData"] is False
    (log_group,) = templates["workflow"].find_resources("AWS::Logs::LogGroup").values()
    assert log_group["Properties"]["LogGroupName"] == workflow_log_group(system, workflow)


def test_the_role_allows_exactly_the_models_statements(system: System, workflow: Workflow,
                                                       templates: dict[str, Template]) -> None:
    (role,) = templates["workflow"].find_resources("AWS::IAM::Role").values()
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "states.amazonaws.com"}
    (policy,) = role["Properties"]["Policies"]
    rendered = [(sorted(_list(s["Action"])), [resolved_string(r) for r in _list(s["Resource"])])
                for s in policy["PolicyDocument"]["Statement"]]
    assert rendered == [(sorted(s.actions), [resolved_string(cfn_value(arn(r, system, MARKED))) for r in s.resources])
                        for s in workflow_statements(workflow)]
    templates["workflow"].resource_count_is("AWS::IAM::Policy", 0)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
