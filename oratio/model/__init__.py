"""The backend-neutral model: frozen values for every resource kind, validated against AWS's rules when built.

It imports nothing from AWS SDKs, the CDK or any backend: backends read it, never the other way round.
"""

from oratio.model.agent_runtime import AgentRuntime, AgentRuntimeLanguage
from oratio.model.bucket import Bucket, Encryption, LifecycleRule, StorageClass, Transition
from oratio.model.common import Exemption, FrozenMap, Retention
from oratio.model.errors import ModelError, Problem, deferred_validation
from oratio.model.function import Function, Runtime
from oratio.model.grants import (
    Access,
    GeneratedRuntimesGrant,
    Grant,
    ModelGrant,
    ResourceGrant,
    RetrievalGrant,
    RuntimeManagementGrant,
    ServiceGrant,
    TargetGrant,
    bedrock,
    foundation_model,
    invoke_generated_runtimes,
    knowledge_base_retrieval,
    manage_agent_runtimes,
)
from oratio.model.http_api import Cors, HttpApi, JwtAuthorizer, Method, Route, Throttling
from oratio.model.rules import RULES, Rule
from oratio.model.service_role import ServiceRole, TrustedService
from oratio.model.system import System
from oratio.model.table import AttributeType, Billing, GlobalIndex, Key, Projection, StreamView, Table
from oratio.model.user_pool import AppClient, AuthFlow, Mfa, PasswordPolicy, SignInAlias, UserPool
from oratio.model.vector_bucket import VectorBucket
from oratio.model.workflow import (
    TRANSIENT_LAMBDA_ERRORS,
    Branch,
    Catch,
    Choice,
    Condition,
    Dynamic,
    Fail,
    Operator,
    Pass,
    Retry,
    State,
    Succeed,
    Task,
    Wait,
    Workflow,
    path,
)

__all__ = [
    "RULES", "TRANSIENT_LAMBDA_ERRORS", "Access", "AgentRuntime", "AgentRuntimeLanguage", "AppClient",
    "AttributeType", "AuthFlow", "Billing", "Branch", "Bucket", "Catch", "Choice", "Condition", "Cors", "Dynamic",
    "Encryption", "Exemption", "Fail", "FrozenMap", "Function", "GeneratedRuntimesGrant", "GlobalIndex", "Grant",
    "HttpApi", "JwtAuthorizer", "Key", "LifecycleRule", "Method",
    "Mfa", "ModelError", "ModelGrant", "Operator", "Pass", "PasswordPolicy",
    "Problem", "Projection", "ResourceGrant", "Retention", "RetrievalGrant", "Retry", "Route", "Rule", "Runtime",
    "RuntimeManagementGrant", "ServiceGrant", "ServiceRole", "SignInAlias", "State", "StorageClass", "StreamView",
    "Succeed", "System", "Table", "TargetGrant", "Task", "Throttling", "Transition", "TrustedService", "UserPool",
    "VectorBucket", "Wait", "Workflow", "bedrock", "deferred_validation", "foundation_model",
    "invoke_generated_runtimes", "knowledge_base_retrieval", "manage_agent_runtimes",
    "path",
]
