"""The rule table: every rule the model enforces, with a stable id, its limits as data and the page it comes from.

Validators (``oratio.model.*``) and the Hypothesis strategies of the tests both read this module, so that what
is accepted and what is generated cannot drift apart; error messages print the limits from here too, and
``python app.py rules`` lists the table. Rule ids are stable: tests and users may rely on them. Each rule has
one id and one meaning: a new rule gets a new id, never a reused one.

Each rule's ``source`` is the AWS documentation page (or the Amazon States Language specification) it comes
from; the model's own rules (its naming scheme, types, references within a system) say ``MODEL_SOURCE``.
"""

from __future__ import annotations

import re

import attrs

# The source of the model's own rules, which no AWS page states (its naming scheme, types, references).
MODEL_SOURCE = "oratio: README.md#the-model"


@attrs.frozen
class Limit:
    """A numeric limit: ``low`` to ``high`` (None: no bound on that side) in ``unit``.

    ``of`` names what is limited when a rule has several limits (e.g. the password's length and the
    temporary password's validity). ``str()`` gives the text the rule table and error messages print.
    """

    low: int | float | None
    high: int | float | None
    unit: str = ""
    of: str = ""

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    @property
    def span(self) -> str:
        """The bounds alone: ``128-10240``, ``at least 30``, ``at most 20``."""
        if self.high is None:
            return f"at least {self.low}"
        if self.low is None:
            return f"at most {self.high}"
        return f"{self.low}-{self.high}"

    @property
    def suffix(self) -> str:
        """The unit as it follows a number: ``" MB"``, or nothing."""
        return f" {self.unit}" if self.unit else ""

    @property
    def bounds(self) -> str:
        """The bounds with their unit: ``128-10240 MB``, ``at least 10 characters``."""
        return f"{self.span}{self.suffix}"

    def __str__(self) -> str:
        return f"{self.of} {self.bounds}" if self.of else self.bounds


@attrs.frozen
class Rule:
    """One rule: a stable ``id``, what it says (``title``), where it comes from (``source``: a URL, or
    ``MODEL_SOURCE`` for the model's own rules) and its numeric ``limits``, if it has any."""

    id: str
    title: str
    source: str
    limits: tuple[Limit, ...] = ()

    @property
    def limit(self) -> str:
        """The limits as text (empty when the rule has none), e.g. ``128-10240 MB``."""
        return "; ".join(str(limit) for limit in self.limits)


@attrs.frozen
class NameRule:
    """A name's length and characters. ``chars`` is a regex character class body, e.g. ``a-z0-9.-``."""

    what: str
    length: Limit
    chars: str
    chars_text: str
    length_rule: Rule
    chars_rule: Rule

    @property
    def min_length(self) -> int:
        return int(self.length.low or 0)

    @property
    def max_length(self) -> int:
        return int(self.length.high or 0)  # every name rule has a maximum

    @property
    def char_pattern(self) -> re.Pattern[str]:
        return re.compile(f"[{self.chars}]*")


RULES: dict[str, Rule] = {}


def _r(rule_id: str, title: str, source: str, *limits: Limit) -> Rule:
    if rule_id in RULES:
        raise ValueError(f"rule id {rule_id} is defined twice: give the new rule its own id")
    rule = Rule(rule_id, title, source, limits)
    RULES[rule_id] = rule
    return rule


# --- Sources ----------------------------------------------------------------------------------------------
_S3_NAMES = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"
_S3_LIFECYCLE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html"
_S3_TRANSITIONS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html"
_S3_EXPIRATION = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html"
_DDB_NAMES = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html"
_DDB_QUOTAS = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html"
_DDB_CREATE_TABLE = "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html"
_DDB_ATTRIBUTE_DEFINITION = "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeDefinition.html"
_LAMBDA_QUOTAS = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"
_LAMBDA_CREATE_FUNCTION = "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html"
_LAMBDA_RUNTIMES = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
_LAMBDA_ENVIRONMENT = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html"
_IAM_ACTIONS = ("https://docs.aws.amazon.com/service-authorization/latest/reference/"
                "reference_policies_actions-resources-contextkeys.html")
_IAM_LEAST_PRIVILEGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
_SFN_CREATE = "https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html"
_SFN_QUOTAS = "https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html"
_SFN_CHOICE = "https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html"
_SFN_WAIT = "https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html"
_SFN_ERRORS = "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html"
_ASL = "https://states-language.net/spec.html"
_ASL_REFERENCE_PATHS = "https://states-language.net/spec.html#ref-paths"
_JSON = "https://www.rfc-editor.org/rfc/rfc8259#section-6"
_IAM_RESOURCE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html"
_LAMBDA_ENVIRONMENT_API = "https://docs.aws.amazon.com/lambda/latest/api/API_Environment.html"
_DDB_PROJECTION = "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Projection.html"
_DDB_TTL = "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TimeToLiveSpecification.html"
_COGNITO_PASSWORD = ("https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/"
                     "API_PasswordPolicyType.html")
_COGNITO_CLIENT = ("https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/"
                   "API_CreateUserPoolClient.html")
_COGNITO_TOKENS = ("https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/"
                   "API_TokenValidityUnitsType.html")

# --- Types and shapes (any value) -------------------------------------------------------------------------
REASON_LENGTH = Limit(10, None, "characters", "reason")  # a reason someone can act on, not "n/a"

TYPE = _r("M001", "field has the wrong type", MODEL_SOURCE)
UNIQUE = _r("M004", "names must be unique", MODEL_SOURCE)
EXEMPTION = _r("M006", "an exemption needs a known check and a reason", MODEL_SOURCE, REASON_LENGTH)
FINITE = _r("M007", "numbers are finite (no NaN or infinity): JSON, CloudFormation and the AWS APIs have no others",
            _JSON)
JSON_VALUE = _r("M008", "payloads are JSON: null, booleans, numbers, strings, lists and string-keyed mappings",
                _JSON)

# --- System and naming (the model's own scheme: {system}-{stage}-{name}) ------------------------------------
SYSTEM_LENGTH = Limit(1, 20, "characters")
STAGE_LENGTH = Limit(1, 12, "characters")
LOGICAL_LENGTH = Limit(1, 40, "characters")
SUFFIX_LENGTH = Limit(1, 20, "characters")

SYSTEM_NAME = _r("N101", "system name: [a-z0-9-], starting with a letter", MODEL_SOURCE, SYSTEM_LENGTH)
STAGE_NAME = _r("N102", "stage: [a-z0-9], starting with a letter", MODEL_SOURCE, STAGE_LENGTH)
LOGICAL_NAME = _r("N103", "resource name: [a-z0-9-], starting with a letter, not ending with '-'", MODEL_SOURCE,
                  LOGICAL_LENGTH)
BUCKET_SUFFIX = _r("N104", "bucket suffix: [a-z0-9-], starting and ending with a letter or digit", MODEL_SOURCE,
                   SUFFIX_LENGTH)

# --- S3 ---------------------------------------------------------------------------------------------------
S3_BUCKET_NAME_LENGTH = Limit(3, 63, "characters")
S3_LIFECYCLE_RULES = Limit(None, 1000, "rules")
S3_LIFECYCLE_ID_LENGTH = Limit(1, 255, "characters")
S3_IA_MIN_DAYS = Limit(30, None, "days")
S3_EXPIRATION_DAYS = Limit(1, 2_147_483_647, "days", "expiration")  # a positive Integer (32-bit)
S3_TRANSITION_DAYS = Limit(0, 2_147_483_647, "days", "transition")

S3_NAME_LENGTH = _r("B101", "bucket name length", _S3_NAMES, S3_BUCKET_NAME_LENGTH)
S3_NAME_CHARS = _r("B102", "bucket name: only a-z, 0-9, '.' and '-'", _S3_NAMES)
S3_NAME_EDGES = _r("B103", "bucket name: starts and ends with a letter or digit", _S3_NAMES)
S3_NAME_DOTS = _r("B104", "bucket name: no two adjacent periods", _S3_NAMES)
S3_NAME_IP = _r("B105", "bucket name: not formatted as an IP address", _S3_NAMES)
S3_NAME_PREFIX = _r("B106", "bucket name: reserved prefix", _S3_NAMES)
S3_NAME_SUFFIX = _r("B107", "bucket name: reserved suffix", _S3_NAMES)
LIFECYCLE_IA_MIN_DAYS = _r("B110", "lifecycle: STANDARD_IA and ONEZONE_IA transitions not before a minimum age",
                           _S3_TRANSITIONS, S3_IA_MIN_DAYS)
LIFECYCLE_ORDER = _r("B111", "lifecycle: transitions in strictly increasing days", _S3_TRANSITIONS)
LIFECYCLE_EXPIRATION = _r("B112", "lifecycle: expiration after the last transition", _S3_TRANSITIONS)
LIFECYCLE_EMPTY = _r("B113", "lifecycle: a rule needs at least one action", _S3_LIFECYCLE)
LIFECYCLE_NONCURRENT = _r("B114", "lifecycle: noncurrent-version expiration needs a versioned bucket", _S3_LIFECYCLE)
LIFECYCLE_ID = _r("B115", "lifecycle: rule id length, unique within the bucket", _S3_LIFECYCLE,
                  S3_LIFECYCLE_ID_LENGTH)
LIFECYCLE_COUNT = _r("B116", "lifecycle: rules per bucket", _S3_LIFECYCLE, S3_LIFECYCLE_RULES)
LIFECYCLE_DAYS = _r("B117", "lifecycle: days are whole numbers", _S3_EXPIRATION, S3_EXPIRATION_DAYS,
                    S3_TRANSITION_DAYS)

# --- DynamoDB ---------------------------------------------------------------------------------------------
DDB_TABLE_OR_INDEX_NAME_LENGTH = Limit(3, 255, "characters")
DDB_ATTRIBUTE_NAME_LENGTH = Limit(1, 255, "characters")
DDB_MAX_GSIS = Limit(None, 20)
DDB_MAX_NON_KEY_ATTRIBUTES = Limit(None, 100, "non-key attributes")  # summed across all of a table's indexes
DDB_INDEX_NON_KEY_ATTRIBUTES = Limit(None, 20, "non-key attributes", "per index")
DDB_TTL_NAME_LENGTH = Limit(1, 255, "characters")
DDB_CAPACITY_UNITS = Limit(1, 40_000, "", "read or write capacity units")  # the default per-table quota

DDB_NAME_LENGTH = _r("T101", "table or index name length", _DDB_NAMES, DDB_TABLE_OR_INDEX_NAME_LENGTH)
DDB_NAME_CHARS = _r("T102", "table or index name: only a-z, A-Z, 0-9, '_', '-', '.'", _DDB_NAMES)
DDB_KEY_TYPE = _r("T103", "key attribute type: S, N or B", _DDB_ATTRIBUTE_DEFINITION)
DDB_GSI_COUNT = _r("T104", "global secondary indexes per table", _DDB_QUOTAS, DDB_MAX_GSIS)
DDB_ATTRIBUTE_TYPE = _r("T105", "one type per attribute across the table and its indexes", _DDB_CREATE_TABLE)
DDB_ATTRIBUTE_NAME = _r("T106", "key attribute name length", _DDB_NAMES, DDB_ATTRIBUTE_NAME_LENGTH)
DDB_PROJECTION = _r("T107", "non-key attributes only with an INCLUDE projection", _DDB_QUOTAS,
                    DDB_MAX_NON_KEY_ATTRIBUTES)
DDB_CAPACITY = _r("T108", "capacity: provisioned tables need read and write capacity; on-demand none", _DDB_QUOTAS,
                  DDB_CAPACITY_UNITS)
DDB_KEY_DISTINCT = _r("T109", "partition and sort key must be different attributes", _DDB_CREATE_TABLE)
DDB_PROJECTED = _r("T110", "projected non-key attributes: at most 20 per index and 100 summed over a table's "
                   "indexes, each a name of 1-255 characters", _DDB_PROJECTION, DDB_INDEX_NON_KEY_ATTRIBUTES,
                   DDB_MAX_NON_KEY_ATTRIBUTES)
DDB_TTL = _r("T111", "time-to-live attribute name length", _DDB_TTL, DDB_TTL_NAME_LENGTH)

# --- Lambda -----------------------------------------------------------------------------------------------
LAMBDA_NAME_LENGTH = Limit(1, 64, "characters")
LAMBDA_MEMORY_MB = Limit(128, 10_240, "MB")
LAMBDA_TIMEOUT_S = Limit(1, 900, "s")
LAMBDA_ENV_BYTES = Limit(None, 4096, "bytes")
LAMBDA_HANDLER_LENGTH = Limit(None, 128, "characters")
LAMBDA_DESCRIPTION_LENGTH = Limit(0, 256, "characters")

LAMBDA_NAME = _r("F101", "function name: [a-zA-Z0-9_-]", _LAMBDA_CREATE_FUNCTION, LAMBDA_NAME_LENGTH)
LAMBDA_MEMORY = _r("F102", "function memory", _LAMBDA_QUOTAS, LAMBDA_MEMORY_MB)
LAMBDA_TIMEOUT = _r("F103", "function timeout", _LAMBDA_QUOTAS, LAMBDA_TIMEOUT_S)
LAMBDA_RUNTIME = _r("F104", "runtime: one Lambda supports for new functions", _LAMBDA_RUNTIMES)
LAMBDA_ENV_NAME = _r("F105", "environment variable name: [a-zA-Z]([a-zA-Z0-9_])+ (two characters or more), not "
                     "reserved by Lambda", _LAMBDA_ENVIRONMENT_API)
LAMBDA_ENV_SIZE = _r("F106", "environment size: keys and values together", _LAMBDA_QUOTAS, LAMBDA_ENV_BYTES)
LAMBDA_HANDLER = _r("F107", "handler: module.function, with a module path of [A-Za-z0-9_/.-]",
                    _LAMBDA_CREATE_FUNCTION, LAMBDA_HANDLER_LENGTH)
LAMBDA_CODE = _r("F108", "code: a relative folder path inside the project", MODEL_SOURCE)
ENV_COLLISION = _r("F109", "environment variable set twice (by the function and by a grant)", MODEL_SOURCE)
LAMBDA_RUNTIME_BUILDABLE = _r("F110", "runtime: one oratio builds (the bundler and both backends do Python only)",
                              MODEL_SOURCE)
LAMBDA_DESCRIPTION = _r("F111", "function description length", _LAMBDA_CREATE_FUNCTION, LAMBDA_DESCRIPTION_LENGTH)

# --- Grants -----------------------------------------------------------------------------------------------
GRANT_TARGET = _r("G101", "a grant names a table or bucket of the same system", MODEL_SOURCE)
SERVICE_ACTION = _r("G102", "service actions: known actions of the service, no wildcards", _IAM_ACTIONS)
WILDCARD_REASON = _r("G103", "a '*' resource needs a reason", _IAM_LEAST_PRIVILEGE, REASON_LENGTH)
GRANT_RESOURCE = _r("G104", "a service grant's resources are ARNs (arn:partition:service:region:account:resource) "
                    "or '*'", _IAM_RESOURCE)

# --- Step Functions ---------------------------------------------------------------------------------------
SFN_NAME_LENGTH = Limit(1, 80, "characters")
SFN_STATE_NAME_LENGTH = Limit(1, 80, "characters")
SFN_RETRY_INTERVAL_S = Limit(1, 99_999_999, "s", "interval")
SFN_RETRY_ATTEMPTS = Limit(0, 99_999_999, "", "max attempts")
SFN_BACKOFF_RATE = Limit(1.0, None, "", "backoff rate")
SFN_WAIT_S = Limit(0, 31_536_000, "s")  # a standard workflow's longest wait: one year
SFN_TIMEOUT_S = Limit(1, 31_536_000, "s")  # a standard execution's longest run: one year

SFN_NAME = _r("W101", "state machine name: no whitespace, no forbidden characters", _SFN_CREATE, SFN_NAME_LENGTH)
SFN_STATE_NAME = _r("W102", "state name length", _ASL, SFN_STATE_NAME_LENGTH)
SFN_NEXT = _r("W103", "every transition names an existing state", _ASL)
SFN_REACHABLE = _r("W104", "every state is reachable from the start state", _ASL)
SFN_TERMINAL = _r("W105", "a workflow needs at least one terminal state", _ASL)
SFN_CHOICE_DEFAULT = _r("W106", "a choice has at least one branch and a default", _SFN_CHOICE)
SFN_TASK_FUNCTION = _r("W107", "a task invokes a function of the same system", MODEL_SOURCE)
SFN_RETRY = _r("W108", "retry: interval, attempts and backoff rate", _SFN_ERRORS, SFN_RETRY_INTERVAL_S,
               SFN_RETRY_ATTEMPTS, SFN_BACKOFF_RATE)
SFN_PATH = _r("W109", "a JSONPath starts with '$'", _ASL)
SFN_WAIT = _r("W110", "wait: seconds, at most one year", _SFN_WAIT, SFN_WAIT_S)
SFN_CONDITION = _r("W111", "a condition compares with a value of the operator's type", _SFN_CHOICE)
SFN_ERROR_NAME = _r("W112", "error names: non-empty; 'States.ALL' alone in its retrier or catcher, and that one "
                   "last", _SFN_ERRORS)
SFN_NEXT_OR_END = _r("W113", "a task, wait or pass state has either a next state or end=True", _ASL)
SFN_RESULT_PATH = _r("W115", "a result path is a reference path: '$', '.name', ['name'] or [index] steps only "
                     "(no '*', '..', slices, unions or filters)", _ASL_REFERENCE_PATHS)
SFN_TIMEOUT = _r("W114", "timeout of a task or a workflow: seconds, at most one year", _SFN_QUOTAS, SFN_TIMEOUT_S)

# --- Cognito ----------------------------------------------------------------------------------------------
COGNITO_PASSWORD_LENGTH = Limit(6, 99, "", "minimum length")
COGNITO_TEMP_PASSWORD_DAYS = Limit(0, 365, "days", "temporary password")
COGNITO_ACCESS_TOKEN_MINUTES = Limit(5, 1440, "min", "access and id tokens")
COGNITO_REFRESH_TOKEN_MINUTES = Limit(60, 5_256_000, "min", "refresh token")  # 1 hour to 10 years
COGNITO_AUTH_FLOWS = Limit(1, None, "", "auth flows")
# Cognito allows client names of 1-128 characters; the model's own names (N103, 1-40) are stricter, so there is
# no separate check.

COGNITO_PASSWORD = _r("U101", "password policy", _COGNITO_PASSWORD, COGNITO_PASSWORD_LENGTH,
                      COGNITO_TEMP_PASSWORD_DAYS)
COGNITO_CLIENT = _r("U102", "app client: at least one auth flow", _COGNITO_CLIENT, COGNITO_AUTH_FLOWS)
COGNITO_VALIDITY = _r("U103", "token validity: access and id tokens at most the refresh token's", _COGNITO_TOKENS,
                      COGNITO_ACCESS_TOKEN_MINUTES, COGNITO_REFRESH_TOKEN_MINUTES)

# --- API Gateway HTTP APIs --------------------------------------------------------------------------------
_API_ROUTES = "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html"
_API_QUOTAS = "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html"
_API_JWT = "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html"
_API_CORS = "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html"
_API_CORS_REFERENCE = "https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid.html#apis-apiid-model-cors"
_API_THROTTLING = "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html"
API_ROUTES = Limit(1, 300, "routes")
API_AUDIENCES = Limit(1, 50, "", "audiences (app clients)")
API_CORS_MAX_AGE = Limit(-1, 86_400, "s", "max age")
API_BURST = Limit(0, 5_000, "requests", "burst")  # the account's default burst quota per Region
API_RATE = Limit(0, 10_000, "requests/s", "rate")  # the account's default steady-state quota per Region

API_ROUTE_KEY = _r("H101", "route key: '$default' or 'METHOD /path' (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, "
                   "ANY)", _API_ROUTES)
API_PATH_VARIABLE = _r("H102", "path variable: a whole segment '{name}', each name once a route", _API_ROUTES)
API_GREEDY_LAST = _r("H103", "a greedy path variable '{name+}' is the path's last segment", _API_ROUTES)
API_ROUTE_UNIQUE = _r("H104", "route keys are unique (variables' names aside)", _API_ROUTES)
API_ROUTE_COUNT = _r("H105", "routes per HTTP API", _API_QUOTAS, API_ROUTES)
API_ROUTE_AUTH = _r("H106", "a route is protected by the API's authorizer, or public with a reason", MODEL_SOURCE,
                    REASON_LENGTH)
API_ROUTE_FUNCTION = _r("H107", "a route's function is a function of the same system", MODEL_SOURCE)
API_AUTHORIZER = _r("H108", "JWT authorizer: a user pool of the system and its app clients as the audience", _API_JWT,
                    API_AUDIENCES)
API_CORS = _r("H109", "CORS: origins '*' or scheme://host[:port], no '*' with credentials, known methods, max age",
              _API_CORS, API_CORS_MAX_AGE)
API_THROTTLING = _r("H110", "throttling: burst and rate within the account's quotas", _API_THROTTLING, API_BURST,
                    API_RATE)

# --- The AI layer: agent runtimes (A1xx), service roles (R1xx), vector buckets (V1xx), their grants (G11x) ----
_AGENTCORE_CREATE = ("https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/"
                     "API_CreateAgentRuntime.html")
_AGENTCORE_RUNTIMES = ("https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/"
                       "runtime-code-deploy-supported-runtimes.html")
_AGENTCORE_CODE = "https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_CodeConfiguration.html"
_IAM_QUOTAS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
_IAM_CONFUSED_DEPUTY = "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html"
_S3_VECTORS_NAMES = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-vectors-buckets-naming.html"
_S3_VECTORS_ENCRYPTION = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-vectors-bucket-encryption.html"
_BEDROCK_MODELS = "https://docs.aws.amazon.com/bedrock/latest/userguide/models-supported.html"

AGENT_RUNTIME_NAME_LENGTH = Limit(1, 48, "characters")
AGENT_RUNTIME_ENTRY_POINT_PARTS = Limit(1, 2, "strings", "entry point")
AGENT_RUNTIME_ENTRY_POINT_LENGTH = Limit(1, 128, "characters", "each part")
AGENT_RUNTIME_ENV_COUNT = Limit(None, 50, "variables", "environment")
AGENT_RUNTIME_ENV_NAME_LENGTH = Limit(1, 100, "characters", "names")
AGENT_RUNTIME_ENV_VALUE_LENGTH = Limit(0, 5000, "characters", "values")
AGENT_RUNTIME_DESCRIPTION_LENGTH = Limit(None, 4096, "characters")
IAM_ROLE_NAME_LENGTH = Limit(1, 64, "characters")
VECTOR_BUCKET_NAME_LENGTH = Limit(3, 63, "characters")
FOUNDATION_MODEL_ID_LENGTH = Limit(1, 140, "characters")

AGENT_RUNTIME_NAME = _r("A101", "agent runtime physical name: [a-zA-Z][a-zA-Z0-9_]*", _AGENTCORE_CREATE,
                        AGENT_RUNTIME_NAME_LENGTH)
AGENT_RUNTIME_RUNTIME = _r("A102", "agent runtime language: an AgentCore Python runtime (the bundler packages Python)",
                           _AGENTCORE_RUNTIMES)
AGENT_RUNTIME_ENTRY_POINT = _r("A103", "entry point: the first part a .py file", _AGENTCORE_CODE,
                               AGENT_RUNTIME_ENTRY_POINT_PARTS, AGENT_RUNTIME_ENTRY_POINT_LENGTH)
AGENT_RUNTIME_ENV = _r("A104", "agent runtime environment: names [a-zA-Z][a-zA-Z0-9_]*", _AGENTCORE_CREATE,
                       AGENT_RUNTIME_ENV_COUNT, AGENT_RUNTIME_ENV_NAME_LENGTH, AGENT_RUNTIME_ENV_VALUE_LENGTH)
AGENT_RUNTIME_DESCRIPTION = _r("A105", "agent runtime description length", _AGENTCORE_CREATE,
                               AGENT_RUNTIME_DESCRIPTION_LENGTH)
ROLE_NAME = _r("R101", "role name: [a-zA-Z0-9+=,.@_-]", _IAM_QUOTAS, IAM_ROLE_NAME_LENGTH)
ROLE_SERVICE = _r("R102", "service role: a service whose confused-deputy conditions the model knows",
                  _IAM_CONFUSED_DEPUTY)
VECTOR_BUCKET_NAME = _r("V101", "vector bucket name: [a-z0-9-], starting and ending with a letter or digit",
                        _S3_VECTORS_NAMES, VECTOR_BUCKET_NAME_LENGTH)
VECTOR_BUCKET_ENCRYPTION = _r("V102", "vector bucket encryption: SSE-S3 (SSE-KMS needs a key the model does not hold)",
                              _S3_VECTORS_ENCRYPTION)
FOUNDATION_MODEL_ID = _r("G111", "foundation model id: provider.model (an inference profile adds a geography prefix)",
                         _BEDROCK_MODELS, FOUNDATION_MODEL_ID_LENGTH)
GRANT_REFERENCE = _r("G112", "a grant names an agent runtime, service role or vector bucket of the same system",
                     MODEL_SOURCE)

# --- Lengths and characters, as data (validators and test strategies both read these) -------------------
S3_BUCKET = NameRule("bucket name", S3_BUCKET_NAME_LENGTH, "a-z0-9.-", "a-z, 0-9, '.', '-'", S3_NAME_LENGTH,
                     S3_NAME_CHARS)
S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
DDB_NAME = NameRule("name", DDB_TABLE_OR_INDEX_NAME_LENGTH, "a-zA-Z0-9_.-", "a-z, A-Z, 0-9, '_', '-', '.'",
                    DDB_NAME_LENGTH, DDB_NAME_CHARS)
LAMBDA_FUNCTION_NAME = NameRule("function name", LAMBDA_NAME_LENGTH, "a-zA-Z0-9_-", "a-z, A-Z, 0-9, '_', '-'",
                                LAMBDA_NAME, LAMBDA_NAME)
LOGICAL = NameRule("name", LOGICAL_LENGTH, "a-z0-9-", "a-z, 0-9, '-'", LOGICAL_NAME, LOGICAL_NAME)
SYSTEM = NameRule("system name", SYSTEM_LENGTH, "a-z0-9-", "a-z, 0-9, '-'", SYSTEM_NAME, SYSTEM_NAME)
STAGE = NameRule("stage", STAGE_LENGTH, "a-z0-9", "a-z, 0-9", STAGE_NAME, STAGE_NAME)
SUFFIX = NameRule("bucket suffix", SUFFIX_LENGTH, "a-z0-9-", "a-z, 0-9, '-'", BUCKET_SUFFIX, BUCKET_SUFFIX)

LAMBDA_ENV_NAME_PATTERN = re.compile(r"[a-zA-Z][a-zA-Z0-9_]+")  # Lambda API reference, Environment
# A reference path (ASL): '$' then steps that each name one node.
SFN_REFERENCE_PATH_PATTERN = re.compile(r"\$(?:\.[^.\[\]*@,:?()'\s]+|\[\d+\]|\['[^'\\]*'\])*")
# An ARN: arn:partition:service:region:account:resource (region and account may be empty, e.g. for S3 and IAM).
ARN_PATTERN = re.compile(r"arn:[^:\s]+:[^:\s]+:[^:\s]*:[^:\s]*:\S+")
# Set by Lambda itself: a function may not define them (AWS Lambda developer guide, "Reserved variables").
LAMBDA_RESERVED_ENV = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})
LAMBDA_HANDLER_PATTERN = re.compile(r"[A-Za-z0-9_/.-]+\.[A-Za-z_][A-Za-z0-9_]*")
# Runtimes Lambda accepts for new functions (deprecated ones excluded), by family.
LAMBDA_PYTHON_RUNTIMES = ("python3.10", "python3.11", "python3.12", "python3.13", "python3.14")
LAMBDA_RUNTIMES = (*LAMBDA_PYTHON_RUNTIMES, "nodejs20.x", "nodejs22.x", "nodejs24.x")
# Runtimes oratio can build: its bundler installs Python requirements and both backends render Python handlers.
BUILDABLE_RUNTIMES = LAMBDA_PYTHON_RUNTIMES

# A literal path segment of a route: RFC 3986's path characters, without percent-encoding; path variables are
# letters, digits, '_', '-' and '.', the characters a function can read back as a key of ``pathParameters``.
API_PATH_SEGMENT_PATTERN = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@-]+")
API_PATH_SEGMENT_TEXT = "letters, digits and ._~!$&'()*+,;=:@-"
API_PATH_VARIABLE_PATTERN = re.compile(r"[A-Za-z0-9._-]+")
API_PATH_VARIABLE_TEXT = "letters, digits, '_', '-' and '.'"

S3_IA_CLASSES = frozenset({"STANDARD_IA", "ONEZONE_IA"})

# Characters a state machine name may not contain (Step Functions CreateStateMachine reference), besides
# whitespace and the control characters U+0000-001F and U+007F-009F.
SFN_FORBIDDEN_CHARS = frozenset(' <>{}[]?*"#%\\^|~`$&,;:/')
SFN_CONTROL_CHARS = (range(0x00, 0x20), range(0x7F, 0xA0))

# --- The AI layer, as data ---------------------------------------------------------------------------------
# botocore's bedrock-agentcore-control model: CodeConfiguration.runtime, agentRuntimeName, entryPoint.
AGENTCORE_RUNTIMES = ("PYTHON_3_10", "PYTHON_3_11", "PYTHON_3_12", "PYTHON_3_13", "PYTHON_3_14", "NODE_22")
AGENTCORE_BUNDLED_RUNTIMES = tuple(r for r in AGENTCORE_RUNTIMES if r.startswith("PYTHON_"))
AGENT_RUNTIME_NAME_PATTERN = re.compile(r"[a-zA-Z][a-zA-Z0-9_]*")
# AgentCore's variable names have a length only (1-100); the model asks for names a shell and Python can read.
AGENT_RUNTIME_ENV_NAME_PATTERN = re.compile(r"[a-zA-Z][a-zA-Z0-9_]*")
# AgentCore's runtime contract: the agent serves POST /invocations and GET /ping on this port (arm64 hosts).
AGENTCORE_PORT = 8080
AGENTCORE_ARCHITECTURE = "arm64"
IAM_ROLE = NameRule("role name", IAM_ROLE_NAME_LENGTH, "a-zA-Z0-9+=,.@_-", "a-z, A-Z, 0-9, '+=,.@_-'", ROLE_NAME,
                    ROLE_NAME)
S3_VECTOR_BUCKET = NameRule("vector bucket name", VECTOR_BUCKET_NAME_LENGTH, "a-z0-9-", "a-z, 0-9, '-'",
                            VECTOR_BUCKET_NAME, VECTOR_BUCKET_NAME)
# Cross-region inference profile ids start with a geography (Bedrock user guide, "Supported Regions and models
# for inference profiles"); the rest is the foundation model's id.
INFERENCE_PROFILE_PREFIXES = ("us", "eu", "apac", "us-gov", "ca", "jp", "au", "global")
FOUNDATION_MODEL_PATTERN = re.compile(r"[a-z0-9-]+\.[a-zA-Z0-9.:_-]+")

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

# Checks a backend may run (cdk-nag, checkov) that a resource may be exempted from, with a reason.
# Backend-neutral names: each backend maps them onto its own checkers' rule ids (the CDK backend: cdk-nag's
# AwsSolutions rules and checkov's CloudFormation checks, oratio/backends/cdk/checks.py).
EXEMPTABLE_CHECKS = frozenset({
    "access-logs",          # S3 server access logging
    "mfa-required",         # Cognito MFA enforced for every user
    "advanced-security",    # Cognito threat protection (a paid feature plan)
    "latest-runtime",       # not the newest runtime of the family
    "dead-letter-queue",    # asynchronous invocation failures kept in a queue
    "reserved-concurrency", # a concurrency limit per function
    "customer-managed-key", # KMS keys managed by the customer (tables, log groups, environment variables)
    "vpc",                  # functions attached to a VPC
})
