"""Service roles (assumed by Bedrock for knowledge bases, by AgentCore for runtimes): IAM roles named by the model,
trusted by their service with the confused-deputy conditions AWS documents (``aws:SourceAccount``,
``aws:SourceArn``), holding exactly the model's statements. Reads, writes and deletes are the role provider's."""

from __future__ import annotations

from oratio.backends.localstack.providers.base import Context, Spec
from oratio.backends.localstack.providers.role import ROLE_KINDS, RoleProvider, policy_document, role_arn, trust_policy
from oratio.backends.localstack.target import Target
from oratio.model import ServiceRole, System
from oratio.model.permissions import service_role_statements, trust, trust_conditions


class ServiceRoleProvider(RoleProvider):
    kind = "service-role"
    level = 0
    collection = "service_roles"

    def desired(self, resource: ServiceRole, context: Context) -> list[Spec]:
        role, system, place = resource, context.system, context.place
        statements = service_role_statements(system, role)
        return [Spec(self.kind, role.name, system.physical_name(role), {
            "trust": trust_policy(trust(role).service, trust_conditions(role, place)),
            "policy": policy_document(system, statements, place) if statements else None,
            # The model is the whole truth: no other inline policy, no managed policy attached.
            "other_inline_policies": [], "attached_policies": []})]

    def named_for(self, physical: str, prefix: str) -> bool:
        """The system's roles that are not made for one of its functions, workflows or runtimes."""
        return physical.startswith(prefix) and not physical.endswith(tuple(f"-{kind}" for kind in ROLE_KINDS))

    def output(self, target: Target, system: System, resource: ServiceRole) -> str:
        return role_arn(system.physical_name(resource), target.place)
