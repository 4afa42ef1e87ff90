"""A model workflow as Amazon States Language: the one rendering of a workflow's definition, for every backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oratio.model.workflow import Choice, Fail, Pass, Succeed, Task, Wait, Workflow, asl_parameters


def _flow(state: Task | Wait | Pass) -> dict[str, Any]:
    return {"Next": state.next} if state.next is not None else {"End": True}


def _state(state: Any, function_arn: Callable[[str], str]) -> dict[str, Any]:
    if isinstance(state, Task):
        rendered: dict[str, Any] = {"Type": "Task", "Resource": function_arn(state.function)}
        if state.payload is not None:
            rendered["Parameters"] = asl_parameters(state.payload)
        rendered["ResultPath"] = state.result_path
        if state.timeout_s:
            rendered["TimeoutSeconds"] = state.timeout_s
        if state.retries:
            rendered["Retry"] = [{"ErrorEquals": list(r.errors), "IntervalSeconds": r.interval_s,
                                  "MaxAttempts": r.max_attempts, "BackoffRate": r.backoff_rate}
                                 for r in state.retries]
        if state.catches:
            rendered["Catch"] = [{"ErrorEquals": list(c.errors), "ResultPath": c.result_path, "Next": c.next}
                                 for c in state.catches]
        return {**rendered, **_flow(state)}
    if isinstance(state, Wait):
        return {"Type": "Wait", "Seconds": state.seconds, **_flow(state)}
    if isinstance(state, Pass):
        rendered = {"Type": "Pass", "ResultPath": state.result_path}
        if state.parameters:
            rendered["Parameters"] = asl_parameters(state.parameters)
        return {**rendered, **_flow(state)}
    if isinstance(state, Choice):
        rendered = {"Type": "Choice", "Choices": [
            {"Variable": b.condition.variable, b.condition.operator.value: b.condition.value, "Next": b.next}
            for b in state.branches]}
        if state.default is not None:
            rendered["Default"] = state.default
        return rendered
    if isinstance(state, Succeed):
        return {"Type": "Succeed"}
    if isinstance(state, Fail):
        return {"Type": "Fail", "Error": state.error, **({"Cause": state.cause} if state.cause else {})}
    raise TypeError(f"not a workflow state: {state!r}")  # the model refuses these before a backend sees them


def definition(workflow: Workflow, function_arn: Callable[[str], str]) -> dict[str, Any]:
    rendered: dict[str, Any] = {"StartAt": workflow.start,
                                "States": {s.name: _state(s, function_arn) for s in workflow.states}}
    if workflow.timeout_s:
        rendered["TimeoutSeconds"] = workflow.timeout_s
    return rendered
