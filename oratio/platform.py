"""The Oratio platform as one value of the model: ``platform(stage)``.

From the design (../shared/design), with its known faults fixed: names come from one naming rule with the
stage (buckets add the account id, S3 names being global); the wait-and-check loop is bounded; Lambda's
transient errors are retried; every failure is caught and recorded on the agent's record; Bedrock
permissions are the listed actions only, with the reason for their '*' resource.
"""

from __future__ import annotations

import attrs

from oratio.model import (
    AgentRuntime,
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
    HttpApi,
    JwtAuthorizer,
    Key,
    LifecycleRule,
    Mfa,
    Operator,
    Pass,
    PasswordPolicy,
    Retry,
    Route,
    Runtime,
    ServiceRole,
    Succeed,
    System,
    Table,
    Task,
    Transition,
    TrustedService,
    UserPool,
    VectorBucket,
    Wait,
    Workflow,
    bedrock,
    foundation_model,
    invoke_generated_runtimes,
    knowledge_base_retrieval,
    manage_agent_runtimes,
    path,
)
from oratio.model.agent_runtime import runtime_prefix

SYSTEM_NAME = "oratio"
NUMBER = "N"

# Bedrock's knowledge-base APIs take ids that exist only after creation, and CreateKnowledgeBase has no resource
# ARN to scope to at all (IAM service authorization reference).
BEDROCK_REASON = (
    "Bedrock knowledge bases are created at run time, one per user agent: their ARNs are not known when the "
    "infrastructure is defined, and CreateKnowledgeBase supports no resource-level scoping"
)


@attrs.frozen
class StageSettings:
    """What differs between stages. The local stage waits 1 s between code checks instead of 30 s.

    Models are Bedrock model ids; everything else the AI layer needs (service roles, the vector bucket, the
    AgentCreator runtime) is in the model. What an account must do first: enable access to these models
    (README, "What an AWS account needs first").
    """

    code_wait_s: int = 30
    max_code_checks: int = 20
    bucket_suffix: str | None = None
    # The model the AgentCreator writes agents' code with, and the one generated agents answer with: Claude 3.5
    # Haiku through the US cross-region inference profile (on-demand invocation of newer Claude models goes
    # through a profile).
    creator_model: str = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
    agent_model: str = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
    # Titan Text Embeddings v2 (1024 dimensions); each agent's vector index has the same dimension.
    embedding_model: str = "amazon.titan-embed-text-v2:0"
    embedding_dimensions: int = 1024


STAGES: dict[str, StageSettings] = {
    "dev": StageSettings(),
    "prod": StageSettings(),
    "local": StageSettings(code_wait_s=1, max_code_checks=10),
    # The platform's cdk.out deployed through cdklocal onto LocalStack (README, "The CDK CLI against it").
    "cdklocal": StageSettings(code_wait_s=1, max_code_checks=10),
}


def settings_for(stage: str) -> StageSettings:
    return STAGES.get(stage, StageSettings())


# checkov's findings that the platform acknowledges rather than fixes (cdk-nag gets the same reasons): each says
# why the platform does without, and what would change that.
TABLE_KEYS = Exemption(
    "customer-managed-key",
    "DynamoDB encrypts every table at rest with an AWS owned key; a customer managed key adds a KMS charge per key "
    "and per request and a key policy to run, for control (cross-account grants, key deletion) no table here needs",
)


def tables() -> tuple[Table, ...]:
    """All PAY_PER_REQUEST (the default), retained, with point-in-time recovery on every table: api-keys
    and notifications were without it in the design, but losing either (keys users depend on, unread
    notifications) is no cheaper than losing sessions, and PITR costs little for tables of this size."""
    return (
        Table("users", Key("userId"), point_in_time_recovery=True, exemptions=[TABLE_KEYS]),
        Table("agents", Key("userId"), Key("agentId"), point_in_time_recovery=True, exemptions=[TABLE_KEYS],
              global_indexes=[GlobalIndex("agentId-index", Key("agentId"))]),
        Table("sessions", Key("sessionId"), Key("timestamp", NUMBER), point_in_time_recovery=True,
              exemptions=[TABLE_KEYS],
              global_indexes=[GlobalIndex("agentId-timestamp-index", Key("agentId"), Key("timestamp", NUMBER))]),
        Table("api-keys", Key("apiKeyHash"), point_in_time_recovery=True, exemptions=[TABLE_KEYS],
              global_indexes=[GlobalIndex("userId-agentId-index", Key("userId"), Key("agentId"))]),
        Table("notifications", Key("notificationId"), Key("timestamp", NUMBER), point_in_time_recovery=True,
              exemptions=[TABLE_KEYS],
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
        # Versioned like the others (a deleted or overwritten recording can be restored), noncurrent versions kept
        # a month: recordings are large and written once, so old versions come only from deletions.
        Bucket("recordings", versioned=True, exemptions=[ACCESS_LOGS], lifecycle_rules=[
            LifecycleRule("archive-recordings", noncurrent_version_expiration_days=30, transitions=[
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

# The functions' exemptions from checkov's Lambda checks (and the log group's key check), with the reasons.
FUNCTION_VPC = Exemption(
    "vpc",
    "the functions reach only AWS APIs (DynamoDB, S3, S3 Vectors, Bedrock, AgentCore, Step Functions) over TLS "
    "with IAM; a VPC would need a NAT gateway or an endpoint per service and holds nothing they need to reach",
)
FUNCTION_KEYS = Exemption(
    "customer-managed-key",
    "logs and environment variables are encrypted at rest with AWS managed keys; the environment holds model ids "
    "and name prefixes, no secrets, and the logs no request bodies, so a customer managed key would add a KMS cost "
    "and key policy without protecting more",
)
FUNCTION_EXEMPTIONS = (
    LATEST_RUNTIME, FUNCTION_VPC, FUNCTION_KEYS,
    Exemption("dead-letter-queue",
              "the functions are invoked synchronously (by the agent-creation workflow, whose retries and catches "
              "record every failure on the agent's record); a dead-letter queue receives asynchronous invocations "
              "only"),
    Exemption("reserved-concurrency",
              "reserved concurrency is taken from the account's unreserved pool (at least 100 must stay free, and "
              "new accounts have less than that in all); the workflow, one run per agent created, bounds the calls"),
)
# The API function's: the same checks, for a function API Gateway calls synchronously.
API_FUNCTION_EXEMPTIONS = (
    LATEST_RUNTIME, FUNCTION_VPC, FUNCTION_KEYS,
    Exemption("dead-letter-queue",
              "API Gateway invokes the function synchronously and returns its error to the caller; a dead-letter "
              "queue receives asynchronous invocations only"),
    Exemption("reserved-concurrency",
              "reserved concurrency is taken from the account's unreserved pool (at least 100 must stay free); the "
              "API's stage throttling (burst and rate) bounds the calls instead"),
)
API_LOG_KEYS = Exemption(
    "customer-managed-key",
    "the API's access logs (request ids, routes, status codes, no bodies or tokens) are encrypted at rest with an "
    "AWS managed key; a customer managed key would add a KMS cost and key policy without protecting more",
)
WORKFLOW_LOG_KEYS = Exemption(
    "customer-managed-key",
    "the workflow's logs (no execution data: states and their events) are encrypted at rest with an AWS managed "
    "key; a customer managed key would add a KMS cost and key policy without protecting more",
)

# The handlers' shared code (records, clients, errors), copied into each function's bundle as ``common``.
SHARED_CODE = ("lambdas/common",)
# The agents' shared code (AgentCore's HTTP contract, every Bedrock call, the generated code's contract).
AGENT_CODE = "agents/agent_common"


@attrs.frozen
class AiLayer:
    """The AI layer: the vector bucket, the two service roles and the AgentCreator meta-agent."""

    vectors: VectorBucket
    knowledge_base_role: ServiceRole
    agents_role: ServiceRole
    agent_creator: AgentRuntime


def ai_layer(settings: StageSettings, by_name: dict[str, Table | Bucket]) -> AiLayer:
    knowledge_bases, generated_code = by_name["knowledge-bases"], by_name["generated-code"]
    vectors = VectorBucket("knowledge-vectors")
    return AiLayer(
        vectors=vectors,
        # Bedrock assumes it for each agent's knowledge base: reads the agent's documents, embeds them, and keeps
        # the vectors in the agent's index.
        knowledge_base_role=ServiceRole(
            "knowledge-base", TrustedService.BEDROCK_KNOWLEDGE_BASES,
            description="Bedrock knowledge bases: the agents' documents, their embeddings and vector indexes",
            grants=[knowledge_bases.read(), vectors.knowledge_base(), foundation_model(settings.embedding_model)]),
        # AgentCore runs every generated agent with it: its code package (the deployer's .zip in generated-code),
        # retrieval from knowledge bases and the agents' model.
        agents_role=ServiceRole(
            "agents", TrustedService.AGENTCORE_RUNTIME,
            description="AgentCore runtimes of generated agents: their code, retrieval and their model",
            grants=[generated_code.read(), knowledge_base_retrieval(), foundation_model(settings.agent_model)]),
        agent_creator=AgentRuntime(
            "agentcreator", code="agents/agentcreator", include=[AGENT_CODE], entry_point=["main.py"],
            description="The AgentCreator meta-agent: writes each agent's code with the foundation model",
            grants=[generated_code.write(), foundation_model(settings.creator_model)],
            environment={"MODEL_ID": settings.creator_model}),
    )


def functions(settings: StageSettings, by_name: dict[str, Table | Bucket], ai: AiLayer,
              stage: str) -> tuple[Function, ...]:
    agents, knowledge_bases, generated_code = by_name["agents"], by_name["knowledge-bases"], by_name["generated-code"]
    return (
        Function(
            "kb-provisioner", code="lambdas/kb_provisioner", include=SHARED_CODE,
            runtime=RUNTIME, exemptions=FUNCTION_EXEMPTIONS, timeout_s=5 * 60, memory_mb=512,
            description="Creates the agent's vector index and Bedrock knowledge base over its documents, starts "
                        "ingestion",
            grants=[agents.read_write(), knowledge_bases.read(), ai.vectors.manage_indexes(),
                    bedrock("CreateKnowledgeBase", "CreateDataSource", "StartIngestionJob", reason=BEDROCK_REASON),
                    ai.knowledge_base_role.pass_role()],
            environment={
                "EMBEDDING_MODEL_ID": settings.embedding_model,
                "EMBEDDING_DIMENSIONS": str(settings.embedding_dimensions),
            },
        ),
        Function(
            "agentcreator-invoker", code="lambdas/agentcreator_invoker", include=SHARED_CODE,
            runtime=RUNTIME, exemptions=FUNCTION_EXEMPTIONS, timeout_s=15 * 60, memory_mb=1024,
            description="Asks the AgentCreator meta-agent (an AgentCore runtime) to write the agent's code",
            # Read on generated-code: the invoker names the code's bucket and key to the meta-agent; the meta-agent
            # writes it with its own role.
            grants=[agents.read_write(), generated_code.read(), ai.agent_creator.invoke()],
        ),
        Function(
            "agentcore-deployer", code="lambdas/agentcore_deployer",
            include=(*SHARED_CODE, AGENT_CODE, "agents/serving_base"),
            runtime=RUNTIME, exemptions=FUNCTION_EXEMPTIONS, timeout_s=10 * 60, memory_mb=1024,
            description="Checks the generated code, deploys it as the agent's AgentCore runtime, records failures",
            grants=[agents.read_write(), generated_code.read_write(), manage_agent_runtimes(ai.agents_role)],
            environment={
                "AGENT_MODEL_ID": settings.agent_model,
                "AGENT_RUNTIME_PREFIX": runtime_prefix(SYSTEM_NAME, stage),
            },
        ),
    )


# The agents' runtimes are named by the deployer (lambdas/agentcore_deployer, runtime_name): the system's runtime
# prefix, then this, then a hash of the agent. The API may invoke those runtimes and no other.
GENERATED_AGENTS_PREFIX = "agent_"


def api_function(by_name: dict[str, Table | Bucket], workflow: Workflow) -> Function:
    """Behind every route of the platform's API: the caller's agents in the agents table, upload URLs for their
    documents (PutObject only), the agent-creation workflow started (only that state machine) and the agents'
    runtimes invoked (only those the deployer names)."""
    agents, knowledge_bases = by_name["agents"], by_name["knowledge-bases"]
    return Function(
        "api", code="lambdas/api", include=SHARED_CODE,
        runtime=RUNTIME, exemptions=API_FUNCTION_EXEMPTIONS, timeout_s=30, memory_mb=512,
        description="The platform's HTTP API: users create, list, read, feed and ask their own agents",
        grants=[agents.read_write(), knowledge_bases.put(), workflow.start_executions(),
                invoke_generated_runtimes(GENERATED_AGENTS_PREFIX)],
    )


def http_api() -> HttpApi:
    """Every route needs a signed-in user of the users pool (an ID or access token of the web client); the
    function takes the user from the token, never from the request."""
    return HttpApi(
        "api",
        [Route("POST /agents", "api"), Route("GET /agents", "api"), Route("GET /agents/{agentId}", "api"),
         Route("POST /agents/{agentId}/documents", "api"), Route("POST /agents/{agentId}/invoke", "api")],
        authorizer=JwtAuthorizer("users", ["web"]),
        description="The Oratio platform's API for its front end: users' agents",
        exemptions=[API_LOG_KEYS],
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
        exemptions=[WORKFLOW_LOG_KEYS],
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
    ai = ai_layer(settings, by_name)
    workflow = agent_creation(settings)
    return System(
        SYSTEM_NAME,
        stage,
        tables=platform_tables,
        buckets=platform_buckets,
        functions=(*functions(settings, by_name, ai, stage), api_function(by_name, workflow)),
        workflows=[workflow],
        user_pools=[user_pool()],
        http_apis=[http_api()],
        agent_runtimes=[ai.agent_creator],
        service_roles=[ai.knowledge_base_role, ai.agents_role],
        vector_buckets=[ai.vectors],
        bucket_suffix=settings.bucket_suffix,
        description="Oratio: users create AI agents; a workflow provisions, generates and deploys each one",
    )
