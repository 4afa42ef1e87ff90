"""Least privilege, decided once: the IAM statements a function or workflow needs, derived from the model.

Every backend renders these statements and nothing else, so a function may do on AWS exactly what it may do
locally. Resources are symbolic (``ResourceArn``) until a backend renders them with ``arn()`` and its own
partition, region and account (CloudFormation pseudo parameters, or LocalStack's test account): the ARN formats
live here once. No statement has a wildcard action; a wildcard resource appears only with the reason that
justifies it, which backends hand to their checkers (cdk-nag acknowledgements) instead of hiding it.
"""

from __future__ import annotations

import enum

import attrs

from oratio.model.bucket import Bucket
from oratio.model.function import Function
from oratio.model.grants import ResourceGrant
from oratio.model.http_api import DEFAULT_ROUTE, HttpApi, source_path
from oratio.model.system import System
from oratio.model.table import Table
from oratio.model.workflow import Workflow

# The actions behind the CDK's grant_read_data / grant_write_data and grant_read / grant_write, listed one by one
# (no "s3:GetObject*"), so that what a grant allows can be read off the model.
TABLE_READ = ("dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable",
              "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan")
TABLE_STREAM_READ = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator")
TABLE_WRITE = ("dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:PutItem",
               "dynamodb:UpdateItem")
BUCKET_LIST = ("s3:GetBucketLocation", "s3:ListBucket")
OBJECT_READ = ("s3:GetObject", "s3:GetObjectVersion")
OBJECT_WRITE = ("s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject")
LOG_WRITE = ("logs:CreateLogStream", "logs:PutLogEvents")
FUNCTION_INVOKE = ("lambda:InvokeFunction",)
# Step Functions delivers execution logs through CloudWatch Logs' vended-log APIs and traces through X-Ray;
# neither API accepts a resource narrower than "*" (AWS documents both with Resource "*").
WORKFLOW_LOG_DELIVERY = ("logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups",
                         "logs:DescribeResourcePolicies", "logs:GetLogDelivery", "logs:ListLogDeliveries",
                         "logs:PutResourcePolicy", "logs:UpdateLogDelivery")
WORKFLOW_TRACING = ("xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords",
                    "xray:PutTraceSegments")

LOGS_REASON = "Lambda creates one log stream per execution environment, named at run time, in the function's own group"
STREAM_REASON = "a table's stream ARN ends in a label DynamoDB picks when the stream is enabled"
OBJECTS_REASON = ("objects are created at run time under keys the model cannot list: access covers this "
                  "bucket's objects only")
LOG_DELIVERY_REASON = "CloudWatch Logs' log-delivery APIs accept only '*' (Step Functions logging, AWS-documented)"
TRACING_REASON = "X-Ray's trace APIs accept only '*' (AWS-documented)"


class Kind(enum.StrEnum):
    TABLE = "table"
    TABLE_INDEX = "table-index"  # name "table/index"
    TABLE_STREAM = "table-stream"
    BUCKET = "bucket"
    BUCKET_OBJECTS = "bucket-objects"  # bucket/*
    FUNCTION = "function"
    FUNCTION_LOGS = "function-logs"  # the function's log group and its streams
    ANY = "any"  # "*"


@attrs.frozen
class ResourceArn:
    """A resource of the system named by kind and model name; backends turn it into an ARN."""

    kind: Kind
    name: str = ""
    index: str = ""

    def __str__(self) -> str:
        if self.kind is Kind.ANY:
            return "*"
        if self.kind is Kind.TABLE_INDEX:
            return f"table:{self.name}/index/{self.index}"
        return f"{self.kind}:{self.name}"

    @property
    def wildcard(self) -> bool:
        """Whether the rendered ARN ends in a wildcard (and so needs a reason)."""
        return self.kind in (Kind.ANY, Kind.BUCKET_OBJECTS, Kind.TABLE_STREAM, Kind.FUNCTION_LOGS)


@attrs.frozen
class Place:
    """Where ARNs point: a partition, region and account (literal values, or a backend's tokens)."""

    partition: str
    region: str
    account: str


def function_log_group(system: System, function: Function) -> str:
    """Lambda's own log group name for the function (AWS's convention), made explicit by the backends."""
    return f"/aws/lambda/{system.physical_name(function)}"


def workflow_log_group(system: System, workflow: Workflow) -> str:
    # The /aws/vendedlogs/ prefix keeps Step Functions' log-delivery resource policy small (AWS's advice).
    return f"/aws/vendedlogs/states/{system.physical_name(workflow)}"


def arn(resource: ResourceArn | str, system: System, place: Place) -> str:
    """The ARN of a resource of ``system`` (the formats of AWS's service authorization reference)."""
    if isinstance(resource, str):
        return resource
    kind, p = resource.kind, place
    if kind is Kind.ANY:
        return "*"
    if kind in (Kind.BUCKET, Kind.BUCKET_OBJECTS):
        name = system.bucket_name(system.bucket(resource.name), p.account)
        return f"arn:{p.partition}:s3:::{name}" + ("/*" if kind is Kind.BUCKET_OBJECTS else "")
    if kind in (Kind.TABLE, Kind.TABLE_INDEX, Kind.TABLE_STREAM):
        name = system.physical_name(system.table(resource.name))
        table = f"arn:{p.partition}:dynamodb:{p.region}:{p.account}:table/{name}"
        if kind is Kind.TABLE_INDEX:
            return f"{table}/index/{resource.index}"
        return f"{table}/stream/*" if kind is Kind.TABLE_STREAM else table
    function = system.function(resource.name)
    if kind is Kind.FUNCTION:
        return f"arn:{p.partition}:lambda:{p.region}:{p.account}:function:{system.physical_name(function)}"
    return f"arn:{p.partition}:logs:{p.region}:{p.account}:log-group:{function_log_group(system, function)}:*"


ANY = ResourceArn(Kind.ANY)


@attrs.frozen
class Statement:
    """One Allow statement. ``reason`` is set exactly when a resource is a wildcard (``*`` or ``bucket/*``)."""

    actions: tuple[str, ...]
    resources: tuple[ResourceArn | str, ...]
    reason: str | None = None

    @property
    def wildcard_resources(self) -> tuple[ResourceArn | str, ...]:
        return tuple(r for r in self.resources if "*" in str(r) or (isinstance(r, ResourceArn) and r.wildcard))


def grant_statements(grant: ResourceGrant) -> tuple[Statement, ...]:
    """What a table or bucket grant allows: the data actions its access names, on it (and its indexes or objects)."""
    target = grant.target
    statements: list[Statement] = []
    if isinstance(target, Table):
        resources: tuple[ResourceArn, ...] = (ResourceArn(Kind.TABLE, target.name), *(
            ResourceArn(Kind.TABLE_INDEX, target.name, index.name) for index in target.global_indexes))
        actions: list[str] = []
        if grant.access.reads:
            actions += TABLE_READ
        if grant.access.writes:
            actions += TABLE_WRITE
        statements.append(Statement(tuple(sorted(set(actions))), resources))
        if grant.access.reads and target.stream is not None:
            statements.append(Statement(TABLE_STREAM_READ, (ResourceArn(Kind.TABLE_STREAM, target.name),),
                                        STREAM_REASON))
    elif isinstance(target, Bucket):
        object_actions: list[str] = []
        if grant.access.reads:
            statements.append(Statement(BUCKET_LIST, (ResourceArn(Kind.BUCKET, target.name),)))
            object_actions += OBJECT_READ
        if grant.access.writes:
            object_actions += OBJECT_WRITE
        statements.append(Statement(tuple(sorted(object_actions)), (ResourceArn(Kind.BUCKET_OBJECTS, target.name),),
                                    OBJECTS_REASON))
    return tuple(statements)


def function_statements(function: Function) -> tuple[Statement, ...]:
    """Everything the function's role allows: writing its own logs, its grants, its service actions."""
    statements = [Statement(LOG_WRITE, (ResourceArn(Kind.FUNCTION_LOGS, function.name),), LOGS_REASON)]
    for grant in function.resource_grants:
        statements += grant_statements(grant)
    for service in function.service_grants:
        statements.append(Statement(service.iam_actions, service.resources,
                                    service.reason if service.wildcard else None))
    return tuple(statements)


def workflow_statements(workflow: Workflow) -> tuple[Statement, ...]:
    """Everything the state machine's role allows: invoking its task functions, logging and tracing."""
    functions = sorted({task.function for task in workflow.tasks})
    statements = [Statement(FUNCTION_INVOKE, tuple(ResourceArn(Kind.FUNCTION, name) for name in functions))
                  ] if functions else []
    if workflow.logging:
        statements.append(Statement(WORKFLOW_LOG_DELIVERY, (ANY,), LOG_DELIVERY_REASON))
    if workflow.tracing:
        statements.append(Statement(WORKFLOW_TRACING, (ANY,), TRACING_REASON))
    return tuple(statements)


def allowed(statements: tuple[Statement, ...]) -> frozenset[tuple[str, str]]:
    """Every (action, resource) pair the statements allow: the unit least-privilege checks compare."""
    return frozenset((action, str(resource)) for s in statements for action in s.actions for resource in s.resources)


def system_statements(system: System) -> dict[str, tuple[Statement, ...]]:
    """``function:<name>`` / ``workflow:<name>`` to their statements, for every role of the system."""
    roles = {f"function:{f.name}": function_statements(f) for f in system.functions}
    roles.update({f"workflow:{w.name}": workflow_statements(w) for w in system.workflows})
    return roles


# --- Resource policies: who may invoke a function (the function's own role is untouched by them) -----------
API_INVOKE_PRINCIPAL = "apigateway.amazonaws.com"


@attrs.frozen
class InvokePermission:
    """A statement of a function's resource policy: API Gateway may invoke ``function`` for one route of the
    HTTP API ``api`` (a ``lambda:InvokeFunction`` permission whose source ARN is that route's, see ``source_arn``).
    """

    function: str
    api: str
    route_key: str
    action: str = FUNCTION_INVOKE[0]
    principal: str = API_INVOKE_PRINCIPAL

    def source_arn(self, place: Place, api_id: str) -> str:
        """``arn:aws:execute-api:{region}:{account}:{apiId}/*/{METHOD}{path}``: any stage, the route's method
        (``*`` for ANY) and path (``*`` for each path variable); ``{apiId}/*/$default`` for the default route.
        The API's id is known once it exists, so a backend gives it (a CloudFormation reference, or the id)."""
        if self.route_key == DEFAULT_ROUTE:
            route = DEFAULT_ROUTE
        else:
            method, _, path = self.route_key.partition(" ")
            route = f"{'*' if method == 'ANY' else method}{source_path(path)}"
        return f"arn:{place.partition}:execute-api:{place.region}:{place.account}:{api_id}/*/{route}"


def api_permissions(api: HttpApi) -> tuple[InvokePermission, ...]:
    """One invoke permission per route: each function may be invoked by this API for its own routes only."""
    return tuple(InvokePermission(route.function, api.name, route.key) for route in api.routes)


def function_permissions(system: System) -> dict[str, tuple[InvokePermission, ...]]:
    """``function:<name>`` to the resource-policy statements of every function some API routes to."""
    found: dict[str, list[InvokePermission]] = {}
    for api in system.http_apis:
        for permission in api_permissions(api):
            found.setdefault(f"function:{permission.function}", []).append(permission)
    return {key: tuple(value) for key, value in found.items()}
