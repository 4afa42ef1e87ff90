"""cdk-nag on every synth, and the model's reasons as its acknowledgements: nothing is silenced without one.

Two sources of reasons, both in the model: a resource's ``exemptions`` (backend-neutral check names, mapped here
onto cdk-nag's rule ids) and the reason of every statement with a wildcard resource
(``oratio.model.permissions``: Bedrock's run-time resources, a bucket's objects, X-Ray and log delivery).
"""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import Acknowledgment, App, Validations
from constructs import IConstruct

from oratio.model import Exemption, System
from oratio.model.permissions import Place, ResourceArn, Statement, arn

# The model's check names to the AwsSolutions rules that check the same thing.
NAG_RULES: dict[str, tuple[str, ...]] = {
    "access-logs": ("AwsSolutions-S1", "AwsSolutions-APIG1"),
    "mfa-required": ("AwsSolutions-COG2",),
    "advanced-security": ("AwsSolutions-COG3", "AwsSolutions-COG8"),
    "latest-runtime": ("AwsSolutions-L1",),
    "dead-letter-queue": ("AwsSolutions-SQS3",),
    "reserved-concurrency": (),
    "customer-managed-key": ("AwsSolutions-SMG4",),
}


def add_nag(app: App) -> None:
    from cdk_nag import AwsSolutionsChecks  # imported here: loading it costs a second and tests may skip nag

    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge_exemptions(construct: IConstruct, exemptions: Iterable[Exemption]) -> None:
    for exemption in exemptions:
        for rule_id in NAG_RULES[exemption.check]:
            Validations.of(construct).acknowledge(Acknowledgment(id=rule_id, reason=exemption.reason))


# cdk-nag writes a pseudo parameter reference inside a finding id as <AWS::Name>.
NAG_PLACE = Place("<AWS::Partition>", "<AWS::Region>", "<AWS::AccountId>")


def nag_finding(system: System, resource: ResourceArn | str) -> str:
    """cdk-nag's id for a wildcard resource, e.g. ``AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::b/*]``."""
    return f"AwsSolutions-IAM5[Resource::{arn(resource, system, NAG_PLACE)}]"


def acknowledge_wildcards(role: IConstruct, system: System, statements: Iterable[Statement]) -> None:
    """One IAM5 acknowledgement per wildcard resource, with the reason the model gives for it."""
    for statement in statements:
        for resource in statement.wildcard_resources:
            Validations.of(role).acknowledge(Acknowledgment(id=nag_finding(system, resource),
                                                            reason=statement.reason or ""))


def acknowledge_public_route(route: IConstruct, reason: str) -> None:
    """A route the model makes public (no authorizer): APIG4 acknowledged with the route's own reason."""
    Validations.of(route).acknowledge(Acknowledgment(id="AwsSolutions-APIG4", reason=reason))
