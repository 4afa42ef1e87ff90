"""A bucket as an S3 construct: every property from the model, nothing from defaults we did not choose."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_s3 as s3
from constructs import Construct

from oratio.backends.cdk.common import REMOVAL, construct_id, tag
from oratio.model import Bucket, Encryption, System

ENCRYPTION = {
    Encryption.S3_MANAGED: s3.BucketEncryption.S3_MANAGED,
    Encryption.KMS_MANAGED: s3.BucketEncryption.KMS_MANAGED,
}


def render_bucket(scope: Construct, system: System, bucket: Bucket, account: str) -> s3.Bucket:
    construct = s3.Bucket(
        scope, construct_id(bucket.name),
        bucket_name=system.bucket_name(bucket, account),
        versioned=bucket.versioned,
        encryption=ENCRYPTION[bucket.encryption],
        # Explicit both ways: without a configuration, S3 blocks all public access by default.
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL if bucket.block_public_access else s3.BlockPublicAccess(
            block_public_acls=False, block_public_policy=False, ignore_public_acls=False,
            restrict_public_buckets=False),
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
    tag(construct, system)
    return construct
