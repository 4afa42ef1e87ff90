"""The rule table: every rule the model enforces, with a stable id, and AWS's limits as data.

Validators (``oratio.model.*``) and the Hypothesis strategies of the tests both read this module, so that what
is accepted and what is generated cannot drift apart. Rule ids are stable: tests and users may rely on them.
Sources: the AWS service quotas and API references of S3, DynamoDB, Lambda, Step Functions, Cognito and IAM.
"""

from __future__ import annotations

import re

import attrs


@attrs.frozen
class Rule:
    id: str
    title: str


@attrs.frozen
class NameRule:
    """A name's length and characters. ``chars`` is a regex character class body, e.g. ``a-z0-9.-``."""

    what: str
    min_length: int
    max_length: int
    chars: str
    chars_text: str
    length_rule: Rule
    chars_rule: Rule

    @property
    def char_pattern(self) -> re.Pattern[str]:
        return re.compile(f"[{self.chars}]*")


def _r(rule_id: str, title: str) -> Rule:
    rule = Rule(rule_id, title)
    RULES[rule_id] = rule
    return rule


RULES: dict[str, Rule] = {}

# --- Types and shapes (any value) -------------------------------------------------------------------------
TYPE = _r("M001", "field has the wrong type")
UNIQUE = _r("M004", "names must be unique")
EXEMPTION = _r("M006", "an exemption needs a known check and a reason")

# --- System and naming ------------------------------------------------------------------------------------
SYSTEM_NAME = _r("N101", "system name: 1-20 of [a-z0-9-], starting with a letter")
STAGE_NAME = _r("N102", "stage: 1-12 of [a-z0-9], starting with a letter")
LOGICAL_NAME = _r("N103", "resource name: 1-40 of [a-z0-9-], starting with a letter, not ending with '-'")
BUCKET_SUFFIX = _r("N104", "bucket suffix: 1-20 of [a-z0-9-], starting and ending with a letter or digit")

# --- S3 ---------------------------------------------------------------------------------------------------
S3_NAME_LENGTH = _r("B101", "bucket name: 3-63 characters")
S3_NAME_CHARS = _r("B102", "bucket name: only a-z, 0-9, '.' and '-'")
S3_NAME_EDGES = _r("B103", "bucket name: starts and ends with a letter or digit")
S3_NAME_DOTS = _r("B104", "bucket name: no two adjacent periods")
S3_NAME_IP = _r("B105", "bucket name: not formatted as an IP address")
S3_NAME_PREFIX = _r("B106", "bucket name: reserved prefix")
S3_NAME_SUFFIX = _r("B107", "bucket name: reserved suffix")
LIFECYCLE_IA_MIN_DAYS = _r("B110", "lifecycle: STANDARD_IA and ONEZONE_IA transitions not before 30 days")
LIFECYCLE_ORDER = _r("B111", "lifecycle: transitions in strictly increasing days")
LIFECYCLE_EXPIRATION = _r("B112", "lifecycle: expiration after the last transition")
LIFECYCLE_EMPTY = _r("B113", "lifecycle: a rule needs at least one action")
LIFECYCLE_NONCURRENT = _r("B114", "lifecycle: noncurrent-version expiration needs a versioned bucket")
LIFECYCLE_ID = _r("B115", "lifecycle: rule id is 1-255 characters, unique within the bucket")
LIFECYCLE_COUNT = _r("B116", "lifecycle: at most 1000 rules per bucket")
LIFECYCLE_DAYS = _r("B117", "lifecycle: days are whole numbers of at least 1")

# --- DynamoDB ---------------------------------------------------------------------------------------------
DDB_NAME_LENGTH = _r("T101", "table or index name: 3-255 characters")
DDB_NAME_CHARS = _r("T102", "table or index name: only a-z, A-Z, 0-9, '_', '-', '.'")
DDB_KEY_TYPE = _r("T103", "key attribute type: S, N or B")
DDB_GSI_COUNT = _r("T104", "at most 20 global secondary indexes per table")
DDB_ATTRIBUTE_TYPE = _r("T105", "one type per attribute across the table and its indexes")
DDB_ATTRIBUTE_NAME = _r("T106", "attribute name: 1-255 characters")
DDB_PROJECTION = _r("T107", "non-key attributes only with an INCLUDE projection, at most 100")
DDB_CAPACITY = _r("T108", "capacity: provisioned tables need read and write capacity >= 1; on-demand none")
DDB_KEY_DISTINCT = _r("T109", "partition and sort key must be different attributes")

# --- Lambda -----------------------------------------------------------------------------------------------
LAMBDA_NAME = _r("F101", "function name: 1-64 of [a-zA-Z0-9_-]")
LAMBDA_MEMORY = _r("F102", "memory: 128-10240 MB")
LAMBDA_TIMEOUT = _r("F103", "timeout: 1-900 seconds")
LAMBDA_RUNTIME = _r("F104", "runtime: one Lambda supports")
LAMBDA_ENV_NAME = _r("F105", "environment variable name: [a-zA-Z][a-zA-Z0-9_]*, not reserved by Lambda")
LAMBDA_ENV_SIZE = _r("F106", "environment: 4 KB in total (keys and values)")
LAMBDA_HANDLER = _r("F107", "handler: module.function, with a module path of [A-Za-z0-9_/.-]")
LAMBDA_CODE = _r("F108", "code: a relative folder path inside the project")
ENV_COLLISION = _r("F109", "environment variable set twice (by the function and by a grant)")

# --- Grants -----------------------------------------------------------------------------------------------
GRANT_TARGET = _r("G101", "a grant names a table or bucket of the same system")
SERVICE_ACTION = _r("G102", "service actions: known actions of the service, no wildcards")
WILDCARD_REASON = _r("G103", "a '*' resource needs a reason")

# --- Step Functions ---------------------------------------------------------------------------------------
SFN_NAME = _r("W101", "state machine name: 1-80 characters, no whitespace, no forbidden characters")
SFN_STATE_NAME = _r("W102", "state name: 1-80 characters")
SFN_NEXT = _r("W103", "every transition names an existing state")
SFN_REACHABLE = _r("W104", "every state is reachable from the start state")
SFN_TERMINAL = _r("W105", "a workflow needs at least one terminal state")
SFN_CHOICE_DEFAULT = _r("W106", "a choice has at least one branch and a default")
SFN_TASK_FUNCTION = _r("W107", "a task invokes a function of the same system")
SFN_RETRY = _r("W108", "retry: max_attempts 0-99999999, interval >= 1 s, backoff rate >= 1.0")
SFN_PATH = _r("W109", "a JSONPath starts with '$'")
SFN_WAIT = _r("W110", "wait: 0 to 31536000 seconds (one year)")
SFN_CONDITION = _r("W111", "a condition compares with a value of the operator's type")
SFN_ERROR_NAME = _r("W112", "error names: non-empty; 'States.ALL' alone and last")
SFN_NEXT_OR_END = _r("W113", "a task, wait or pass state has either a next state or end=True")

# --- Cognito ----------------------------------------------------------------------------------------------
COGNITO_PASSWORD = _r("U101", "password policy: minimum length 6-99, temporary password 0-365 days")
COGNITO_CLIENT = _r("U102", "app client: at least one auth flow, unique names, 1-128 characters")
COGNITO_VALIDITY = _r("U103", "token validity: access and id 5 min-1 day and at most the refresh token's, "
                               "refresh 1 hour-10 years")

# --- The AI layer: agent runtimes (A1xx), service roles (R1xx), vector buckets (V1xx), their grants (G11x) ----
# Each with the AWS page it comes from (the lead folds these into the rules' ``source``).
# https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_CreateAgentRuntime.html
AGENT_RUNTIME_NAME = _r("A101", "agent runtime physical name: [a-zA-Z][a-zA-Z0-9_]{0,47}")
# https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-code-deploy-supported-runtimes.html
AGENT_RUNTIME_RUNTIME = _r("A102", "agent runtime language: an AgentCore Python runtime (the bundler packages Python)")
# https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_CodeConfiguration.html
AGENT_RUNTIME_ENTRY_POINT = _r("A103", "entry point: 1-2 strings of 1-128 characters, the first a .py file")
# https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_CreateAgentRuntime.html
AGENT_RUNTIME_ENV = _r("A104", "agent runtime environment: at most 50 variables, names 1-100, values 0-5000 characters")
AGENT_RUNTIME_DESCRIPTION = _r("A105", "agent runtime description: at most 4096 characters")
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
ROLE_NAME = _r("R101", "role name: 1-64 of [a-zA-Z0-9+=,.@_-]")
# https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
ROLE_SERVICE = _r("R102", "service role: a service whose confused-deputy conditions the model knows")
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-vectors-buckets-naming.html
VECTOR_BUCKET_NAME = _r("V101", "vector bucket name: 3-63 of [a-z0-9-], starting and ending with a letter or digit")
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-vectors-bucket-encryption.html
VECTOR_BUCKET_ENCRYPTION = _r("V102", "vector bucket encryption: SSE-S3 (SSE-KMS needs a key the model does not hold)")
# https://docs.aws.amazon.com/bedrock/latest/userguide/models-supported.html
FOUNDATION_MODEL_ID = _r("G111", "foundation model id: provider.model (an inference profile adds a geography prefix)")
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
GRANT_REFERENCE = _r("G112", "a grant names an agent runtime, service role or vector bucket of the same system")

# --- Lengths and characters, as data (validators and test strategies both read these) -------------------
S3_BUCKET = NameRule("bucket name", 3, 63, "a-z0-9.-", "a-z, 0-9, '.', '-'", S3_NAME_LENGTH, S3_NAME_CHARS)
S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
DDB_NAME = NameRule("name", 3, 255, "a-zA-Z0-9_.-", "a-z, A-Z, 0-9, '_', '-', '.'", DDB_NAME_LENGTH, DDB_NAME_CHARS)
LAMBDA_FUNCTION_NAME = NameRule("function name", 1, 64, "a-zA-Z0-9_-", "a-z, A-Z, 0-9, '_', '-'",
                                LAMBDA_NAME, LAMBDA_NAME)
LOGICAL = NameRule("name", 1, 40, "a-z0-9-", "a-z, 0-9, '-'", LOGICAL_NAME, LOGICAL_NAME)
SYSTEM = NameRule("system name", 1, 20, "a-z0-9-", "a-z, 0-9, '-'", SYSTEM_NAME, SYSTEM_NAME)
STAGE = NameRule("stage", 1, 12, "a-z0-9", "a-z, 0-9", STAGE_NAME, STAGE_NAME)
SUFFIX = NameRule("bucket suffix", 1, 20, "a-z0-9-", "a-z, 0-9, '-'", BUCKET_SUFFIX, BUCKET_SUFFIX)

DDB_MAX_GSIS = 20
DDB_MAX_NON_KEY_ATTRIBUTES = 100
DDB_ATTRIBUTE_NAME_MAX = 255

LAMBDA_MEMORY_MB = (128, 10240)
LAMBDA_TIMEOUT_S = (1, 900)
LAMBDA_ENV_MAX_BYTES = 4096
LAMBDA_ENV_NAME_PATTERN = re.compile(r"[a-zA-Z][a-zA-Z0-9_]*")
# Set by Lambda itself: a function may not define them (AWS Lambda developer guide, "Reserved variables").
LAMBDA_RESERVED_ENV = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})
LAMBDA_HANDLER_PATTERN = re.compile(r"[A-Za-z0-9_/.-]+\.[A-Za-z_][A-Za-z0-9_]*")
LAMBDA_HANDLER_MAX = 128
# Runtimes Lambda accepts for new functions (deprecated ones excluded), by family.
LAMBDA_PYTHON_RUNTIMES = ("python3.10", "python3.11", "python3.12", "python3.13", "python3.14")
LAMBDA_RUNTIMES = (*LAMBDA_PYTHON_RUNTIMES, "nodejs20.x", "nodejs22.x", "nodejs24.x")

S3_LIFECYCLE_MAX_RULES = 1000
S3_LIFECYCLE_ID_MAX = 255
S3_IA_MIN_DAYS = 30
S3_IA_CLASSES = frozenset({"STANDARD_IA", "ONEZONE_IA"})

SFN_NAME_MAX = 80
SFN_STATE_NAME_MAX = 80
# Characters a state machine name may not contain (Step Functions CreateStateMachine reference).
SFN_FORBIDDEN_CHARS = frozenset(' <>{}[]?*"#%\\^|~`$&,;:/')
SFN_MAX_ATTEMPTS = 99_999_999
SFN_WAIT_MAX_S = 31_536_000

COGNITO_PASSWORD_LENGTH = (6, 99)
COGNITO_TEMP_PASSWORD_DAYS = (0, 365)
COGNITO_CLIENT_NAME_MAX = 128
COGNITO_ACCESS_TOKEN_MINUTES = (5, 1440)
COGNITO_REFRESH_TOKEN_MINUTES = (60, 5_256_000)

# --- The AI layer, as data ---------------------------------------------------------------------------------
# botocore's bedrock-agentcore-control model: CodeConfiguration.runtime, agentRuntimeName, entryPoint,
# EnvironmentVariablesMap; Description (1-4096).
AGENTCORE_RUNTIMES = ("PYTHON_3_10", "PYTHON_3_11", "PYTHON_3_12", "PYTHON_3_13", "PYTHON_3_14", "NODE_22")
AGENTCORE_BUNDLED_RUNTIMES = tuple(r for r in AGENTCORE_RUNTIMES if r.startswith("PYTHON_"))
AGENT_RUNTIME_NAME_PATTERN = re.compile(r"[a-zA-Z][a-zA-Z0-9_]{0,47}")
AGENT_RUNTIME_NAME_MAX = 48
AGENT_RUNTIME_ENTRY_POINTS = (1, 2)
AGENT_RUNTIME_ENTRY_POINT_MAX = 128
AGENT_RUNTIME_ENV_MAX = 50
AGENT_RUNTIME_ENV_NAME_MAX = 100
AGENT_RUNTIME_ENV_VALUE_MAX = 5000
AGENT_RUNTIME_DESCRIPTION_MAX = 4096
# AgentCore's runtime contract: the agent serves POST /invocations and GET /ping on this port (arm64 hosts).
AGENTCORE_PORT = 8080
AGENTCORE_ARCHITECTURE = "arm64"
IAM_ROLE = NameRule("role name", 1, 64, "a-zA-Z0-9+=,.@_-", "a-z, A-Z, 0-9, '+=,.@_-'", ROLE_NAME, ROLE_NAME)
S3_VECTOR_BUCKET = NameRule("vector bucket name", 3, 63, "a-z0-9-", "a-z, 0-9, '-'", VECTOR_BUCKET_NAME,
                            VECTOR_BUCKET_NAME)
# Cross-region inference profile ids start with a geography (Bedrock user guide, "Supported Regions and models
# for inference profiles"); the rest is the foundation model's id.
INFERENCE_PROFILE_PREFIXES = ("us", "eu", "apac", "us-gov", "ca", "jp", "au", "global")
FOUNDATION_MODEL_PATTERN = re.compile(r"[a-z0-9-]+\.[a-zA-Z0-9.:_-]+")
FOUNDATION_MODEL_ID_MAX = 140

# Service actions a grant may name, by service. A closed list: a typo is a model error, not a silent deny.
SERVICE_ACTIONS: dict[str, frozenset[str]] = {
    "bedrock": frozenset({
        "CreateKnowledgeBase", "GetKnowledgeBase", "UpdateKnowledgeBase", "DeleteKnowledgeBase",
        "ListKnowledgeBases", "CreateDataSource", "GetDataSource", "ListDataSources", "StartIngestionJob",
        "GetIngestionJob", "ListIngestionJobs", "Retrieve", "RetrieveAndGenerate", "CreateAgent", "GetAgent",
        "UpdateAgent", "DeleteAgent", "ListAgents", "PrepareAgent", "CreateAgentAlias", "GetAgentAlias",
        "UpdateAgentAlias", "ListAgentAliases", "InvokeAgent", "InvokeModel", "InvokeModelWithResponseStream",
        "AssociateAgentKnowledgeBase",
    }),
    "iam": frozenset({"PassRole"}),
}

# Checks a backend may run (for example cdk-nag) that a resource may be exempted from, with a reason.
# Backend-neutral names: each backend maps them onto its own checkers' rule ids.
EXEMPTABLE_CHECKS = frozenset({
    "access-logs",          # S3 server access logging
    "mfa-required",         # Cognito MFA enforced for every user
    "advanced-security",    # Cognito threat protection (a paid feature plan)
    "latest-runtime",       # not the newest runtime of the family
    "dead-letter-queue",    # asynchronous invocation failures kept in a queue
    "reserved-concurrency", # a concurrency limit per function
    "customer-managed-key", # KMS keys managed by the customer
})
