"""Tables and buckets as CDK constructs: every property from the model, nothing from defaults we did not choose."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Tags
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from oratio.model import Billing, Bucket, Encryption, Key, Projection, Retention, System, Table

REMOVAL = {Retention.RETAIN: RemovalPolicy.RETAIN, Retention.DESTROY: RemovalPolicy.DESTROY}
ENCRYPTION = {
    Encryption.S3_MANAGED: s3.BucketEncryption.S3_MANAGED,
    Encryption.KMS_MANAGED: s3.BucketEncryption.KMS_MANAGED,
}


def construct_id(name: str) -> str:
    """``api-keys`` → ``ApiKeys``: the construct id (and so the logical id's stem) of a model resource."""
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


def _attribute(key: Key) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=getattr(dynamodb.AttributeType, key.type.name))


def render_table(scope: Construct, system: System, table: Table) -> dynamodb.Table:
    provisioned = table.billing is Billing.PROVISIONED
    construct = dynamodb.Table(
        scope, construct_id(table.name),
        table_name=system.physical_name(table),
        partition_key=_attribute(table.partition_key),
        sort_key=_attribute(table.sort_key) if table.sort_key else None,
        billing_mode=dynamodb.BillingMode.PROVISIONED if provisioned else dynamodb.BillingMode.PAY_PER_REQUEST,
        read_capacity=table.read_capacity if provisioned else None,
        write_capacity=table.write_capacity if provisioned else None,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=table.point_in_time_recovery),
        removal_policy=REMOVAL[table.retention],
        time_to_live_attribute=table.ttl_attribute,
        stream=getattr(dynamodb.StreamViewType, table.stream.name) if table.stream else None,
    )
    for index in table.global_indexes:
        construct.add_global_secondary_index(
            index_name=index.name,
            partition_key=_attribute(index.partition_key),
            sort_key=_attribute(index.sort_key) if index.sort_key else None,
            projection_type=getattr(dynamodb.ProjectionType, index.projection.name),
            non_key_attributes=list(index.non_key_attributes) if index.projection is Projection.INCLUDE else None,
        )
    _tag(construct, system)
    return construct


def render_bucket(scope: Construct, system: System, bucket: Bucket, account: str) -> s3.Bucket:
    construct = s3.Bucket(
        scope, construct_id(bucket.name),
        bucket_name=system.bucket_name(bucket, account),
        versioned=bucket.versioned,
        encryption=ENCRYPTION[bucket.encryption],
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL if bucket.block_public_access else None,
        enforce_ssl=bucket.enforce_tls,
        removal_policy=REMOVAL[bucket.retention],
        lifecycle_rules=[
            s3.LifecycleRule(
                id=rule.id,
                prefix=rule.prefix or None,
                transitions=[s3.Transition(storage_class=s3.StorageClass(t.storage_class.value),
                                           transition_after=Duration.days(t.days)) for t in rule.transitions] or None,
                expiration=Duration.days(rule.expiration_days) if rule.expiration_days else None,
                noncurrent_version_expiration=(Duration.days(rule.noncurrent_version_expiration_days)
                                               if rule.noncurrent_version_expiration_days else None),
                abort_incomplete_multipart_upload_after=(Duration.days(rule.abort_incomplete_upload_days)
                                                         if rule.abort_incomplete_upload_days else None),
            )
            for rule in bucket.lifecycle_rules
        ] or None,
    )
    _tag(construct, system)
    return construct


def _tag(construct: Construct, system: System) -> None:
    for key, value in system.tags.items():
        Tags.of(construct).add(key, value)
