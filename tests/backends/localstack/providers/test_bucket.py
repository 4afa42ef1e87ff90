"""The bucket provider: every bucket of the platform has the model's versioning, encryption, public access
block, TLS-only policy and lifecycle rules."""

from __future__ import annotations

import json

import pytest

from oratio.backends.localstack import Target
from oratio.model import Encryption, System

pytestmark = pytest.mark.localstack


def test_every_bucket_has_the_models_versioning_encryption_and_lifecycle(target: Target, deployed: System) -> None:
    s3 = target.client("s3")
    for bucket in deployed.buckets:
        name = deployed.bucket_name(bucket, target.place.account)
        assert (s3.get_bucket_versioning(Bucket=name).get("Status") == "Enabled") == bucket.versioned
        rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
        assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == {
            Encryption.S3_MANAGED: "AES256", Encryption.KMS_MANAGED: "aws:kms"}[bucket.encryption]
        assert all(s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"].values())
        policy = json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])
        assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        if bucket.lifecycle_rules:
            lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
            assert [r["ID"] for r in lifecycle] == [r.id for r in bucket.lifecycle_rules]
