"""A workflow as a Step Functions state machine whose definition is the model's ASL (``oratio.model.asl``): the
one rendering, which the LocalStack backend deploys too.

Each task's function ARN is written with the stack's partition, region and account (the CDK's pseudo-parameter
tokens), so CloudFormation receives the definition as it did from the CDK's own rendering: a ``DefinitionString``
joined (``Fn::Join``) from the JSON text and those pseudo parameters. Not ``DefinitionSubstitutions``: for a
state machine that uses them, CloudFormation's drift detection compares the definition with its placeholders
against the resolved one and reports drift that is not there
(https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/2562).

The CDK's Step Functions constructs (``LambdaInvoke`` and the like) gave nothing this does not: with
``payload_response_only`` a task's resource is the function's ARN, as here; the policies they add go nowhere,
the role being immutable (``role.py``); the model checks the graph, the retries and the limits before a backend
sees them; and no one reaches for the state constructs, the model being the API.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from oratio.backends.cdk.common import PLACE, literal, log_group, part_id
from oratio.backends.cdk.role import model_role
from oratio.model import System, Workflow, asl
from oratio.model.permissions import Kind, ResourceArn, arn, workflow_log_group, workflow_statements


def definition(system: System, workflow: Workflow) -> str:
    """The model's ASL as compact JSON, function ARNs holding the tokens of the stack's partition, region and
    account (JSON leaves a token's text, ``${Token[...]}``, as it is: the CDK finds and resolves it)."""
    def function_arn(name: str) -> str:
        return arn(ResourceArn(Kind.FUNCTION, name), system, PLACE)

    rendered = asl.definition(workflow, function_arn)
    rendered = {"StartAt": _literal_json(rendered["StartAt"]), **{k: v for k, v in rendered.items() if k not in (
        "StartAt", "States")}, "States": {
        _literal_json(name): {key: value if key == "Resource" else _literal_json(value) for key, value in state.items()}
        for name, state in rendered["States"].items()}}
    return json.dumps(rendered, separators=(",", ":"))


def _literal_json(value: Any) -> Any:
    """The model's strings inside the definition, kept literal (``common.literal``) where they look like tokens:
    each is replaced by a token of its JSON-escaped text, which the CDK splices into the definition as is."""
    if isinstance(value, str):
        return literal(json.dumps(value)[1:-1]) if "${Token[" in value else value
    if isinstance(value, dict):
        return {_literal_json(k): _literal_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_literal_json(v) for v in value]
    return value


def render_workflow(scope: Construct, system: System, workflow: Workflow, construct_id: str) -> sfn.StateMachine:
    physical = system.physical_name(workflow)
    role = model_role(scope, part_id(construct_id, "Role"), "states.amazonaws.com", system,
                      workflow_statements(workflow), f"{physical}: invokes its tasks' functions, logs and traces")
    logs_ = log_group(scope, part_id(construct_id, "Logs"), workflow_log_group(system, workflow)) \
        if workflow.logging else None
    return sfn.StateMachine(
        scope, construct_id,
        state_machine_name=physical,
        # The workflow's timeout is in the ASL (TimeoutSeconds): the CDK's ``timeout`` applies only to definitions
        # it builds from its own state constructs.
        definition_body=sfn.DefinitionBody.from_string(definition(system, workflow)),
        role=role,
        tracing_enabled=workflow.tracing,
        # Level ALL (every state's events) without execution data: agent specifications stay out of the logs;
        # the execution history keeps them for those allowed to read it.
        logs=sfn.LogOptions(destination=logs_, level=sfn.LogLevel.ALL, include_execution_data=False)
        if logs_ else None,
    )
