"""The Oratio platform as a plain hand-written CDK app, in the style of the design's own stacks: the baseline
that ``bench/cdk_synth.py`` times against ``python app.py --backend cdk``.

It creates the same resources with the same settings (tables, buckets, functions with the same bundles, the
state machine, the user pool) and uses the CDK's grant_* methods. It runs no cdk-nag (acknowledging each of
its findings by hand is exactly what the model spares), so the benchmark compares it with ``--no-nag``, and
reports cdk-nag's cost separately. It does not import the model.

Usage: python bench/handwritten_app.py OUTDIR [--cfn-validation]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import (
    App,
    Aws,
    CfnOutput,
    Duration,
    RemovalPolicy,
    Stack,
    Tags,
)
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from oratio.bundling import bundle  # noqa: E402  (the same Docker-free bundles: the code is not what is timed)

PREFIX = "oratio-dev"


def string(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


def number(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.NUMBER)


class DynamoDBStack(Stack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        common = dict(billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST, removal_policy=RemovalPolicy.RETAIN,
                      point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                          point_in_time_recovery_enabled=True))
        self.users = dynamodb.Table(self, "Users", table_name=f"{PREFIX}-users", partition_key=string("userId"),
                                    **common)
        self.agents = dynamodb.Table(self, "Agents", table_name=f"{PREFIX}-agents", partition_key=string("userId"),
                                     sort_key=string("agentId"), **common)
        self.agents.add_global_secondary_index(index_name="agentId-index", partition_key=string("agentId"))
        sessions = dynamodb.Table(self, "Sessions", table_name=f"{PREFIX}-sessions",
                                  partition_key=string("sessionId"), sort_key=number("timestamp"), **common)
        sessions.add_global_secondary_index(index_name="agentId-timestamp-index", partition_key=string("agentId"),
                                            sort_key=number("timestamp"))
        keys = dynamodb.Table(self, "ApiKeys", table_name=f"{PREFIX}-api-keys", partition_key=string("apiKeyHash"),
                              **common)
        keys.add_global_secondary_index(index_name="userId-agentId-index", partition_key=string("userId"),
                                        sort_key=string("agentId"))
        notes = dynamodb.Table(self, "Notifications", table_name=f"{PREFIX}-notifications",
                               partition_key=string("notificationId"), sort_key=number("timestamp"), **common)
        notes.add_global_secondary_index(index_name="userId-status-index", partition_key=string("userId"),
                                         sort_key=string("status"))
        for table in (self.users, self.agents, sessions, keys, notes):
            CfnOutput(self, f"{table.node.id}TableName", value=table.table_name)


class S3Stack(Stack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        common = dict(encryption=s3.BucketEncryption.S3_MANAGED, block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                      enforce_ssl=True, removal_policy=RemovalPolicy.RETAIN)
        self.knowledge_bases = s3.Bucket(
            self, "KnowledgeBases", bucket_name=f"{PREFIX}-knowledge-bases-{Aws.ACCOUNT_ID}", versioned=True,
            lifecycle_rules=[s3.LifecycleRule(id="expire-noncurrent-versions",
                                              noncurrent_version_expiration=Duration.days(90))], **common)
        self.generated_code = s3.Bucket(self, "GeneratedCode", bucket_name=f"{PREFIX}-generated-code-{Aws.ACCOUNT_ID}",
                                        versioned=True, **common)
        recordings = s3.Bucket(self, "Recordings", bucket_name=f"{PREFIX}-recordings-{Aws.ACCOUNT_ID}",
                               lifecycle_rules=[s3.LifecycleRule(id="archive-recordings", transitions=[
                                   s3.Transition(storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                                                 transition_after=Duration.days(30)),
                                   s3.Transition(storage_class=s3.StorageClass.GLACIER,
                                                 transition_after=Duration.days(90))])], **common)
        for bucket in (self.knowledge_bases, self.generated_code, recordings):
            CfnOutput(self, f"{bucket.node.id}BucketName", value=bucket.bucket_name)


class LambdaStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, tables: DynamoDBStack, buckets: S3Stack) -> None:
        super().__init__(scope, construct_id)
        self.functions: dict[str, lambda_.Function] = {}
        specs = [
            ("KbProvisioner", "kb_provisioner", 300, 512, {"KNOWLEDGE_BASES_BUCKET": buckets.knowledge_bases},
             ["bedrock:CreateKnowledgeBase", "bedrock:CreateDataSource", "bedrock:StartIngestionJob"]),
            ("AgentcreatorInvoker", "agentcreator_invoker", 900, 1024,
             {"GENERATED_CODE_BUCKET": buckets.generated_code},
             ["bedrock:InvokeAgent"]),
            ("AgentcoreDeployer", "agentcore_deployer", 600, 1024, {"GENERATED_CODE_BUCKET": buckets.generated_code},
             ["bedrock:CreateAgent", "bedrock:UpdateAgent", "bedrock:PrepareAgent", "bedrock:CreateAgentAlias"]),
        ]
        for construct_id_, folder, timeout, memory, bucket_env, actions in specs:
            name = f"{PREFIX}-{folder.replace('_', '-')}"
            log_group = logs.LogGroup(self, f"{construct_id_}Logs", log_group_name=f"/aws/lambda/{name}",
                                      retention=logs.RetentionDays.THREE_MONTHS, removal_policy=RemovalPolicy.DESTROY)
            code = bundle(f"lambdas/{folder}", "python3.13", include=["lambdas/common"], project_root=ROOT)
            environment = {"AGENTS_TABLE": tables.agents.table_name,
                           **{key: bucket.bucket_name for key, bucket in bucket_env.items()}}
            function = lambda_.Function(
                self, construct_id_, function_name=name, code=lambda_.Code.from_asset(str(code)),
                handler="handler.lambda_handler", runtime=lambda_.Runtime.PYTHON_3_13, memory_size=memory,
                timeout=Duration.seconds(timeout), environment=environment, log_group=log_group)
            tables.agents.grant_read_write_data(function)
            for bucket in bucket_env.values():
                bucket.grant_read(function)
            function.add_to_role_policy(iam.PolicyStatement(actions=actions, resources=["*"]))
            self.functions[folder] = function
            CfnOutput(self, f"{construct_id_}FunctionArn", value=function.function_arn)


class StepFunctionsStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, functions: dict[str, lambda_.Function],
                 checks: int = 20, wait_s: int = 30) -> None:
        super().__init__(scope, construct_id)

        def invoke(state_id: str, folder: str, result_path: str, payload: dict | None) -> tasks.LambdaInvoke:
            task = tasks.LambdaInvoke(self, state_id, lambda_function=functions[folder], payload_response_only=True,
                                      retry_on_service_exceptions=False, result_path=result_path,
                                      payload=sfn.TaskInput.from_object(payload) if payload else None)
            task.add_retry(errors=["Lambda.ServiceException", "Lambda.AWSLambdaException",
                                   "Lambda.SdkClientException", "Lambda.TooManyRequestsException"],
                           interval=Duration.seconds(2), max_attempts=3, backoff_rate=2)
            return task

        ids = {"userId.$": "$.userId", "agentId.$": "$.agentId"}
        failed = sfn.Fail(self, "AgentCreationFailed", error="AgentCreationFailed",
                          cause="the agent could not be created; its record holds the reason")
        record = invoke("RecordFailure", "agentcore_deployer", "$.failure", {"action": "mark_failed", "request.$": "$"})
        record.next(failed)
        provision = invoke("ProvisionKnowledgeBase", "kb_provisioner", "$.knowledgeBase", None)
        creator = invoke("InvokeAgentCreator", "agentcreator_invoker", "$.generation",
                         {**ids, "knowledgeBaseId.$": "$.knowledgeBase.knowledgeBaseId"})
        check = invoke("CheckCode", "agentcore_deployer", "$.code", {"action": "check_code", **ids})
        deploy = invoke("DeployAgent", "agentcore_deployer", "$.deployment", {"action": "deploy", **ids})
        for task in (provision, creator, check, deploy):
            task.add_catch(record, errors=["States.ALL"], result_path="$.error")
        wait = sfn.Wait(self, "WaitForCode", time=sfn.WaitTime.duration(Duration.seconds(wait_s)))
        count = sfn.Pass(self, "CountCheck", parameters={"checks.$": "States.MathAdd($.loop.checks, 1)"},
                         result_path="$.loop")
        never = sfn.Pass(self, "CodeNeverReady", result_path="$.error", parameters={
            "Error": "CodeNotReady", "Cause": "the generated code did not appear in time"})
        never.next(record)
        ready = sfn.Choice(self, "CodeReady?")
        ready.when(sfn.Condition.boolean_equals("$.code.codeReady", True),
                   deploy.next(sfn.Succeed(self, "AgentCreated")))
        ready.when(sfn.Condition.number_greater_than_equals("$.loop.checks", checks), never)
        ready.otherwise(wait)
        start = sfn.Pass(self, "Initialise", parameters={"checks": 0}, result_path="$.loop")
        start.next(provision).next(creator).next(wait).next(check).next(count).next(ready)
        log_group = logs.LogGroup(self, "AgentCreationLogs",
                                  log_group_name=f"/aws/vendedlogs/states/{PREFIX}-agent-creation",
                                  retention=logs.RetentionDays.THREE_MONTHS, removal_policy=RemovalPolicy.DESTROY)
        machine = sfn.StateMachine(
            self, "AgentCreation", state_machine_name=f"{PREFIX}-agent-creation",
            definition_body=sfn.DefinitionBody.from_chainable(start), tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False))
        CfnOutput(self, "AgentCreationStateMachineArn", value=machine.state_machine_arn)


class CognitoStack(Stack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        pool = cognito.UserPool(
            self, "Users", user_pool_name=f"{PREFIX}-users", sign_in_aliases=cognito.SignInAliases(email=True),
            self_sign_up_enabled=True, auto_verify=cognito.AutoVerifiedAttrs(email=True),
            password_policy=cognito.PasswordPolicy(min_length=12, require_lowercase=True, require_uppercase=True,
                                                   require_digits=True, require_symbols=True,
                                                   temp_password_validity=Duration.days(3)),
            mfa=cognito.Mfa.OPTIONAL, mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            removal_policy=RemovalPolicy.RETAIN)
        client = pool.add_client("Web", user_pool_client_name="web", generate_secret=False,
                                 auth_flows=cognito.AuthFlow(user_srp=True, user_password=True))
        CfnOutput(self, "UsersUserPoolId", value=pool.user_pool_id)
        CfnOutput(self, "UsersWebClientId", value=client.user_pool_client_id)


def main() -> None:
    outdir = sys.argv[1] if len(sys.argv) > 1 else "cdk.out.handwritten"
    app = App(outdir=outdir, builtin_cloud_formation_validation="--cfn-validation" in sys.argv)
    CognitoStack(app, f"{PREFIX}-auth")
    tables = DynamoDBStack(app, f"{PREFIX}-database")
    buckets = S3Stack(app, f"{PREFIX}-storage")
    functions = LambdaStack(app, f"{PREFIX}-functions", tables, buckets)
    StepFunctionsStack(app, f"{PREFIX}-workflow", functions.functions)
    for stack in app.node.children:
        Tags.of(stack).add("oratio:system", "oratio")
        Tags.of(stack).add("oratio:stage", "dev")
    app.synth()


if __name__ == "__main__":
    main()
