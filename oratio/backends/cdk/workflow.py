"""Workflows as Step Functions state machines built with the CDK's constructs, state by state from the model.

States keep their model names (they are the ASL state names). Dynamic values are written in ASL's own form
(``"key.$": "$.path"``), which the CDK passes through unchanged, so the definition reads like the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from oratio.backends.cdk.common import log_group
from oratio.backends.cdk.role import model_role
from oratio.model import (
    Choice,
    Condition,
    Fail,
    Operator,
    Pass,
    Succeed,
    System,
    Task,
    Wait,
    Workflow,
)
from oratio.model.permissions import workflow_log_group, workflow_statements
from oratio.model.workflow import asl_parameters


def _condition(condition: Condition) -> sfn.Condition:
    variable, value, op = condition.variable, condition.value, condition.operator
    if op is Operator.IS_PRESENT:
        return sfn.Condition.is_present(variable) if value else sfn.Condition.is_not_present(variable)
    if op is Operator.IS_NULL:
        return sfn.Condition.is_null(variable) if value else sfn.Condition.is_not_null(variable)
    if op is Operator.BOOLEAN_EQUALS:
        return sfn.Condition.boolean_equals(variable, value)
    if op is Operator.STRING_EQUALS:
        return sfn.Condition.string_equals(variable, value)
    if op is Operator.STRING_MATCHES:
        return sfn.Condition.string_matches(variable, value)
    numeric = {
        Operator.NUMERIC_EQUALS: sfn.Condition.number_equals,
        Operator.NUMERIC_LESS_THAN: sfn.Condition.number_less_than,
        Operator.NUMERIC_LESS_THAN_EQUALS: sfn.Condition.number_less_than_equals,
        Operator.NUMERIC_GREATER_THAN: sfn.Condition.number_greater_than,
        Operator.NUMERIC_GREATER_THAN_EQUALS: sfn.Condition.number_greater_than_equals,
    }
    return numeric[op](variable, value)


def _result_path(path: str | None) -> str:
    return sfn.JsonPath.DISCARD if path is None else path


def _state(scope: Construct, state: Any, functions: Mapping[str, lambda_.IFunction]) -> sfn.State:
    if isinstance(state, Task):
        task = tasks.LambdaInvoke(
            scope, state.name,
            lambda_function=functions[state.function],
            payload=sfn.TaskInput.from_object(asl_parameters(state.payload)) if state.payload is not None else None,
            payload_response_only=True,
            retry_on_service_exceptions=False,  # the model's retries are the only ones
            result_path=_result_path(state.result_path),
            task_timeout=sfn.Timeout.duration(Duration.seconds(state.timeout_s)) if state.timeout_s else None,
        )
        for retry in state.retries:
            task.add_retry(errors=list(retry.errors), interval=Duration.seconds(retry.interval_s),
                           max_attempts=retry.max_attempts, backoff_rate=retry.backoff_rate)
        return task
    if isinstance(state, Wait):
        return sfn.Wait(scope, state.name, time=sfn.WaitTime.duration(Duration.seconds(state.seconds)))
    if isinstance(state, Pass):
        return sfn.Pass(scope, state.name, parameters=asl_parameters(state.parameters) if state.parameters else None,
                        result_path=_result_path(state.result_path))
    if isinstance(state, Choice):
        return sfn.Choice(scope, state.name)
    if isinstance(state, Succeed):
        return sfn.Succeed(scope, state.name)
    if isinstance(state, Fail):
        return sfn.Fail(scope, state.name, error=state.error, cause=state.cause or None)
    raise TypeError(f"not a workflow state: {state!r}")  # the model refuses these before a backend sees them


def definition(scope: Construct, workflow: Workflow, functions: Mapping[str, lambda_.IFunction]) -> sfn.IChainable:
    """All states built first, then wired by name: loops (the code check) need a state before its target exists."""
    built = {state.name: _state(scope, state, functions) for state in workflow.states}
    for state in workflow.states:
        construct = built[state.name]
        if isinstance(state, Task):
            for catch in state.catches:
                construct.add_catch(built[catch.next], errors=list(catch.errors),  # type: ignore[attr-defined]
                                    result_path=_result_path(catch.result_path))
        if isinstance(state, Choice):
            for branch in state.branches:
                construct.when(_condition(branch.condition), built[branch.next])  # type: ignore[attr-defined]
            if state.default is not None:
                construct.otherwise(built[state.default])  # type: ignore[attr-defined]
        elif isinstance(state, (Task, Wait, Pass)) and state.next is not None:
            construct.next(built[state.next])  # type: ignore[attr-defined]
    return built[workflow.start]


def render_workflow(scope: Construct, system: System, workflow: Workflow, construct_id: str,
                    functions: Mapping[str, lambda_.IFunction]) -> sfn.StateMachine:
    physical = system.physical_name(workflow)
    role = model_role(scope, f"{construct_id}Role", "states.amazonaws.com", system, workflow_statements(workflow),
                      f"{physical}: invokes its tasks' functions, logs and traces")
    states = Construct(scope, f"{construct_id}States")  # keeps state names from clashing with other construct ids
    logs_ = log_group(scope, f"{construct_id}Logs", workflow_log_group(system, workflow)) if workflow.logging else None
    return sfn.StateMachine(
        scope, construct_id,
        state_machine_name=physical,
        definition_body=sfn.DefinitionBody.from_chainable(definition(states, workflow, functions)),
        role=role,
        timeout=Duration.seconds(workflow.timeout_s) if workflow.timeout_s else None,
        tracing_enabled=workflow.tracing,
        # Level ALL (every state's events) without execution data: agent specifications stay out of the logs;
        # the execution history keeps them for those allowed to read it.
        logs=sfn.LogOptions(destination=logs_, level=sfn.LogLevel.ALL, include_execution_data=False)
        if logs_ else None,
    )
