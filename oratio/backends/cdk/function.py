"""A function as a Lambda construct: bundled code, an explicit log group, and a role holding exactly the model's
statements (``role.py``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from oratio.backends.cdk.common import literal, log_group, part_id, tag
from oratio.backends.cdk.role import model_role
from oratio.bundling import bundle
from oratio.model import Function, System
from oratio.model.permissions import function_log_group, function_statements


def render_function(scope: Construct, system: System, function: Function, construct_id: str,
                    environment: Mapping[str, str], project_root: Path,
                    progress: Callable[[str], None] | None = None) -> tuple[lambda_.Function, logs.LogGroup]:
    physical = system.physical_name(function)
    logs_ = log_group(scope, part_id(construct_id, "Logs"), function_log_group(system, function))
    role = model_role(scope, part_id(construct_id, "Role"), "lambda.amazonaws.com", system,
                      function_statements(function), f"{physical}: the model's grants only")
    code = bundle(function.code, function.runtime.value, include=function.include,
                  project_root=project_root, progress=progress)
    construct = lambda_.Function(
        scope, construct_id,
        function_name=physical,
        description=literal(function.description) if function.description else None,
        code=lambda_.Code.from_asset(str(code)),
        handler=function.handler,
        runtime=lambda_.Runtime(function.runtime.value, lambda_.RuntimeFamily.PYTHON),
        memory_size=function.memory_mb,
        timeout=Duration.seconds(function.timeout_s),
        # The function's own values are the user's text (kept literal); the others name granted resources.
        environment={key: literal(value) if key in function.environment else value
                     for key, value in environment.items()},
        role=role,
        log_group=logs_,
    )
    tag(construct, system)
    tag(logs_, system)
    return construct, logs_
