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

    @property
    def reads(self) -> bool:
        return self in (Access.READ, Access.READ_WRITE)

    @property
    def writes(self) -> bool:
        return self in (Access.WRITE, Access.READ_WRITE)


class Grantable:
    """A resource a function can be granted access to; its physical name reaches the function's environment."""

    name: str
    env_suffix: str = ""

    def default_env_var(self) -> str:
        """``knowledge-bases`` (a bucket) becomes ``KNOWLEDGE_BASES_BUCKET``."""
        return f"{re.sub(r'[^A-Za-z0-9]', '_', str(self.name)).upper()}_{self.env_suffix}"

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
