"""cdk-nag on every synth, and the model's reasons as its acknowledgements: nothing is silenced without one.

Two sources of reasons, both in the model: a resource's ``exemptions`` (backend-neutral check names, mapped here
onto cdk-nag's rule ids and checkov's check ids) and the reason of every statement with a wildcard resource
(``oratio.model.permissions``: Bedrock's run-time resources, a bucket's objects, X-Ray and log delivery).

The same reasons reach checkov (run on the templates by the test suite, ``tests/backends/cdk/test_checkov.py``)
as each resource's ``Metadata.checkov.skip`` list, ``[{"id": "CKV_AWS_18", "comment": reason}]``: checkov's
CloudFormation suppression form, read by its ``ContextParser.collect_skip_comments``.
"""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import Acknowledgment, App, CfnResource, Validations
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
    "vpc": (),
}

# The model's check names to checkov's CloudFormation checks, each with the resource type it applies to: a
# function's exemption reaches its function and its log group (the constructs made for it), each with its checks.
CHECKOV_CHECKS: dict[str, tuple[tuple[str, str], ...]] = {
    "access-logs": (("CKV_AWS_18", "AWS::S3::Bucket"), ("CKV_AWS_95", "AWS::ApiGatewayV2::Stage")),
    "mfa-required": (),
    "advanced-security": (),
    "latest-runtime": (),
    "dead-letter-queue": (("CKV_AWS_116", "AWS::Lambda::Function"),),
    "reserved-concurrency": (("CKV_AWS_115", "AWS::Lambda::Function"),),
    "customer-managed-key": (("CKV_AWS_119", "AWS::DynamoDB::Table"), ("CKV_AWS_158", "AWS::Logs::LogGroup"),
                             ("CKV_AWS_173", "AWS::Lambda::Function")),
    "vpc": (("CKV_AWS_117", "AWS::Lambda::Function"),),
}
# checkov's check of IAM write actions on resource "*" (its list of write actions is its own): a role whose model
# statements have a "*" resource carries their reasons, as cdk-nag's IAM5 acknowledgements do.
CHECKOV_WILDCARD_WRITE = "CKV_AWS_111"
# Between the reasons of one skip that several statements justify (a reason may hold "; " itself).
REASON_SEPARATOR = "\n"


def add_nag(app: App) -> None:
    from cdk_nag import AwsSolutionsChecks  # imported here: loading it costs a second and tests may skip nag

    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge_exemptions(construct: IConstruct, exemptions: Iterable[Exemption],
                           parts: Iterable[IConstruct | None] = ()) -> None:
    """cdk-nag's acknowledgements on ``construct``; checkov's skips on the CloudFormation resources made for the
    same model resource: ``construct``, its parts beside it (``Owner-Logs``, ``Owner-Role``, see part_id) and
    ``parts`` (those named otherwise)."""
    exemptions = tuple(exemptions)
    for exemption in exemptions:
        for rule_id in NAG_RULES[exemption.check]:
            Validations.of(construct).acknowledge(Acknowledgment(id=rule_id, reason=exemption.reason))
    resources = _cfn_resources([*_made_for(construct), *(part for part in parts if part is not None)])
    for exemption in exemptions:
        for check_id, resource_type in CHECKOV_CHECKS[exemption.check]:
            for resource in resources:
                if resource.cfn_resource_type == resource_type:
                    skip_checkov(resource, check_id, exemption.reason)


def skip_checkov(resource: CfnResource, check_id: str, reason: str) -> None:
    """One entry of the resource's ``Metadata.checkov.skip`` (the list kept in check order, one entry a check)."""
    current = resource.get_metadata("checkov") or {}
    skips = [dict(entry) for entry in current.get("skip", []) if entry["id"] != check_id]
    skips.append({"id": check_id, "comment": reason})
    resource.add_metadata("checkov", {"skip": sorted(skips, key=lambda entry: entry["id"])})


def _made_for(construct: IConstruct) -> list[IConstruct]:
    """``construct`` and its siblings named ``<its id>-<part>`` (part_id): every construct of one model resource."""
    scope = construct.node.scope
    if scope is None:
        return [construct]
    prefix = f"{construct.node.id}-"
    return [construct, *(c for c in scope.node.children if c.node.id.startswith(prefix))]


def _cfn_resources(constructs: Iterable[IConstruct]) -> list[CfnResource]:
    return [c for root in constructs for c in root.node.find_all() if isinstance(c, CfnResource)]


# cdk-nag writes a pseudo parameter reference inside a finding id as <AWS::Name>.
NAG_PLACE = Place("<AWS::Partition>", "<AWS::Region>", "<AWS::AccountId>")


def nag_finding(system: System, resource: ResourceArn | str) -> str:
    """cdk-nag's id for a wildcard resource, e.g. ``AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::b/*]``."""
    return f"AwsSolutions-IAM5[Resource::{arn(resource, system, NAG_PLACE)}]"


def acknowledge_wildcards(role: IConstruct, system: System, statements: Iterable[Statement]) -> None:
    """One IAM5 acknowledgement per wildcard resource, with the reason the model gives for it."""
    statements = tuple(statements)
    for statement in statements:
        for resource in statement.wildcard_resources:
            Validations.of(role).acknowledge(Acknowledgment(id=nag_finding(system, resource),
                                                            reason=statement.reason or ""))
    # checkov flags write actions on "*" alone (a bucket's objects, ``bucket/*``, are not "*").
    reasons = sorted({s.reason or "" for s in statements if any(str(r) == "*" for r in s.resources)})
    if reasons:
        for resource in _cfn_resources([role]):
            if resource.cfn_resource_type == "AWS::IAM::Role":
                skip_checkov(resource, CHECKOV_WILDCARD_WRITE, REASON_SEPARATOR.join(reasons))


def acknowledge_public_route(route: IConstruct, reason: str) -> None:
    """A route the model makes public (no authorizer): APIG4 acknowledged with the route's own reason."""
    Validations.of(route).acknowledge(Acknowledgment(id="AwsSolutions-APIG4", reason=reason))
