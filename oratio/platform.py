"""The Oratio platform as one value of the model: ``platform(stage)``.

From the design (../shared/design), with its known faults fixed: names come from one naming rule with the
stage (buckets add the account id, S3 names being global); the wait-and-check loop is bounded; Lambda's
transient errors are retried; every failure is caught and recorded on the agent's record; Bedrock
permissions are the listed actions only, with the reason for their '*' resource.
"""

from __future__ import annotations

import attrs

from oratio.model import (
    AppClient,
    AuthFlow,
    Branch,
    Bucket,
    Catch,
    Choice,
    Condition,
    Exemption,
    Fail,
    Function,
    GlobalIndex,
    Key,
    LifecycleRule,
    Mfa,
    Operator,
    Pass,
    PasswordPolicy,
    Retry,
    Runtime,
    ServiceGrant,
    Succeed,
    System,
    Table,
    Task,
    Transition,
    UserPool,
    Wait,
    Workflow,
    bedrock,
    path,
)

SYSTEM_NAME = "oratio"
NUMBER = "N"

# Bedrock's knowledge-base and agent APIs take ids that exist only after creation, and CreateKnowledgeBase
# and CreateAgent have no resource ARN to scope to at all (IAM service authorization reference).
BEDROCK_REASON = (
    "Bedrock knowledge bases and agents are created at run time, one per user agent: their ARNs are not "
    "known when the infrastructure is defined, and the Create* actions support no resource-level scoping"
)


@attrs.frozen
class StageSettings:
    """What differs between stages. The local stage waits 1 s between code checks instead of 30 s."""

    code_wait_s: int = 30
    max_code_checks: int = 20
    agent_creator_agent_id: str = "AGENTCREATOR"
    agent_creator_alias_id: str = "TSTALIASID"
    bucket_suffix: str | None = None
    # Bedrock's own configuration, made once per account outside this model (service roles, the vector
    # store, models). Locally any well-formed value works: the LocalStack plug-ins do not call a model.
    foundation_model: str = "anthropic.claude-3-5-haiku-20241022-v1:0"
    embedding_model_arn: str = "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"
    vector_collection_arn: str = "arn:aws:aoss:us-east-1:000000000000:collection/oratio-knowledge-bases"
    service_role_prefix: str = "oratio-bedrock"  # roles "<prefix>-knowledge-base" and "<prefix>-agent"


STAGES: dict[str, StageSettings] = {
    "dev": StageSettings(),
    "prod": StageSettings(),
    "local": StageSettings(code_wait_s=1, max_code_checks=10),
}


def settings_for(stage: str) -> StageSettings:
    return STAGES.get(stage, StageSettings())


def tables() -> tuple[Table, ...]:
    """All PAY_PER_REQUEST (the default), retained, with point-in-time recovery on every table: api-keys
    and notifications were without it in the design, but losing either (keys users depend on, unread
    notifications) is no cheaper than losing sessions, and PITR costs little for tables of this size."""
    return (
        Table("users", Key("userId"), point_in_time_recovery=True),
        Table("agents", Key("userId"), Key("agentId"), point_in_time_recovery=True,
              global_indexes=[GlobalIndex("agentId-index", Key("agentId"))]),
        Table("sessions", Key("sessionId"), Key("timestamp", NUMBER), point_in_time_recovery=True,
              global_indexes=[GlobalIndex("agentId-timestamp-index", Key("agentId"), Key("timestamp", NUMBER))]),
        Table("api-keys", Key("apiKeyHash"), point_in_time_recovery=True,
              global_indexes=[GlobalIndex("userId-agentId-index", Key("userId"), Key("agentId"))]),
        Table("notifications", Key("notificationId"), Key("timestamp", NUMBER), point_in_time_recovery=True,
              global_indexes=[GlobalIndex("userId-status-index", Key("userId"), Key("status"))]),
    )


ACCESS_LOGS = Exemption(
    "access-logs",
    "server access logs would need a fourth, log-only bucket; object-level events are left to CloudTrail "
    "data events where an account needs them",
)


def buckets() -> tuple[Bucket, ...]:
    """All S3-managed encryption, all public access blocked, TLS only, retained (the model's defaults)."""
    return (
        Bucket("knowledge-bases", versioned=True, exemptions=[ACCESS_LOGS], lifecycle_rules=[
            LifecycleRule("expire-noncurrent-versions", noncurrent_version_expiration_days=90)]),
        Bucket("generated-code", versioned=True, exemptions=[ACCESS_LOGS]),
        Bucket("recordings", exemptions=[ACCESS_LOGS], lifecycle_rules=[
            LifecycleRule("archive-recordings", transitions=[
                Transition("STANDARD_IA", 30), Transition("GLACIER", 90)])]),
    )


# Python 3.13 rather than Lambda's newest (3.14): local runs execute handlers under this machine's own Pythons,
# which stop at 3.13. Moving on is this one value once those machines have 3.14.
RUNTIME = Runtime.PYTHON3_13
LATEST_RUNTIME = Exemption(
    "latest-runtime",
    "python3.13 is the newest Python that local runs can execute (the embedded LocalStack runs handlers on the "
    "machine's own interpreters); the platform moves to 3.14 when those machines have it",
)

# The handlers' shared code (records, clients, errors), copied into each function's bundle as ``common``.
SHARED_CODE = ("lambdas/common",)


PASS_ROLE_REASON = (
    "Bedrock's service roles are made once per account outside this model; the grant is limited to roles named "
    "with the platform's prefix, in whichever account the platform is deployed to"
)


def pass_role(settings: StageSettings, role: str) -> ServiceGrant:
    return ServiceGrant("iam", ["PassRole"], resources=[f"arn:aws:iam::*:role/{settings.service_role_prefix}-{role}"],
                        reason=PASS_ROLE_REASON)


def functions(settings: StageSettings, by_name: dict[str, Table | Bucket]) -> tuple[Function, ...]:
    agents, knowledge_bases, generated_code = by_name["agents"], by_name["knowledge-bases"], by_name["generated-code"]
    return (
        Function(
            "kb-provisioner", code="lambdas/kb_provisioner", include=SHARED_CODE,
            runtime=RUNTIME, exemptions=[LATEST_RUNTIME], timeout_s=5 * 60, memory_mb=512,
            description="Creates the agent's Bedrock knowledge base over its documents and starts ingestion",
            grants=[agents.read_write(), knowledge_bases.read(),
                    bedrock("CreateKnowledgeBase", "CreateDataSource", "StartIngestionJob", reason=BEDROCK_REASON),
                    pass_role(settings, "knowledge-base")],
            environment={
                "KNOWLEDGE_BASE_ROLE_NAME": f"{settings.service_role_prefix}-knowledge-base",
                "EMBEDDING_MODEL_ARN": settings.embedding_model_arn,
                "VECTOR_COLLECTION_ARN": settings.vector_collection_arn,
            },
        ),
        Function(
            "agentcreator-invoker", code="lambdas/agentcreator_invoker", include=SHARED_CODE,
            runtime=RUNTIME, exemptions=[LATEST_RUNTIME], timeout_s=15 * 60, memory_mb=1024,
            description="Asks the AgentCreator meta-agent to generate the agent's code into generated-code",
            # Read on generated-code: the invoker names the code's bucket and key to the meta-agent and checks
            # whether the object arrived; the meta-agent writes it with its own role.
            grants=[agents.read_write(), generated_code.read(), bedrock("InvokeAgent", reason=BEDROCK_REASON)],
            environment={
                "AGENT_CREATOR_AGENT_ID": settings.agent_creator_agent_id,
                "AGENT_CREATOR_ALIAS_ID": settings.agent_creator_alias_id,
            },
        ),
        Function(
            "agentcore-deployer", code="lambdas/agentcore_deployer", include=SHARED_CODE,
            runtime=RUNTIME, exemptions=[LATEST_RUNTIME], timeout_s=10 * 60, memory_mb=1024,
            description="Checks the generated code, deploys the Bedrock agent and its alias, records failures",
            grants=[agents.read_write(), generated_code.read(),
                    bedrock("CreateAgent", "UpdateAgent", "PrepareAgent", "CreateAgentAlias", reason=BEDROCK_REASON),
                    pass_role(settings, "agent")],
            environment={
                "AGENT_ROLE_NAME": f"{settings.service_role_prefix}-agent",
                "FOUNDATION_MODEL": settings.foundation_model,
            },
        ),
    )


def agent_creation(settings: StageSettings) -> Workflow:
    """Provision the knowledge base, invoke the agent creator, then wait and check the code until it is ready
    (at most ``max_code_checks`` times) and deploy it. Every failure ends in RecordFailure, which marks the
    agent's record "failed" with the reason, then in the AgentCreationFailed state."""
    retry = [Retry(interval_s=2, max_attempts=3, backoff_rate=2.0)]
    catch = [Catch("RecordFailure", result_path="$.error")]
    ids = {"userId": path("$.userId"), "agentId": path("$.agentId")}
    return Workflow(
        "agent-creation",
        start="Initialise",
        timeout_s=60 * 60,
        states=[
            Pass("Initialise", parameters={"checks": 0}, result_path="$.loop", next="ProvisionKnowledgeBase"),
            # The whole request goes to the first step, which validates it: a malformed request fails there,
            # fast, with its reason, instead of in a path look-up that no Catch can handle.
            Task("ProvisionKnowledgeBase", function="kb-provisioner", result_path="$.knowledgeBase",
                 retries=retry, catches=catch, next="InvokeAgentCreator"),
            Task("InvokeAgentCreator", function="agentcreator-invoker", result_path="$.generation",
                 payload={**ids, "knowledgeBaseId": path("$.knowledgeBase.knowledgeBaseId")},
                 retries=retry, catches=catch, next="WaitForCode"),
            Wait("WaitForCode", seconds=settings.code_wait_s, next="CheckCode"),
            Task("CheckCode", function="agentcore-deployer", result_path="$.code",
                 payload={"action": "check_code", **ids}, retries=retry, catches=catch, next="CountCheck"),
            Pass("CountCheck", parameters={"checks": path("States.MathAdd($.loop.checks, 1)")},
                 result_path="$.loop", next="CodeReady?"),
            Choice("CodeReady?", branches=[
                Branch(Condition("$.code.codeReady", Operator.BOOLEAN_EQUALS, True), "DeployAgent"),
                Branch(Condition("$.loop.checks", Operator.NUMERIC_GREATER_THAN_EQUALS, settings.max_code_checks),
                       "CodeNeverReady"),
            ], default="WaitForCode"),
            Task("DeployAgent", function="agentcore-deployer", result_path="$.deployment",
                 payload={"action": "deploy", **ids}, retries=retry, catches=catch, next="AgentCreated"),
            Succeed("AgentCreated"),
            Pass("CodeNeverReady", result_path="$.error", next="RecordFailure", parameters={
                "Error": "CodeNotReady",
                "Cause": f"no valid agent code after {settings.max_code_checks} checks",
            }),
            Task("RecordFailure", function="agentcore-deployer", result_path="$.failure",
                 payload={"action": "mark_failed", "request": path("$")}, retries=retry, next="AgentCreationFailed"),
            Fail("AgentCreationFailed", error="AgentCreationFailed",
                 cause="the agent's record holds the reason (status 'failed')"),
        ],
    )


def user_pool() -> UserPool:
    return UserPool(
        "users",
        password_policy=PasswordPolicy(min_length=12, temporary_password_days=3),
        mfa=Mfa.OPTIONAL,
        clients=[AppClient("web", auth_flows=[AuthFlow.USER_SRP, AuthFlow.USER_PASSWORD, AuthFlow.REFRESH_TOKEN])],
        exemptions=[
            Exemption("mfa-required", "MFA is optional so that users can sign up with email alone; TOTP is "
                                      "offered to every user"),
            Exemption("advanced-security", "threat protection needs Cognito's Plus feature plan, not yet bought "
                                           "for this platform"),
        ],
    )


def platform(stage: str = "dev") -> System:
    """The whole Oratio platform for ``stage`` (dev, prod, local, or any other valid stage name)."""
    settings = settings_for(stage)
    platform_tables, platform_buckets = tables(), buckets()
    by_name = {resource.name: resource for resource in (*platform_tables, *platform_buckets)}
    return System(
        SYSTEM_NAME,
        stage,
        tables=platform_tables,
        buckets=platform_buckets,
        functions=functions(settings, by_name),
        workflows=[agent_creation(settings)],
        user_pools=[user_pool()],
        bucket_suffix=settings.bucket_suffix,
        description="Oratio: users create AI agents; a workflow provisions, generates and deploys each one",
    )
