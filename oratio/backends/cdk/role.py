"""Roles holding exactly the model's statements (``oratio.model.permissions``), for functions, workflows, agent
runtimes and service roles alike: nothing the CDK would add on its own."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from constructs import Construct

from oratio.backends.cdk.common import PLACE, tag
from oratio.model import AgentRuntime, ServiceRole, System
from oratio.model.permissions import Statement, arn, trust, trust_conditions


def policy_document(system: System, statements: tuple[Statement, ...]) -> iam.PolicyDocument:
    """The model's statements, with ARNs built from the model's names: stacks refer to each other's resources
    by name, not by CloudFormation exports, which would freeze the exporting stack while anything imports."""
    return iam.PolicyDocument(statements=[
        iam.PolicyStatement(actions=list(s.actions), resources=[arn(r, system, PLACE) for r in s.resources],
                            conditions=conditions(s) or None)
        for s in statements
    ])


def conditions(statement: Statement) -> dict[str, dict[str, str]]:
    """A statement's IAM conditions as a policy's ``Condition`` block: ``{operator: {key: value}}``."""
    block: dict[str, dict[str, str]] = {}
    for operator, key, value in statement.conditions:
        block.setdefault(operator, {})[key] = value
    return block


def model_role(scope: Construct, construct_id: str, service: str, system: System,
               statements: tuple[Statement, ...], description: str) -> iam.IRole:
    """A role with one inline policy from the model. Returned immutable, so that constructs given it (the
    function, the state machine with its logging and tracing) cannot widen it behind the model's back."""
    role = iam.Role(scope, construct_id, assumed_by=iam.ServicePrincipal(service), description=description,
                    inline_policies={"model": policy_document(system, statements)} if statements else None)
    return role.without_policy_updates()


def trusted_role(scope: Construct, construct_id: str, system: System, holder: ServiceRole | AgentRuntime,
                 statements: tuple[Statement, ...], description: str, role_name: str | None = None) -> iam.Role:
    """A role only ``holder``'s service may assume, for this account's resources of that service (the
    confused-deputy conditions the model states: ``aws:SourceAccount``, ``aws:SourceArn``)."""
    principal = iam.ServicePrincipal(trust(holder).service, conditions=trust_conditions(holder, PLACE))
    role = iam.Role(scope, construct_id, assumed_by=principal, description=description, role_name=role_name,
                    inline_policies={"model": policy_document(system, statements)} if statements else None)
    tag(role, system)
    return role
