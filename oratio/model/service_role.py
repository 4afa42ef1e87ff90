"""Service roles: IAM roles that an AWS service assumes on the system's behalf, passed to it at run time (the
knowledge bases' role for Bedrock, the agents' execution role for AgentCore).

Each trust policy carries the confused-deputy conditions AWS documents for its service: ``aws:SourceAccount``
(the stack's account) and ``aws:SourceArn`` (the service's resources in the stack's account and Region):
- Bedrock knowledge bases: https://docs.aws.amazon.com/bedrock/latest/userguide/kb-permissions.html
  (``arn:aws:bedrock:{region}:{account}:knowledge-base/*``);
- AgentCore Runtime: https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-permissions.html
  (``arn:aws:bedrock-agentcore:{region}:{account}:*``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator

import attrs

from oratio.model import rules
from oratio.model.common import (
    Validated,
    check_enum,
    check_exemptions,
    check_identifier,
    check_type,
    exemptions_field,
    to_enum,
    to_tuple,
)
from oratio.model.errors import Problem
from oratio.model.function import grant_problems
from oratio.model.grants import GrantHolder, Named, TargetGrant


class TrustedService(enum.StrEnum):
    """Services a ServiceRole may trust: those whose confused-deputy conditions the model knows."""

    BEDROCK_KNOWLEDGE_BASES = "bedrock.amazonaws.com"
    AGENTCORE_RUNTIME = "bedrock-agentcore.amazonaws.com"


@attrs.frozen
class ServiceRole(Named, GrantHolder, Validated):
    """A role ``service`` assumes, holding exactly ``grants`` (the same vocabulary as functions).

    Its physical name is ``{system}-{stage}-{name}`` (IAM allows 64 characters). ``role.pass_role()`` lets a
    function hand it to its service (``iam:PassRole`` with ``iam:PassedToService``); its ARN reaches the
    function's environment (``<NAME>_ROLE_ARN``).
    """

    _subject = "service role"
    kind = "service-role"
    env_suffix = "ROLE_ARN"
    grant_actions = ("pass",)
    name: str
    service: TrustedService = attrs.field(converter=to_enum(TrustedService))
    grants: tuple = attrs.field(default=(), converter=to_tuple)
    description: str = ""
    exemptions: tuple = exemptions_field()

    @property
    def trusted_service(self) -> str:
        return str(self.service)


    def pass_role(self, env_var: str | None = None) -> TargetGrant:
        return TargetGrant(self, "pass", env_var)


    def problems(self) -> Iterator[Problem]:
        yield from check_identifier("name", self.name, rules.LOGICAL)
        yield from check_enum("service", self.service, TrustedService, rules.ROLE_SERVICE)
        yield from grant_problems(self.grants)
        yield from check_type("description", self.description, str, "a string")
        yield from check_exemptions(self.exemptions)
