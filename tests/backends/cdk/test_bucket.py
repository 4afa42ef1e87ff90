"""The platform's buckets rendered by the CDK backend (``oratio/backends/cdk/bucket.py``); expectations come from
the model."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match, Template

from oratio.backends.cdk.common import construct_id
from oratio.model import System
from tests.backends.cdk.reader import construct_resource


def account_name(name_with_account: str) -> Any:
    """A name that ends in the deploying account, as CloudFormation writes it: a join with AWS::AccountId."""
    before, after = name_with_account.split("<account>")
    return {"Fn::Join": ["", [part for part in (before, {"Ref": "AWS::AccountId"}, after) if part]]}


def test_every_bucket_as_the_model_says(system: System, templates: dict[str, Template]) -> None:
    template = templates["storage"]
    template.resource_count_is("AWS::S3::Bucket", len(system.buckets))
    for bucket in system.buckets:
        resource = construct_resource(template.find_resources("AWS::S3::Bucket"), construct_id(bucket.name))
        props = resource["Properties"]
        assert props["BucketName"] == account_name(system.bucket_name(bucket, "<account>"))
        assert props["BucketEncryption"] == {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
        assert props.get("VersioningConfiguration") == ({"Status": "Enabled"} if bucket.versioned else None)
        rules = props.get("LifecycleConfiguration", {}).get("Rules", [])
        assert [r["Id"] for r in rules] == [r.id for r in bucket.lifecycle_rules]
        for rendered, rule in zip(rules, bucket.lifecycle_rules, strict=True):
            assert [(t["StorageClass"], t["TransitionInDays"]) for t in rendered.get("Transitions", [])] == [
                (t.storage_class.value, t.days) for t in rule.transitions]
            assert rendered.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays") == \
                rule.noncurrent_version_expiration_days
        assert resource["DeletionPolicy"] == "Retain"


def test_buckets_refuse_plain_http(system: System, templates: dict[str, Template]) -> None:
    template = templates["storage"]
    template.resource_count_is("AWS::S3::BucketPolicy", len([b for b in system.buckets if b.enforce_tls]))
    template.has_resource_properties("AWS::S3::BucketPolicy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})])}})
