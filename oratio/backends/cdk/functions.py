"""Functions as CDK constructs: bundled code, an explicit log group, and a role holding exactly the model's
statements (``oratio.model.permissions``), nothing the CDK would add on its own."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from aws_cdk import Aws, Duration, RemovalPolicy, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from oratio.bundling import bundle
from oratio.model import Function, System
from oratio.model.permissions import Place, Statement, arn, function_log_group, function_statements

# Log groups are made explicit so that their retention and removal are ours, not a default. Logs go with
# their function or state machine (DESTROY): a retained group with a fixed name would block the next deploy.
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS


# CloudFormation's pseudo parameters: the stack's own partition, region and account, resolved at deploy time.
PLACE = Place(Aws.PARTITION, Aws.REGION, Aws.ACCOUNT_ID)


def policy_document(system: System, statements: tuple[Statement, ...]) -> iam.PolicyDocument:
    """The model's statements, with ARNs built from the model's names: stacks refer to each other's resources
    by name, not by CloudFormation exports, which would freeze the exporting stack while anything imports."""
    return iam.PolicyDocument(statements=[
        iam.PolicyStatement(actions=list(s.actions), resources=[arn(r, system, PLACE) for r in s.resources],
                            conditions=_conditions(s) or None)
        for s in statements
    ])


def _conditions(statement: Statement) -> dict[str, dict[str, str]]:
    conditions: dict[str, dict[str, str]] = {}
    for operator, key, value in statement.conditions:
        conditions.setdefault(operator, {})[key] = value
    return conditions


def model_role(scope: Construct, construct_id: str, service: str, system: System,
               statements: tuple[Statement, ...], description: str) -> iam.IRole:
    """A role with one inline policy from the model. Returned immutable, so that constructs given it (the
    function, the state machine, its tasks) cannot widen it behind the model's back."""
    role = iam.Role(scope, construct_id, assumed_by=iam.ServicePrincipal(service), description=description,
                    inline_policies={"model": policy_document(system, statements)} if statements else None)
    return role.without_policy_updates()


def render_function(scope: Construct, system: System, function: Function, construct_id: str,
                    environment: Mapping[str, str], project_root: Path,
                    progress: Callable[[str], None] | None = None) -> tuple[lambda_.Function, logs.LogGroup]:
    physical = system.physical_name(function)
    log_group = logs.LogGroup(scope, f"{construct_id}Logs", log_group_name=function_log_group(system, function),
                              retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY)
    role = model_role(scope, f"{construct_id}Role", "lambda.amazonaws.com", system, function_statements(function),
                      f"{physical}: the model's grants only")
    code = bundle(function.code, function.runtime.value, include=function.include,
                  project_root=project_root, progress=progress)
    construct = lambda_.Function(
        scope, construct_id,
        function_name=physical,
        description=function.description or None,
        code=lambda_.Code.from_asset(str(code)),
        handler=function.handler,
        runtime=lambda_.Runtime(function.runtime.value, lambda_.RuntimeFamily.PYTHON),
        memory_size=function.memory_mb,
        timeout=Duration.seconds(function.timeout_s),
        environment=dict(environment),
        role=role,
        log_group=log_group,
    )
    for key, value in system.tags.items():
        Tags.of(construct).add(key, value)
        Tags.of(log_group).add(key, value)
    return construct, log_group

