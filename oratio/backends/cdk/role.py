"""Roles holding exactly the model's statements (``oratio.model.permissions``), for functions and workflows alike:
nothing the CDK would add on its own."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from constructs import Construct

from oratio.backends.cdk.common import PLACE
from oratio.model import System
from oratio.model.permissions import Statement, arn


def policy_document(system: System, statements: tuple[Statement, ...]) -> iam.PolicyDocument:
    """The model's statements, with ARNs built from the model's names: stacks refer to each other's resources
    by name, not by CloudFormation exports, which would freeze the exporting stack while anything imports."""
    return iam.PolicyDocument(statements=[
        iam.PolicyStatement(actions=list(s.actions), resources=[arn(r, system, PLACE) for r in s.resources])
        for s in statements
    ])


def model_role(scope: Construct, construct_id: str, service: str, system: System,
               statements: tuple[Statement, ...], description: str) -> iam.IRole:
    """A role with one inline policy from the model. Returned immutable, so that constructs given it (the
    function, the state machine with its logging and tracing) cannot widen it behind the model's back."""
    role = iam.Role(scope, construct_id, assumed_by=iam.ServicePrincipal(service), description=description,
                    inline_policies={"model": policy_document(system, statements)} if statements else None)
    return role.without_policy_updates()
