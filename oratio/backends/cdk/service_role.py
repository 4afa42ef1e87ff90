"""Service roles (assumed by Bedrock for knowledge bases, by AgentCore for runtimes) as IAM roles: trusted by their
service with the confused-deputy conditions the model states, holding exactly the model's statements, and named
by the model (functions refer to them by that name's ARN)."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from constructs import Construct

from oratio.backends.cdk.role import trusted_role
from oratio.model import ServiceRole, System
from oratio.model.permissions import service_role_statements


def render_service_role(scope: Construct, system: System, role: ServiceRole, construct_id: str) -> iam.IRole:
    construct = trusted_role(scope, construct_id, system, role, service_role_statements(system, role),
                             role.description or f"{system.physical_name(role)}: assumed by {role.service}",
                             role_name=system.physical_name(role))
    return construct.without_policy_updates()  # immutable: nothing widens it behind the model's back
