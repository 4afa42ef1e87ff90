"""The model system as a CDK app: six stacks, one per concern, resources handed between them by constructor.

Stack ids and names are ``{system}-{stage}-{concern}`` (auth, database, storage, ai, functions, workflow; and api
for a system with HTTP APIs); a concern with no resources in the system gets no stack. Within a stack, construct ids
come from the model's names (``api-keys`` → ``ApiKeys``), so they and the logical ids CloudFormation sees change
only when a model name changes. Those ids are the contract with a deployed stack: renaming one replaces the resource.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App, Aws, CfnOutput, CrossStackReferences, ReferenceStrength, Stack, Tags
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from oratio.backends.cdk import checks
from oratio.backends.cdk.agent_runtime import render_agent_runtime
from oratio.backends.cdk.bucket import render_bucket
from oratio.backends.cdk.common import construct_id, part_id
from oratio.backends.cdk.function import render_function
from oratio.backends.cdk.http_api import render_http_api
from oratio.backends.cdk.service_role import render_service_role
from oratio.backends.cdk.table import render_table
from oratio.backends.cdk.user_pool import render_user_pool
from oratio.backends.cdk.vector_bucket import render_vector_bucket
from oratio.backends.cdk.workflow import render_workflow
from oratio.model import System
from oratio.model.permissions import (
    agent_runtime_statements,
    function_statements,
    service_role_statements,
    workflow_statements,
)

CONCERNS = ("auth", "database", "storage", "ai", "functions", "workflow")


def stack_name(system: System, concern: str) -> str:
    return f"{system.prefix}-{concern}"


class _SystemStack(Stack):
    def __init__(self, scope: Construct, system: System, concern: str, description: str) -> None:
        super().__init__(scope, stack_name(system, concern), stack_name=stack_name(system, concern),
                         description=f"{system.name} ({system.stage}): {description}")
        for key, value in system.tags.items():
            Tags.of(self).add(key, value)

    def output(self, output_id: str, value: str, description: str) -> None:
        CfnOutput(self, output_id, value=value, description=description)


class AuthStack(_SystemStack):
    def __init__(self, scope: Construct, system: System) -> None:
        super().__init__(scope, system, "auth", "user pools and their app clients")
        self.pools: dict[str, tuple[cognito.IUserPool, dict[str, cognito.IUserPoolClient]]] = {}
        for pool in system.user_pools:
            construct, clients = render_user_pool(self, system, pool)
            self.pools[pool.name] = (construct, {c.name: r for c, r in zip(pool.clients, clients, strict=True)})
            checks.acknowledge_exemptions(construct, pool.exemptions)
            self.output(f"{construct_id(pool.name)}UserPoolId", construct.user_pool_id, f"user pool {pool.name}")
            for client, client_construct in zip(pool.clients, clients, strict=True):
                # In the pool's scope: two pools' clients never share an output id (``a`` + ``b-c`` and ``a-b`` +
                # ``c`` would, side by side); the logical id is the readable path plus the CDK's hash of it.
                CfnOutput(construct, f"{construct_id(client.name)}ClientId",
                          value=client_construct.user_pool_client_id,
                          description=f"app client {client.name} of {pool.name}")


class DatabaseStack(_SystemStack):
    def __init__(self, scope: Construct, system: System) -> None:
        super().__init__(scope, system, "database", "DynamoDB tables")
        self.tables: dict[str, dynamodb.Table] = {}
        for table in system.tables:
            construct = render_table(self, system, table)
            checks.acknowledge_exemptions(construct, table.exemptions)
            self.tables[table.name] = construct
            self.output(f"{construct_id(table.name)}TableName", construct.table_name, f"table {table.name}")


class StorageStack(_SystemStack):
    def __init__(self, scope: Construct, system: System) -> None:
        super().__init__(scope, system, "storage", "S3 buckets")
        self.buckets: dict[str, s3.Bucket] = {}
        for bucket in system.buckets:
            construct = render_bucket(self, system, bucket, Aws.ACCOUNT_ID)
            checks.acknowledge_exemptions(construct, bucket.exemptions)
            self.buckets[bucket.name] = construct
            self.output(f"{construct_id(bucket.name)}BucketName", construct.bucket_name, f"bucket {bucket.name}")


class AiStack(_SystemStack):
    """The AI layer: vector buckets, service roles and agent runtimes (AgentCore, code from this project)."""

    def __init__(self, scope: Construct, system: System, *, depends_on: list[Stack], project_root: Path,
                 progress: Callable[[str], None] | None = None) -> None:
        super().__init__(scope, system, "ai", "agent runtimes, service roles and vector buckets")
        for stack in depends_on:  # tables and buckets are referred to by their model names
            self.add_stack_dependency(stack)
        for vectors in system.vector_buckets:
            cid = construct_id(vectors.name)
            construct = render_vector_bucket(self, system, vectors, f"{cid}VectorBucket")
            checks.acknowledge_exemptions(construct, vectors.exemptions)
            self.output(f"{cid}VectorBucketName", construct.vector_bucket_name, f"vector bucket {vectors.name}")
            self.output(f"{cid}VectorBucketArn", construct.attr_vector_bucket_arn, f"vector bucket {vectors.name}")
        for role in system.service_roles:
            cid = f"{construct_id(role.name)}ServiceRole"
            construct = render_service_role(self, system, role, cid)
            checks.acknowledge_exemptions(self.node.find_child(cid), role.exemptions)
            checks.acknowledge_wildcards(self.node.find_child(cid), system, service_role_statements(system, role))
            self.output(f"{cid}Arn", construct.role_arn, f"service role {role.name}")
        names = system.physical_names(Aws.ACCOUNT_ID, Aws.PARTITION)
        self.runtime_arns: dict[str, str] = {}
        for runtime in system.agent_runtimes:
            cid = construct_id(runtime.name)
            construct, role = render_agent_runtime(self, system, runtime, f"{cid}Runtime",
                                                   system.environment(runtime, names), project_root, progress)
            checks.acknowledge_exemptions(construct, runtime.exemptions)
            checks.acknowledge_wildcards(role, system, agent_runtime_statements(system, runtime, "code"))
            # A strong reference (an export), though cdk.json makes references weak by default: weak ones are
            # Fn::GetStackOutput, which LocalStack's CloudFormation does not evaluate (the cdklocal path).
            CrossStackReferences.of(construct).produce(ReferenceStrength.STRONG)
            self.runtime_arns[runtime.name] = construct.attr_agent_runtime_arn
            self.output(f"{cid}RuntimeArn", construct.attr_agent_runtime_arn, f"agent runtime {runtime.name}")


class FunctionsStack(_SystemStack):
    def __init__(self, scope: Construct, system: System, *, tables: Mapping[str, dynamodb.Table],
                 buckets: Mapping[str, s3.Bucket], project_root: Path, ai: AiStack | None = None,
                 progress: Callable[[str], None] | None = None) -> None:
        super().__init__(scope, system, "functions", "Lambda functions with their roles and log groups")
        # Tables and buckets are referred to by their model names (see role.policy_document); their stacks
        # are deployed first.
        for construct in [*tables.values(), *buckets.values()]:
            self.add_stack_dependency(Stack.of(construct))
        names = system.physical_names(Aws.ACCOUNT_ID, Aws.PARTITION)
        if ai is not None:
            # Vector buckets and service roles by their model names; an agent runtime's ARN carries an id AgentCore
            # picks at creation, so it alone crosses stacks as a CloudFormation export (it changes only when the
            # runtime is replaced, i.e. renamed in the model).
            self.add_stack_dependency(ai)
            names.update({f"agent-runtime:{name}": value for name, value in ai.runtime_arns.items()})
        self.functions: dict[str, lambda_.Function] = {}
        for function in system.functions:
            cid = construct_id(function.name)
            construct, _ = render_function(self, system, function, cid, system.environment(function, names),
                                           project_root, progress)
            checks.acknowledge_exemptions(construct, function.exemptions)
            checks.acknowledge_wildcards(self.node.find_child(part_id(cid, "Role")), system,
                                         function_statements(function))
            self.functions[function.name] = construct
            self.output(f"{cid}FunctionArn", construct.function_arn, f"function {function.name}")


class WorkflowStack(_SystemStack):
    def __init__(self, scope: Construct, system: System, *, functions: Mapping[str, lambda_.Function]) -> None:
        super().__init__(scope, system, "workflow", "Step Functions state machines")
        # Tasks call their functions by ARN from the model's names (see workflow.definition), as FunctionsStack
        # refers to tables and buckets: the functions' stack is deployed first.
        for function in functions.values():
            self.add_stack_dependency(Stack.of(function))
        for workflow in system.workflows:
            cid = construct_id(workflow.name)
            machine = render_workflow(self, system, workflow, cid)
            checks.acknowledge_exemptions(machine, workflow.exemptions)
            checks.acknowledge_wildcards(self.node.find_child(part_id(cid, "Role")), system,
                                         workflow_statements(workflow))
            self.output(f"{cid}StateMachineArn", machine.state_machine_arn, f"state machine {workflow.name}")


class ApiStack(_SystemStack):
    def __init__(self, scope: Construct, system: System, *, functions: Mapping[str, lambda_.Function],
                 pools: Mapping[str, tuple[cognito.IUserPool, Mapping[str, cognito.IUserPoolClient]]]) -> None:
        super().__init__(scope, system, "api", "HTTP APIs: routes to functions, JWT authorizers, access logs")
        # Routes invoke their functions by ARN from the model's names: the functions' stack is deployed first.
        for function in functions.values():
            self.add_stack_dependency(Stack.of(function))
        for api in system.http_apis:
            cid = construct_id(api.name)
            construct, routes, _ = render_http_api(self, system, api, pools)
            checks.acknowledge_exemptions(construct, api.exemptions)
            for (route_construct, public), route in zip(routes, api.routes, strict=True):
                if public:
                    checks.acknowledge_public_route(route_construct, route.reason or "")
            self.output(f"{cid}ApiUrl", f"{construct.api_endpoint}/", f"HTTP API {api.name}: its $default stage")
            self.output(f"{cid}ApiId", construct.api_id, f"HTTP API {api.name}")


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
    auth = AuthStack(app, system) if system.user_pools else None
    database = DatabaseStack(app, system) if system.tables else None
    storage = StorageStack(app, system) if system.buckets else None
    ai = None
    if system.agent_runtimes or system.service_roles or system.vector_buckets:
        ai = AiStack(app, system, depends_on=[s for s in (database, storage) if s is not None], project_root=root,
                     progress=progress)
    functions = None
    if system.functions:
        functions = FunctionsStack(app, system, tables=database.tables if database else {},
                                   buckets=storage.buckets if storage else {}, project_root=root, ai=ai,
                                   progress=progress)
    if system.workflows:
        WorkflowStack(app, system, functions=functions.functions if functions else {})
    if system.http_apis:
        ApiStack(app, system, functions=functions.functions if functions else {}, pools=auth.pools if auth else {})
    if nag:
        checks.add_nag(app)
    return app
