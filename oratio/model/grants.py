"""Grants: what a function may do. Least privilege is the model's job, so backends render only these.

``table.read_write()`` or ``bucket.read()`` give a ResourceGrant (the CDK's ``grant_*`` methods, as values);
``ServiceGrant`` names service actions (for example Bedrock's) with the resources they apply to.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from typing import Any

import attrs

from oratio.model import rules
from oratio.model.common import Validated, check_enum, check_type, to_enum, to_tuple
from oratio.model.errors import Problem


class Access(enum.StrEnum):
    READ = "read"
    WRITE = "write"
    READ_WRITE = "read_write"
    # A bucket's objects written, never read, listed or deleted: what signing presigned upload (PUT) URLs needs.
    PUT = "put"

    @property
    def reads(self) -> bool:
        return self in (Access.READ, Access.READ_WRITE)

    @property
    def writes(self) -> bool:
        return self in (Access.WRITE, Access.READ_WRITE)


class Named:
    """A resource whose physical name (or ARN) reaches the environment of what is granted it, under a variable
    named after it: its ``name`` and its kind's ``env_suffix``."""

    name: str
    env_suffix: str = ""

    def default_env_var(self) -> str:
        """``knowledge-bases`` (a bucket) becomes ``KNOWLEDGE_BASES_BUCKET``."""
        return f"{re.sub(r'[^A-Za-z0-9]', '_', str(self.name)).upper()}_{self.env_suffix}"


class Grantable(Named):
    """A resource a function can be granted access to; its physical name reaches the function's environment."""

    def read(self, env_var: str | None = None) -> ResourceGrant:
        return ResourceGrant(self, Access.READ, env_var)

    def write(self, env_var: str | None = None) -> ResourceGrant:
        return ResourceGrant(self, Access.WRITE, env_var)

    def read_write(self, env_var: str | None = None) -> ResourceGrant:
        return ResourceGrant(self, Access.READ_WRITE, env_var)


@attrs.frozen
class ResourceGrant(Validated):
    """Read, write or read-write access to a table (and its indexes) or a bucket (and its objects).

    The function's environment gets the resource's physical name under ``env_var`` (by default derived
    from the resource's name), so names are never typed twice.
    """

    _subject = "grant"
    target: Any
    access: Access = attrs.field(converter=to_enum(Access))
    env_var: str | None = None

    @property
    def environment_name(self) -> str:
        return self.env_var or self.target.default_env_var()

    def problems(self) -> Iterator[Problem]:
        if not isinstance(self.target, Grantable):
            yield Problem("target", rules.GRANT_TARGET, f"expected a Table or Bucket, got {self.target!r}")
        yield from check_enum("access", self.access, Access)
        if self.access == Access.PUT and isinstance(self.target, Grantable) and not hasattr(self.target, "put"):
            yield Problem("access", rules.GRANT_TARGET,
                          f"'put' is a bucket's access (object uploads), not a {type(self.target).__name__}'s: use "
                          "read, write or read_write")
        if self.env_var is not None:
            yield from check_type("env_var", self.env_var, str, "an environment variable name")
            if isinstance(self.env_var, str) and not rules.LAMBDA_ENV_NAME_PATTERN.fullmatch(self.env_var):
                yield Problem("env_var", rules.LAMBDA_ENV_NAME,
                              f"{self.env_var!r} is not a valid name: a letter, then one or more letters, digits "
                              "or '_'")


@attrs.frozen
class ServiceGrant(Validated):
    """Named actions of an AWS service, e.g. ``ServiceGrant("bedrock", ["InvokeAgent"], reason=...)``.

    ``resources`` are ARNs (or ARN patterns); ``("*",)`` is allowed only with a ``reason``, which backends
    carry to their checkers (the CDK backend's cdk-nag acknowledgements) instead of silencing them.
    """

    _subject = "service grant"
    service: str
    actions: tuple[str, ...] = attrs.field(converter=to_tuple)
    resources: tuple[str, ...] = attrs.field(default=("*",), converter=to_tuple)
    reason: str | None = None

    @property
    def iam_actions(self) -> tuple[str, ...]:
        return tuple(f"{self.service}:{action}" for action in self.actions)

    @property
    def wildcard(self) -> bool:
        """Whether any resource is or contains a wildcard (``*``, or e.g. ``arn:aws:iam::*:role/x``)."""
        return any(isinstance(r, str) and "*" in r for r in self.resources)

    def problems(self) -> Iterator[Problem]:
        known = rules.SERVICE_ACTIONS.get(self.service) if isinstance(self.service, str) else None
        if known is None:
            services = ", ".join(sorted(rules.SERVICE_ACTIONS))
            yield Problem("service", rules.SERVICE_ACTION, f"unknown service {self.service!r}; known: {services}")
        if not isinstance(self.actions, tuple) or not self.actions:
            yield Problem("actions", rules.SERVICE_ACTION, "name at least one action")
        elif known is not None:
            for index, action in enumerate(self.actions):
                if not isinstance(action, str) or action not in known:
                    hint = " (wildcards are not allowed)" if isinstance(action, str) and "*" in action else ""
                    yield Problem(f"actions[{index}]", rules.SERVICE_ACTION,
                                  f"{action!r} is not a known {self.service} action{hint}")
        if not isinstance(self.resources, tuple) or not self.resources or not all(
            isinstance(r, str) and r for r in self.resources
        ):
            yield Problem("resources", rules.TYPE, "expected a non-empty list of ARNs")
            return
        for index, resource in enumerate(self.resources):
            if resource != "*" and not rules.ARN_PATTERN.fullmatch(resource):
                yield Problem(f"resources[{index}]", rules.GRANT_RESOURCE,
                              f"{resource!r} is neither an ARN (arn:partition:service:region:account:resource) nor "
                              "'*'")
        if self.wildcard and not (isinstance(self.reason, str) and len(self.reason.strip()) in rules.REASON_LENGTH):
            yield Problem("reason", rules.WILDCARD_REASON,
                          f"a '*' resource needs a reason ({rules.REASON_LENGTH.bounds}) saying why no ARN can be "
                          "named")


Grant = ResourceGrant | ServiceGrant


def bedrock(*actions: str, reason: str, resources: tuple[str, ...] = ("*",)) -> ServiceGrant:
    """Bedrock permissions: ``bedrock("InvokeAgent", reason="...")``."""
    return ServiceGrant("bedrock", actions, resources, reason)


# --- The AI layer's grants: foundation models, agent runtimes, vector buckets, service roles, retrieval ---------
# Targets are AgentRuntime, VectorBucket and ServiceRole values (duck-typed here: those modules import this one).
# Each target class lists the grant actions it offers in ``grant_actions`` and the environment variable suffix
# its grants set in ``env_suffix``; what each action allows is decided in ``oratio.model.permissions``.

INFERENCE_PROFILE_REASON = (
    "a cross-region inference profile sends each request to one of the profile's Regions, chosen by Bedrock at "
    "run time: the foundation model must be allowed in any Region, for this model id only")


def inference_profile_geography(model_id: str) -> str | None:
    """``us`` for ``us.anthropic.claude-...`` (a cross-region inference profile id), None for a foundation model."""
    head = model_id.split(".", 1)[0] if isinstance(model_id, str) else ""
    return head if head in rules.INFERENCE_PROFILE_PREFIXES and model_id.count(".") >= 2 else None


@attrs.frozen
class ModelGrant(Validated):
    """Invoking one Bedrock model (InvokeModel, which Converse also needs; ``streaming`` adds the streaming
    actions). An inference profile id (``us.anthropic...``) grants the profile and the foundation model behind it."""

    _subject = "model grant"
    model_id: str
    streaming: bool = False

    @property
    def geography(self) -> str | None:
        return inference_profile_geography(self.model_id)

    @property
    def foundation_model_id(self) -> str:
        """The foundation model's id: the profile id without its geography."""
        return self.model_id.split(".", 1)[1] if self.geography else self.model_id

    def problems(self) -> Iterator[Problem]:
        if not isinstance(self.model_id, str) or not rules.FOUNDATION_MODEL_PATTERN.fullmatch(self.model_id) \
                or len(self.model_id) not in rules.FOUNDATION_MODEL_ID_LENGTH:
            yield Problem("model_id", rules.FOUNDATION_MODEL_ID,
                          f"{self.model_id!r} is not a Bedrock model id such as 'anthropic.claude-3-5-haiku-"
                          f"20241022-v1:0' or 'us.anthropic.claude-3-5-haiku-20241022-v1:0' ("
                          f"{rules.FOUNDATION_MODEL_ID_LENGTH.bounds})")
        yield from check_type("streaming", self.streaming, bool, "True or False")


def foundation_model(model_id: str, *, streaming: bool = False) -> ModelGrant:
    """``foundation_model("anthropic.claude-3-5-haiku-20241022-v1:0")``: Converse / InvokeModel on that model."""
    return ModelGrant(model_id, streaming)


@attrs.frozen
class TargetGrant(Validated):
    """An action on an AI-layer resource or a workflow of the system: ``runtime.invoke()``,
    ``vectors.manage_indexes()``, ``role.pass_role()``, ``workflow.start_executions()``. The resource's physical name
    (or ARN) reaches the environment under ``env_var``."""

    _subject = "grant"
    target: Any
    action: str
    env_var: str | None = None

    @property
    def environment_key(self) -> str:
        return f"{self.target.kind}:{self.target.name}"

    @property
    def environment_name(self) -> str:
        return self.env_var or self.target.default_env_var()

    def problems(self) -> Iterator[Problem]:
        actions = getattr(self.target, "grant_actions", None)
        if not isinstance(actions, tuple) or not isinstance(getattr(self.target, "name", None), str):
            yield Problem("target", rules.GRANT_REFERENCE,
                          f"expected an AgentRuntime, VectorBucket, ServiceRole or Workflow, got {self.target!r}")
        elif self.action not in actions:
            yield Problem("action", rules.GRANT_REFERENCE,
                          f"{self.action!r} is not a grant of a {self.target.kind}; allowed: {', '.join(actions)}")
        if self.env_var is not None:
            yield from check_type("env_var", self.env_var, str, "an environment variable name")


RUNTIMES_REASON = (
    "agent runtimes are created at run time, one per user agent: AgentCore appends an id it picks to each "
    "runtime's ARN, and CreateAgentRuntime and ListAgentRuntimes support no narrower resource")


@attrs.frozen
class RuntimeManagementGrant(Validated):
    """Creating, updating, reading, deleting (and invoking, to check that one starts) agent runtimes at run time,
    each running with ``execution_role``
    (a ServiceRole trusted by AgentCore): ``iam:PassRole`` is allowed on that role alone, for AgentCore alone."""

    _subject = "grant"
    execution_role: Any
    reason: str = RUNTIMES_REASON
    env_var: str | None = None

    @property
    def environment_key(self) -> str:
        return f"{self.execution_role.kind}:{self.execution_role.name}"

    @property
    def environment_name(self) -> str:
        return self.env_var or self.execution_role.default_env_var()

    def problems(self) -> Iterator[Problem]:
        if getattr(self.execution_role, "kind", None) != "service-role":
            yield Problem("execution_role", rules.GRANT_REFERENCE,
                          f"expected the ServiceRole the runtimes run with, got {self.execution_role!r}")
        elif getattr(self.execution_role, "trusted_service", None) != "bedrock-agentcore.amazonaws.com":
            yield Problem("execution_role", rules.GRANT_REFERENCE,
                          f"role {self.execution_role.name!r} is not trusted by AgentCore "
                          "(service 'bedrock-agentcore.amazonaws.com'), so no runtime could run with it")
        if not (isinstance(self.reason, str) and len(self.reason.strip()) >= 10):
            yield Problem("reason", rules.WILDCARD_REASON, "give the reason (at least 10 characters) for runtime/*")


def manage_agent_runtimes(execution_role: Any, *, reason: str = RUNTIMES_REASON) -> RuntimeManagementGrant:
    return RuntimeManagementGrant(execution_role, reason)


GENERATED_RUNTIMES_REASON = (
    "agent runtimes made at run time (one per user agent) are named by whoever creates them, with the system's "
    "prefix and this name prefix, and AgentCore appends an id it picks: access covers those runtimes only")


@attrs.frozen
class GeneratedRuntimesGrant(Validated):
    """InvokeAgentRuntime (and StopRuntimeSession) on the agent runtimes created at run time whose names start with
    the system's runtime prefix then ``name_prefix`` (``{system}_{stage}_{name_prefix}*``): the runtimes another
    function of the system creates (e.g. with ``manage_agent_runtimes``), none of the model's own."""

    _subject = "grant"
    name_prefix: str
    reason: str = GENERATED_RUNTIMES_REASON

    def problems(self) -> Iterator[Problem]:
        if not isinstance(self.name_prefix, str) or not re.fullmatch(r"[A-Za-z0-9_]{1,40}", self.name_prefix) \
                or not self.name_prefix.endswith("_"):
            yield Problem("name_prefix", rules.GRANT_REFERENCE,
                          f"{self.name_prefix!r} is not a runtime name prefix: 1-40 of [A-Za-z0-9_] ending in '_' "
                          "(so that it cannot match a longer name of the model's own runtimes)")
        if not (isinstance(self.reason, str) and len(self.reason.strip()) >= 10):
            yield Problem("reason", rules.WILDCARD_REASON, "give the reason (at least 10 characters) for the '*'")


def invoke_generated_runtimes(name_prefix: str, *, reason: str = GENERATED_RUNTIMES_REASON) -> GeneratedRuntimesGrant:
    """``invoke_generated_runtimes("agent_")``: invoking the runtimes named ``{system}_{stage}_agent_*``."""
    return GeneratedRuntimesGrant(name_prefix, reason)


RETRIEVAL_REASON = (
    "knowledge bases are created at run time, one per user agent, under ids Bedrock picks: no knowledge base "
    "ARN is known when the infrastructure is defined")


@attrs.frozen
class RetrievalGrant(Validated):
    """``bedrock:Retrieve`` on the account's knowledge bases in the stack's Region (``knowledge-base/*``)."""

    _subject = "grant"
    reason: str = RETRIEVAL_REASON

    def problems(self) -> Iterator[Problem]:
        if not (isinstance(self.reason, str) and len(self.reason.strip()) >= 10):
            yield Problem("reason", rules.WILDCARD_REASON,
                          "give the reason (at least 10 characters) for knowledge-base/*")


def knowledge_base_retrieval(*, reason: str = RETRIEVAL_REASON) -> RetrievalGrant:
    return RetrievalGrant(reason)


AI_GRANTS = (ModelGrant, TargetGrant, RuntimeManagementGrant, RetrievalGrant, GeneratedRuntimesGrant)
ANY_GRANT = (ResourceGrant, ServiceGrant, *AI_GRANTS)


class GrantHolder:
    """Code that is granted access (functions, agent runtimes, service roles): its grants by type."""

    grants: tuple[Any, ...]

    @property
    def resource_grants(self) -> tuple[ResourceGrant, ...]:
        return tuple(g for g in self.grants if isinstance(g, ResourceGrant))

    @property
    def service_grants(self) -> tuple[ServiceGrant, ...]:
        return tuple(g for g in self.grants if isinstance(g, ServiceGrant))
