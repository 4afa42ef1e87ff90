"""The model system as a CDK app: a stack per concern, resources handed between them by constructor.

Stack ids and names are ``{system}-{stage}-{concern}``: auth, database, storage, ai (agent runtimes, service roles,
vector buckets), functions, workflow, and api for HTTP APIs; a concern with no resources in the system gets no
stack. A concern too large for one stack (CloudFormation's quotas: ``shards.py``) is split into ``{concern}``,
``{concern}-1``, ... by a stable hash of each resource's name, each shard depending on the shards it refers to.
Within a stack, construct ids come from the model's names (``api-keys`` → ``ApiKeys``), so they and the logical ids
CloudFormation sees change only when a model name changes. Those ids are the contract with a deployed stack:
renaming one replaces the resource.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from aws_cdk import App, Aws, CfnOutput, CrossStackReferences, ReferenceStrength, Stack, Tags
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from oratio.backends.cdk import checks, shards
from oratio.backends.cdk.agent_runtime import render_agent_runtime
from oratio.backends.cdk.bucket import render_bucket
from oratio.backends.cdk.common import PLACE, construct_id, part_id
from oratio.backends.cdk.function import render_function
from oratio.backends.cdk.http_api import render_http_api
from oratio.backends.cdk.service_role import render_service_role
from oratio.backends.cdk.table import render_table
from oratio.backends.cdk.user_pool import render_user_pool
from oratio.backends.cdk.vector_bucket import render_vector_bucket
from oratio.backends.cdk.workflow import render_workflow
from oratio.model import (
    AgentRuntime,
    Bucket,
    Function,
    HttpApi,
    ServiceRole,
    System,
    Table,
    UserPool,
    VectorBucket,
    Workflow,
)
from oratio.model.permissions import (
    agent_runtime_statements,
    function_statements,
    service_role_statements,
    workflow_arns,
    workflow_statements,
)

CONCERNS = shards.CONCERNS  # auth, database, storage, ai, functions, workflow, api: the stacks in order


def stack_name(system: System, concern: str) -> str:
    return f"{system.prefix}-{concern}"


class _SystemStack(Stack):
    def __init__(self, scope: Construct, system: System, name: str, description: str) -> None:
        super().__init__(scope, name, stack_name=name, description=f"{system.name} ({system.stage}): {description}")
        for key, value in system.tags.items():
            Tags.of(self).add(key, value)

    def output(self, owner_id: str, what: str, value: str, description: str) -> None:
        """An output named for its resource and what it holds (``Users-TableName``): the '-' keeps output ids
        apart from every model resource's construct id (``part_id``)."""
        CfnOutput(self, part_id(owner_id, what), value=value, description=description)


class AuthStack(_SystemStack):
    def __init__(self, scope: Construct, system: System, name: str, user_pools: Sequence[UserPool]) -> None:
        super().__init__(scope, system, name, "user pools and their app clients")
        self.pools: dict[str, tuple[cognito.IUserPool, dict[str, cognito.IUserPoolClient]]] = {}
        for pool in user_pools:
            construct, clients = render_user_pool(self, system, pool)
            # Strong references (exports) for the API stack's authorizer, as for agent runtimes' ARNs below: the
            # weak default is Fn::GetStackOutput, which LocalStack's CloudFormation leaves unevaluated (the cdklocal
            # path: the authorizer's issuer and audience would be the intrinsic's text, refusing every token).
            for referenced in (construct, *clients):
                CrossStackReferences.of(referenced).produce(ReferenceStrength.STRONG)
            self.pools[pool.name] = (construct, {c.name: r for c, r in zip(pool.clients, clients, strict=True)})
            checks.acknowledge_exemptions(construct, pool.exemptions)
            self.output(construct_id(pool.name), "UserPoolId", construct.user_pool_id, f"user pool {pool.name}")
            for client, client_construct in zip(pool.clients, clients, strict=True):
                # In the pool's scope: two pools' clients never share an output id (``a`` + ``b-c`` and ``a-b`` +
                # ``c`` would, side by side); the logical id is the readable path plus the CDK's hash of it.
                CfnOutput(construct, f"{construct_id(client.name)}ClientId",
                          value=client_construct.user_pool_client_id,
                          description=f"app client {client.name} of {pool.name}")


class DatabaseStack(_SystemStack):
    def __init__(self, scope: Construct, system: System, name: str, tables: Sequence[Table]) -> None:
        super().__init__(scope, system, name, "DynamoDB tables")
        self.tables: dict[str, dynamodb.Table] = {}
        for table in tables:
            construct = render_table(self, system, table)
            checks.acknowledge_exemptions(construct, table.exemptions)
            self.tables[table.name] = construct
            self.output(construct_id(table.name), "TableName", construct.table_name, f"table {table.name}")


class StorageStack(_SystemStack):
    def __init__(self, scope: Construct, system: System, name: str, buckets: Sequence[Bucket]) -> None:
        super().__init__(scope, system, name, "S3 buckets")
        self.buckets: dict[str, s3.Bucket] = {}
        for bucket in buckets:
            construct = render_bucket(self, system, bucket, Aws.ACCOUNT_ID)
            checks.acknowledge_exemptions(construct, bucket.exemptions)
            self.buckets[bucket.name] = construct
            self.output(construct_id(bucket.name), "BucketName", construct.bucket_name, f"bucket {bucket.name}")


class AiStack(_SystemStack):
    """The AI layer: vector buckets, service roles and agent runtimes (AgentCore, code from this project)."""

    def __init__(self, scope: Construct, system: System, name: str,
                 resources: Sequence[VectorBucket | ServiceRole | AgentRuntime], *, project_root: Path,
                 progress: Callable[[str], None] | None = None) -> None:
        super().__init__(scope, system, name, "agent runtimes, service roles and vector buckets")
        # Tables and buckets are referred to by their model names; build_app declares the order.
        names = system.physical_names(Aws.ACCOUNT_ID, Aws.PARTITION)
        self.runtime_arns: dict[str, str] = {}
        for resource in resources:
            cid = construct_id(resource.name)
            if isinstance(resource, VectorBucket):
                vectors = render_vector_bucket(self, system, resource, f"{cid}VectorBucket")
                checks.acknowledge_exemptions(vectors, resource.exemptions)
                self.output(cid, "VectorBucketName", vectors.vector_bucket_name, f"vector bucket {resource.name}")
                self.output(cid, "VectorBucketArn", vectors.attr_vector_bucket_arn, f"vector bucket {resource.name}")
            elif isinstance(resource, ServiceRole):
                role_id = f"{cid}ServiceRole"
                role = render_service_role(self, system, resource, role_id)
                checks.acknowledge_exemptions(self.node.find_child(role_id), resource.exemptions)
                checks.acknowledge_wildcards(self.node.find_child(role_id), system,
                                             service_role_statements(system, resource))
                self.output(role_id, "Arn", role.role_arn, f"service role {resource.name}")
            else:
                runtime, runtime_role = render_agent_runtime(self, system, resource, f"{cid}Runtime",
                                                             system.environment(resource, names), project_root,
                                                             progress)
                checks.acknowledge_exemptions(runtime, resource.exemptions)
                checks.acknowledge_wildcards(runtime_role, system, agent_runtime_statements(system, resource, "code"))
                # A strong reference (an export), though cdk.json makes references weak by default: weak ones are
                # Fn::GetStackOutput, which LocalStack's CloudFormation does not evaluate (the cdklocal path).
                CrossStackReferences.of(runtime).produce(ReferenceStrength.STRONG)
                self.runtime_arns[resource.name] = runtime.attr_agent_runtime_arn
                self.output(cid, "RuntimeArn", runtime.attr_agent_runtime_arn, f"agent runtime {resource.name}")


class FunctionsStack(_SystemStack):
    def __init__(self, scope: Construct, system: System, name: str, functions: Sequence[Function], *,
                 project_root: Path, runtime_arns: Mapping[str, str] | None = None,
                 progress: Callable[[str], None] | None = None) -> None:
        super().__init__(scope, system, name, "Lambda functions with their roles and log groups")
        # Tables and buckets are referred to by their model names (see role.policy_document); the stacks holding
        # them are deployed first (build_app declares the order).
        names = system.physical_names(Aws.ACCOUNT_ID, Aws.PARTITION)
        # An agent runtime's ARN carries an id AgentCore picks at creation: it alone crosses stacks as a
        # CloudFormation export (it changes only when the runtime is replaced, i.e. renamed in the model).
        names.update({f"agent-runtime:{name}": value for name, value in (runtime_arns or {}).items()})
        # A state machine's ARN is built from its name: its stack depends on this one (its tasks' functions).
        names.update(workflow_arns(system, PLACE))
        self.functions: dict[str, lambda_.Function] = {}
        for function in functions:
            cid = construct_id(function.name)
            construct, _ = render_function(self, system, function, cid, system.environment(function, names),
                                           project_root, progress)
            checks.acknowledge_exemptions(construct, function.exemptions)
            checks.acknowledge_wildcards(self.node.find_child(part_id(cid, "Role")), system,
                                         function_statements(function))
            self.functions[function.name] = construct
            self.output(cid, "FunctionArn", construct.function_arn, f"function {function.name}")


class WorkflowStack(_SystemStack):
    def __init__(self, scope: Construct, system: System, name: str, workflows: Sequence[Workflow]) -> None:
        super().__init__(scope, system, name, "Step Functions state machines")
        # Tasks call their functions by ARN from the model's names (see workflow.definition), as FunctionsStack
        # refers to tables and buckets: the functions' stacks are deployed first (build_app declares the order).
        for workflow in workflows:
            cid = construct_id(workflow.name)
            machine = render_workflow(self, system, workflow, cid)
            checks.acknowledge_exemptions(machine, workflow.exemptions)
            checks.acknowledge_wildcards(self.node.find_child(part_id(cid, "Role")), system,
                                         workflow_statements(workflow))
            self.output(cid, "StateMachineArn", machine.state_machine_arn, f"state machine {workflow.name}")


class ApiStack(_SystemStack):
    def __init__(self, scope: Construct, system: System, name: str, http_apis: Sequence[HttpApi], *,
                 pools: Mapping[str, tuple[cognito.IUserPool, Mapping[str, cognito.IUserPoolClient]]]) -> None:
        super().__init__(scope, system, name, "HTTP APIs: routes to functions, JWT authorizers, access logs")
        # Routes invoke their functions by ARN from the model's names: the functions' stacks are deployed first
        # (build_app declares the order); the pools' ids are cross-stack references, ordered by the CDK.
        for api in http_apis:
            cid = construct_id(api.name)
            construct, routes, access_logs = render_http_api(self, system, api, pools)
            # The stage and the access log group are named {cid}Stage and {cid}AccessLogs (not part_id's form).
            checks.acknowledge_exemptions(construct, api.exemptions,
                                          parts=[self.node.try_find_child(f"{cid}Stage"), access_logs])
            for (route_construct, public), route in zip(routes, api.routes, strict=True):
                if public:
                    checks.acknowledge_public_route(route_construct, route.reason or "")
            self.output(cid, "ApiUrl", f"{construct.api_endpoint}/", f"HTTP API {api.name}: its $default stage")
            self.output(cid, "ApiId", construct.api_id, f"HTTP API {api.name}")


def build_app(system: System, *, outdir: str | None = None, project_root: Path | None = None,
              nag: bool = True, cfn_validation: bool = False,
              progress: Callable[[str], None] | None = None, context: Mapping[str, Any] | None = None) -> App:
    """The CDK app of a valid system (call ``system.check()`` first: model errors must never reach jsii).

    ``cfn_validation`` is aws-cdk-lib's built-in CloudFormation validation: off by default, because it costs
    about 5 s of a 10 s synth here while cdk-nag runs on every synth and cfn-lint in the test suite
    (``bench/cdk_synth.py`` measures both). ``nag`` adds cdk-nag's AwsSolutions checks.
    """
    # ``context``: cdk.json's (feature flags) when run without the CDK CLI, which otherwise hands it over itself.
    app = App(outdir=outdir, builtin_cloud_formation_validation=cfn_validation, context=dict(context or {}) or None)
    root = project_root or Path.cwd()
    plan = shards.plan(system)
    stacks: dict[str, Stack] = {}
    pools: dict[str, tuple[cognito.IUserPool, dict[str, cognito.IUserPoolClient]]] = {}
    runtime_arns: dict[str, str] = {}
    for shard in plan.shards:
        if shard.concern == "auth":
            auth = AuthStack(app, system, shard.name, shard.resources)
            pools.update(auth.pools)
            stacks[shard.name] = auth
        elif shard.concern == "database":
            stacks[shard.name] = DatabaseStack(app, system, shard.name, shard.resources)
        elif shard.concern == "storage":
            stacks[shard.name] = StorageStack(app, system, shard.name, shard.resources)
        elif shard.concern == "ai":
            ai = AiStack(app, system, shard.name, shard.resources, project_root=root, progress=progress)
            runtime_arns.update(ai.runtime_arns)
            stacks[shard.name] = ai
        elif shard.concern == "functions":
            stacks[shard.name] = FunctionsStack(app, system, shard.name, shard.resources, project_root=root,
                                                runtime_arns=runtime_arns, progress=progress)
        elif shard.concern == "workflow":
            stacks[shard.name] = WorkflowStack(app, system, shard.name, shard.resources)
        else:
            stacks[shard.name] = ApiStack(app, system, shard.name, shard.resources, pools=pools)
    for name, needed in plan.dependencies.items():
        for other in needed:
            stacks[name].add_stack_dependency(stacks[other])
    if nag:
        checks.add_nag(app)
    return app
