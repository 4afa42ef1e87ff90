"""Tables and buckets of the platform rendered by the CDK backend; expectations come from the model."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match, Template

from oratio.backends.cdk.storage import construct_id
from oratio.model import Retention, System


def account_name(name_with_account: str) -> Any:
    """A name that ends in the deploying account, as CloudFormation writes it: a join with AWS::AccountId."""
    before, after = name_with_account.split("<account>")
    return {"Fn::Join": ["", [part for part in (before, {"Ref": "AWS::AccountId"}, after) if part]]}


def _resource(template: Template, kind: str, name: str) -> dict:
    found = template.find_resources(kind)
    (match,) = [r for logical_id, r in found.items() if logical_id.startswith(construct_id(name))]
    return match


def test_every_table_as_the_model_says(system: System, templates: dict[str, Template]) -> None:
    template = templates["database"]
    template.resource_count_is("AWS::DynamoDB::Table", len(system.tables))
    for table in system.tables:
        resource = _resource(template, "AWS::DynamoDB::Table", table.name)
        props = resource["Properties"]
        assert props["TableName"] == system.physical_name(table)
        assert props["KeySchema"] == [{"AttributeName": k.name, "KeyType": role}
                                      for k, role in zip(table.keys, ("HASH", "RANGE"), strict=False)]
        assert {d["AttributeName"]: d["AttributeType"] for d in props["AttributeDefinitions"]} == {
            name: kind.value for name, kind in table.attribute_definitions().items()}
        assert props["BillingMode"] == table.billing.value
        assert props["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": table.point_in_time_recovery}
        expected_policy = "Retain" if table.retention is Retention.RETAIN else "Delete"
        assert resource["DeletionPolicy"] == expected_policy
        indexes = props.get("GlobalSecondaryIndexes", [])
        assert [(i["IndexName"], i["KeySchema"], i["Projection"]["ProjectionType"]) for i in indexes] == [
            (i.name, [{"AttributeName": k.name, "KeyType": role}
                      for k, role in zip(i.keys, ("HASH", "RANGE"), strict=False)], i.projection.value)
            for i in table.global_indexes]
        assert {"Key": "oratio:stage", "Value": "dev"} in props["Tags"]


def test_every_bucket_as_the_model_says(system: System, templates: dict[str, Template]) -> None:
    template = templates["storage"]
    template.resource_count_is("AWS::S3::Bucket", len(system.buckets))
    for bucket in system.buckets:
        resource = _resource(template, "AWS::S3::Bucket", bucket.name)
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
