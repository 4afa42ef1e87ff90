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

from oratio.model.agent_runtime import AgentRuntime
from oratio.model.bucket import Bucket
from oratio.model.function import Function
from oratio.model.grants import (
    INFERENCE_PROFILE_REASON,
    Access,
    GeneratedRuntimesGrant,
    ModelGrant,
    ResourceGrant,
    RetrievalGrant,
    RuntimeManagementGrant,
    TargetGrant,
)
from oratio.model.http_api import DEFAULT_ROUTE, HttpApi, source_path
from oratio.model.service_role import ServiceRole, TrustedService
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
OBJECT_PUT = ("s3:PutObject",)
STATE_MACHINE_START = ("states:StartExecution",)
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
    STATE_MACHINE = "state-machine"  # name: the workflow's model name
    # The AI layer
    AGENT_RUNTIME = "agent-runtime"  # runtime/{name}-* (AgentCore appends an id) and its endpoints
    AGENT_RUNTIME_ENDPOINTS = "agent-runtime-endpoints"  # runtime/{name}-*/runtime-endpoint/*
    AGENT_RUNTIMES = "agent-runtimes"  # runtime/* of the account and Region
    GENERATED_RUNTIMES = "generated-runtimes"  # runtime/{system prefix}{name}* (name: a run-time name prefix)
    GENERATED_RUNTIME_ENDPOINTS = "generated-runtime-endpoints"  # runtime/{system prefix}{name}*/runtime-endpoint/*
    RUNTIME_LOGS = "runtime-logs"  # /aws/bedrock-agentcore/runtimes/{name}-* (name: a runtime, or a name prefix)
    FOUNDATION_MODEL = "foundation-model"  # name: the model id
    FOUNDATION_MODEL_ANY_REGION = "foundation-model-any-region"
    INFERENCE_PROFILE = "inference-profile"
    KNOWLEDGE_BASES = "knowledge-bases"  # knowledge-base/*
    VECTOR_BUCKET = "vector-bucket"
    VECTOR_INDEXES = "vector-indexes"  # bucket/{name}/index/*
    SERVICE_ROLE = "service-role"


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
        return self.kind in (Kind.ANY, Kind.BUCKET_OBJECTS, Kind.TABLE_STREAM, Kind.FUNCTION_LOGS, *WILDCARD_AI_KINDS)


@attrs.frozen
class Place:
    """Where ARNs point: a partition, region and account (literal values, or a backend's tokens)."""

    partition: str
    region: str
    account: str


def workflow_arns(system: System, place: Place) -> dict[str, str]:
    """``workflow:<name>`` to its state machine's ARN, built from its name (never a reference to the workflow's
    stack, which depends on the functions' stacks), for ``System.environment``."""
    return {f"workflow:{w.name}": arn(ResourceArn(Kind.STATE_MACHINE, w.name), system, place) for w in system.workflows}


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
    if kind is Kind.STATE_MACHINE:
        name = system.physical_name(system.workflow(resource.name))
        return f"arn:{p.partition}:states:{p.region}:{p.account}:stateMachine:{name}"
    if kind.value in AI_KINDS:
        return _ai_arn(resource, system, place)
    function = system.function(resource.name)
    if kind is Kind.FUNCTION:
        return f"arn:{p.partition}:lambda:{p.region}:{p.account}:function:{system.physical_name(function)}"
    return f"arn:{p.partition}:logs:{p.region}:{p.account}:log-group:{function_log_group(system, function)}:*"


ANY = ResourceArn(Kind.ANY)

AI_KINDS = frozenset({
    "agent-runtime", "agent-runtime-endpoints", "agent-runtimes", "runtime-logs", "foundation-model",
    "foundation-model-any-region", "inference-profile", "knowledge-bases", "vector-bucket", "vector-indexes",
    "service-role", "generated-runtimes", "generated-runtime-endpoints"})
WILDCARD_AI_KINDS = (Kind.AGENT_RUNTIME, Kind.AGENT_RUNTIME_ENDPOINTS, Kind.AGENT_RUNTIMES, Kind.RUNTIME_LOGS,
                     Kind.GENERATED_RUNTIMES, Kind.GENERATED_RUNTIME_ENDPOINTS,
                     Kind.FOUNDATION_MODEL_ANY_REGION, Kind.KNOWLEDGE_BASES, Kind.VECTOR_INDEXES)


def runtime_log_group_prefix(runtime_name: str) -> str:
    """AgentCore's log groups: ``/aws/bedrock-agentcore/runtimes/{runtime id}-{endpoint}``, the runtime id being
    ``{name}-{suffix}`` (AgentCore Runtime developer guide, "Observability")."""
    return f"/aws/bedrock-agentcore/runtimes/{runtime_name}"


def _ai_arn(resource: ResourceArn, system: System, p: Place) -> str:
    kind, name = resource.kind, resource.name
    agentcore = f"arn:{p.partition}:bedrock-agentcore:{p.region}:{p.account}"
    if kind in (Kind.AGENT_RUNTIME, Kind.AGENT_RUNTIME_ENDPOINTS):
        # An id AgentCore picks follows the name after '-'; names have no '-', so this matches this runtime only.
        runtime = f"{agentcore}:runtime/{system.runtime_name(system.agent_runtime(name))}-*"
        return runtime + ("/runtime-endpoint/*" if kind is Kind.AGENT_RUNTIME_ENDPOINTS else "")
    if kind is Kind.AGENT_RUNTIMES:
        return f"{agentcore}:runtime/*"
    if kind in (Kind.GENERATED_RUNTIMES, Kind.GENERATED_RUNTIME_ENDPOINTS):
        runtimes = f"{agentcore}:runtime/{system.runtime_prefix}{name}*"
        return runtimes + ("/runtime-endpoint/*" if kind is Kind.GENERATED_RUNTIME_ENDPOINTS else "")
    if kind is Kind.RUNTIME_LOGS:  # name: the runtime's physical name, or a prefix of run-time runtimes' names
        return f"arn:{p.partition}:logs:{p.region}:{p.account}:log-group:{runtime_log_group_prefix(name)}*"
    if kind is Kind.FOUNDATION_MODEL:
        return f"arn:{p.partition}:bedrock:{p.region}::foundation-model/{name}"
    if kind is Kind.FOUNDATION_MODEL_ANY_REGION:
        return f"arn:{p.partition}:bedrock:*::foundation-model/{name}"
    if kind is Kind.INFERENCE_PROFILE:
        return f"arn:{p.partition}:bedrock:{p.region}:{p.account}:inference-profile/{name}"
    if kind is Kind.KNOWLEDGE_BASES:
        return f"arn:{p.partition}:bedrock:{p.region}:{p.account}:knowledge-base/*"
    if kind in (Kind.VECTOR_BUCKET, Kind.VECTOR_INDEXES):
        bucket = f"arn:{p.partition}:s3vectors:{p.region}:{p.account}:bucket/" \
                 f"{system.physical_name(system.vector_bucket(name))}"
        return bucket + ("/index/*" if kind is Kind.VECTOR_INDEXES else "")
    return f"arn:{p.partition}:iam::{p.account}:role/{system.physical_name(system.service_role(name))}"


@attrs.frozen
class Statement:
    """One Allow statement. ``reason`` is set exactly when a resource is a wildcard (``*`` or ``bucket/*``)."""

    actions: tuple[str, ...]
    resources: tuple[ResourceArn | str, ...]
    reason: str | None = None
    # IAM conditions as (operator, key, value), e.g. ("StringEquals", "iam:PassedToService", "bedrock.amazonaws.com")
    conditions: tuple[tuple[str, str, str], ...] = ()

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
    elif isinstance(target, Bucket) and grant.access == Access.PUT:
        statements.append(Statement(OBJECT_PUT, (ResourceArn(Kind.BUCKET_OBJECTS, target.name),), OBJECTS_REASON))
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
    return tuple(statements) + grants_statements(function.grants)


def grants_statements(grants: tuple) -> tuple[Statement, ...]:
    """What a list of grants allows (functions, agent runtimes and service roles share the vocabulary)."""
    statements: list[Statement] = []
    for grant in grants:
        if isinstance(grant, ResourceGrant):
            statements += grant_statements(grant)
        elif isinstance(grant, (ModelGrant, TargetGrant, RuntimeManagementGrant, RetrievalGrant,
                                GeneratedRuntimesGrant)):
            statements += ai_grant_statements(grant)
        else:
            statements.append(Statement(grant.iam_actions, grant.resources, grant.reason if grant.wildcard else None))
    return tuple(statements)


# --- The AI layer ------------------------------------------------------------------------------------------------
# Converse and ConverseStream are authorized as bedrock:InvokeModel and InvokeModelWithResponseStream (Bedrock API
# reference, Converse: "requires permission for the bedrock:InvokeModel action").
MODEL_INVOKE = ("bedrock:InvokeModel",)
MODEL_STREAM = ("bedrock:InvokeModelWithResponseStream",)
# Invoking, and ending one's session (StopRuntimeSession) rather than leaving it to the idle timeout.
RUNTIME_INVOKE = ("bedrock-agentcore:InvokeAgentRuntime", "bedrock-agentcore:StopRuntimeSession")
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonbedrockagentcore.html
# InvokeAgentRuntime too: whoever deploys an agent checks that its code starts (one health-check invocation).
RUNTIME_MANAGE = ("bedrock-agentcore:CreateAgentRuntime", "bedrock-agentcore:DeleteAgentRuntime",
                  "bedrock-agentcore:GetAgentRuntime", "bedrock-agentcore:InvokeAgentRuntime",
                  "bedrock-agentcore:ListAgentRuntimeVersions", "bedrock-agentcore:ListAgentRuntimes",
                  "bedrock-agentcore:StopRuntimeSession", "bedrock-agentcore:UpdateAgentRuntime")
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3vectors.html: index creation and
# listing act on the vector bucket, every other index and vector action on the index.
VECTOR_BUCKET_INDEX_ACTIONS = ("s3vectors:CreateIndex", "s3vectors:ListIndexes")
VECTOR_INDEX_MANAGE = ("s3vectors:DeleteIndex", "s3vectors:GetIndex")
VECTOR_READ_WRITE = ("s3vectors:DeleteVectors", "s3vectors:GetVectors", "s3vectors:ListVectors",
                     "s3vectors:PutVectors", "s3vectors:QueryVectors")
# What a knowledge base needs of its S3 Vectors index (Bedrock user guide, "Create a service role for Amazon
# Bedrock Knowledge Bases", S3 Vectors section).
VECTOR_KNOWLEDGE_BASE = ("s3vectors:DeleteVectors", "s3vectors:GetIndex", "s3vectors:GetVectors",
                         "s3vectors:PutVectors", "s3vectors:QueryVectors")
RETRIEVE = ("bedrock:Retrieve",)
PASS_ROLE = ("iam:PassRole",)
RUNTIME_LOG_WRITE = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents")
RUNTIME_TRACING = ("xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords",
                   "xray:PutTraceSegments")

RUNTIME_ARN_REASON = ("AgentCore appends an id it picks to the runtime's ARN: the ARN is matched by the runtime's "
                      "own name and that id only")
VECTOR_INDEXES_REASON = ("indexes are created at run time, one per user agent: access covers this vector bucket's "
                         "indexes only")
RUNTIME_LOGS_REASON = ("AgentCore names each runtime's log group after the runtime's id, which it picks at creation: "
                       "access covers the log groups of this system's runtimes only")


def ai_grant_statements(grant: ModelGrant | TargetGrant | RuntimeManagementGrant | RetrievalGrant
                        | GeneratedRuntimesGrant) -> tuple[Statement, ...]:
    if isinstance(grant, ModelGrant):
        actions = MODEL_INVOKE + (MODEL_STREAM if grant.streaming else ())
        if grant.geography is None:
            return (Statement(actions, (ResourceArn(Kind.FOUNDATION_MODEL, grant.model_id),)),)
        return (Statement(actions, (ResourceArn(Kind.INFERENCE_PROFILE, grant.model_id),)),
                Statement(actions, (ResourceArn(Kind.FOUNDATION_MODEL_ANY_REGION, grant.foundation_model_id),),
                          INFERENCE_PROFILE_REASON))
    if isinstance(grant, GeneratedRuntimesGrant):
        return (Statement(RUNTIME_INVOKE, (ResourceArn(Kind.GENERATED_RUNTIMES, grant.name_prefix),
                                           ResourceArn(Kind.GENERATED_RUNTIME_ENDPOINTS, grant.name_prefix)),
                          grant.reason),)
    if isinstance(grant, RetrievalGrant):
        return (Statement(RETRIEVE, (ResourceArn(Kind.KNOWLEDGE_BASES),), grant.reason),)
    if isinstance(grant, RuntimeManagementGrant):
        role = grant.execution_role
        return (Statement(RUNTIME_MANAGE, (ResourceArn(Kind.AGENT_RUNTIMES),), grant.reason),
                Statement(PASS_ROLE, (ResourceArn(Kind.SERVICE_ROLE, role.name),),
                          conditions=(("StringEquals", "iam:PassedToService", role.trusted_service),)))
    target, name = grant.target, grant.target.name
    if grant.action == "invoke":
        return (Statement(RUNTIME_INVOKE, (ResourceArn(Kind.AGENT_RUNTIME, name),
                                           ResourceArn(Kind.AGENT_RUNTIME_ENDPOINTS, name)), RUNTIME_ARN_REASON),)
    if grant.action == "start_execution":
        return (Statement(STATE_MACHINE_START, (ResourceArn(Kind.STATE_MACHINE, name),)),)
    if grant.action == "pass":
        return (Statement(PASS_ROLE, (ResourceArn(Kind.SERVICE_ROLE, name),),
                          conditions=(("StringEquals", "iam:PassedToService", target.trusted_service),)),)
    indexes = (ResourceArn(Kind.VECTOR_INDEXES, name),)
    if grant.action == "manage_indexes":
        return (Statement(VECTOR_BUCKET_INDEX_ACTIONS, (ResourceArn(Kind.VECTOR_BUCKET, name),)),
                Statement(VECTOR_INDEX_MANAGE, indexes, VECTOR_INDEXES_REASON))
    actions = VECTOR_READ_WRITE if grant.action == "read_write" else VECTOR_KNOWLEDGE_BASE
    return (Statement(actions, indexes, VECTOR_INDEXES_REASON),)


def agent_runtime_statements(system: System, runtime: AgentRuntime, code_object: str | None = None,
                             ) -> tuple[Statement, ...]:
    """The runtime's execution role: reading its code package (AgentCore fetches the .zip with it; the backend
    knows where it uploaded it, ``code_object``), its own log groups, X-Ray traces (AgentCore's documented execution
    role, without ECR: code is deployed as a .zip), then its grants."""
    code = (Statement(("s3:GetObject",), (code_object,)),) if code_object else ()
    statements = (
        *code,
        Statement(RUNTIME_LOG_WRITE, (ResourceArn(Kind.RUNTIME_LOGS, f"{system.runtime_name(runtime)}-"),),
                  RUNTIME_LOGS_REASON),
        Statement(RUNTIME_TRACING, (ANY,), TRACING_REASON),
    )
    return statements + grants_statements(runtime.grants)


def service_role_statements(system: System, role: ServiceRole) -> tuple[Statement, ...]:
    """A service role's grants; a role AgentCore runs run-time runtimes with also writes their logs (runtimes
    the platform creates are named with the system's prefix) and traces."""
    statements: tuple[Statement, ...] = ()
    if role.service is TrustedService.AGENTCORE_RUNTIME:
        statements = (Statement(RUNTIME_LOG_WRITE, (ResourceArn(Kind.RUNTIME_LOGS, system.runtime_prefix),),
                                RUNTIME_LOGS_REASON),
                      Statement(RUNTIME_TRACING, (ANY,), TRACING_REASON))
    return statements + grants_statements(role.grants)


@attrs.frozen
class Trust:
    """Who may assume a role, with the confused-deputy conditions AWS documents for that service."""

    service: str
    source_arn: str  # an ARN pattern; backends render it like ARNs (``source_arn_pattern``)


def trust(role: ServiceRole | AgentRuntime) -> Trust:
    if isinstance(role, AgentRuntime) or role.service is TrustedService.AGENTCORE_RUNTIME:
        return Trust(str(TrustedService.AGENTCORE_RUNTIME), "arn:{partition}:bedrock-agentcore:{region}:{account}:*")
    return Trust(str(TrustedService.BEDROCK_KNOWLEDGE_BASES),
                 "arn:{partition}:bedrock:{region}:{account}:knowledge-base/*")


def trust_conditions(role: ServiceRole | AgentRuntime, place: Place) -> dict[str, dict[str, str]]:
    """``aws:SourceAccount`` and ``aws:SourceArn`` (https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html)."""
    source = trust(role).source_arn.format(partition=place.partition, region=place.region, account=place.account)
    return {"StringEquals": {"aws:SourceAccount": place.account}, "ArnLike": {"aws:SourceArn": source}}


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
    roles.update({f"agent-runtime:{r.name}": agent_runtime_statements(system, r) for r in system.agent_runtimes})
    roles.update({f"service-role:{r.name}": service_role_statements(system, r) for r in system.service_roles})
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
