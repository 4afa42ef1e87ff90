"""Service roles as CDK constructs: trusted by their service with the confused-deputy conditions the model states
(``oratio.model.permissions.trust_conditions``), holding exactly the model's statements, and named by the model
(functions refer to them by that name's ARN). Agent runtimes' own roles are made here too."""

from __future__ import annotations

from aws_cdk import Tags
from aws_cdk import aws_iam as iam
from constructs import Construct

from oratio.backends.cdk.functions import PLACE, policy_document
from oratio.model import AgentRuntime, ServiceRole, System
from oratio.model.permissions import Statement, service_role_statements, trust, trust_conditions


def trusted_role(scope: Construct, construct_id: str, system: System, holder: ServiceRole | AgentRuntime,
                 statements: tuple[Statement, ...], description: str, role_name: str | None = None) -> iam.Role:
    """A role only ``holder``'s service may assume, for this account's resources of that service."""
    principal = iam.ServicePrincipal(trust(holder).service, conditions=trust_conditions(holder, PLACE))
    role = iam.Role(scope, construct_id, assumed_by=principal, description=description, role_name=role_name,
                    inline_policies={"model": policy_document(system, statements)} if statements else None)
    for key, value in system.tags.items():
        Tags.of(role).add(key, value)
    return role


def render_service_role(scope: Construct, system: System, role: ServiceRole, construct_id: str) -> iam.IRole:
    construct = trusted_role(scope, construct_id, system, role, service_role_statements(system, role),
                             role.description or f"{system.physical_name(role)}: assumed by {role.service}",
                             role_name=system.physical_name(role))
    return construct.without_policy_updates()  # immutable: nothing widens it behind the model's back
