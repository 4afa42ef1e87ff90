"""S3 buckets: versioning, default encryption, public access block, TLS-only policy and lifecycle rules."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from oratio.backends.localstack.providers.base import (
    MEASURE_BOUND,
    PAIRS,
    Context,
    Live,
    Measure,
    Provider,
    Spec,
    concurrently,
    unless_missing,
)
from oratio.backends.localstack.target import Target
from oratio.model import Bucket, Encryption, LifecycleRule, Retention, System

SSE_ALGORITHMS = {Encryption.S3_MANAGED: "AES256", Encryption.KMS_MANAGED: "aws:kms"}
TLS_SID = "oratio-deny-plain-http"
PUBLIC_ACCESS_BLOCKS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def lifecycle_rule(rule: LifecycleRule) -> dict[str, Any]:
    rendered: dict[str, Any] = {"ID": rule.id, "Filter": {"Prefix": rule.prefix}, "Status": "Enabled"}
    if rule.transitions:
        rendered["Transitions"] = [{"Days": t.days, "StorageClass": t.storage_class.value} for t in rule.transitions]
    if rule.expiration_days:
        rendered["Expiration"] = {"Days": rule.expiration_days}
    if rule.noncurrent_version_expiration_days:
        rendered["NoncurrentVersionExpiration"] = {"NoncurrentDays": rule.noncurrent_version_expiration_days}
    if rule.abort_incomplete_upload_days:
        rendered["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": rule.abort_incomplete_upload_days}
    return rendered


def _normalized_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A lifecycle rule as the spec writes it (S3 may answer with Prefix outside Filter, and extra keys)."""
    prefix = rule.get("Filter", {}).get("Prefix", rule.get("Prefix", ""))
    normalized: dict[str, Any] = {"ID": rule.get("ID"), "Filter": {"Prefix": prefix}, "Status": rule.get("Status")}
    if rule.get("Transitions"):
        normalized["Transitions"] = [{"Days": t["Days"], "StorageClass": t["StorageClass"]}
                                     for t in rule["Transitions"]]
    if rule.get("Expiration", {}).get("Days"):
        normalized["Expiration"] = {"Days": rule["Expiration"]["Days"]}
    if rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays"):
        normalized["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": rule["NoncurrentVersionExpiration"]["NoncurrentDays"]}
    if rule.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation"):
        normalized["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]}
    return normalized


def _statement(statement: dict[str, Any]) -> str:
    """A policy statement as one readable string: "public-read: Allow s3:GetObject for * on arn:..."."""
    principal = statement.get("Principal")
    if isinstance(principal, dict) and len(principal) == 1:
        principal = next(iter(principal.values()))
    return (f"{statement.get('Sid', '(no Sid)')}: {statement.get('Effect')} {json.dumps(statement.get('Action'))} "
            f"for {json.dumps(principal)} on {json.dumps(statement.get('Resource'))}")


def _grant(grant: dict[str, Any]) -> str:
    """An ACL grant as one readable string: "READ to http://acs.amazonaws.com/groups/global/AllUsers"."""
    grantee = grant.get("Grantee", {})
    who = grantee.get("URI") or grantee.get("ID") or grantee.get("EmailAddress") or grantee.get("Type")
    return f"{grant.get('Permission')} to {who}"


def _tls_policy(bucket: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": TLS_SID, "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}


def create_bucket(target: Target, name: str) -> None:
    """CreateBucket in the target's region (us-east-1 takes no location constraint; every other region needs one)."""
    request: dict[str, Any] = {"Bucket": name}
    if target.region != "us-east-1":
        request["CreateBucketConfiguration"] = {"LocationConstraint": target.region}
    target.client("s3").create_bucket(**request)


def all_buckets(target: Target) -> list[dict[str, Any]]:
    """Every S3 bucket (the model's buckets and the runtimes' code bucket are found in one listing)."""
    return target.once("s3:buckets", lambda: target.client("s3").list_buckets().get("Buckets", []))


class BucketProvider(Provider):
    kind = "bucket"
    level = 0
    collection = "buckets"
    holds_data = True

    def desired(self, resource: Bucket, context: Context) -> list[Spec]:
        bucket = resource
        return [Spec("bucket", bucket.name, context.system.bucket_name(bucket, context.place.account), {
            "versioned": bucket.versioned,
            "encryption": SSE_ALGORITHMS[bucket.encryption],
            "block_public_access": bucket.block_public_access,
            "enforce_tls": bucket.enforce_tls,
            "lifecycle": [lifecycle_rule(r) for r in bucket.lifecycle_rules],
            # The model is the whole truth: no policy statement but its own, no ACL grant but the owner's.
            "other_policy_statements": [],
            "acl_grants": [],
        }, retain=bucket.retention is Retention.RETAIN)]

    def read(self, target: Target, spec: Spec) -> Live | None:
        s3, name = target.client("s3"), spec.physical
        if unless_missing(lambda: s3.head_bucket(Bucket=name), "NoSuchBucket", "404") is None:
            return None
        # Each setting S3 does not have answers 404 with its own code: read as "not set".
        versioned, encryption, block, policy, lifecycle, acl, tags = concurrently(
            lambda: s3.get_bucket_versioning(Bucket=name).get("Status") == "Enabled",
            lambda: unless_missing(lambda: s3.get_bucket_encryption(Bucket=name)[
                "ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
                "ServerSideEncryptionConfigurationNotFoundError"),
            lambda: unless_missing(lambda: s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"],
                                   "NoSuchPublicAccessBlockConfiguration") or {},
            lambda: unless_missing(lambda: json.loads(s3.get_bucket_policy(Bucket=name)["Policy"]),
                                   "NoSuchBucketPolicy") or {},
            lambda: unless_missing(lambda: s3.get_bucket_lifecycle_configuration(Bucket=name).get("Rules", []),
                                   "NoSuchLifecycleConfiguration") or [],
            lambda: s3.get_bucket_acl(Bucket=name),
            lambda: self.listed_tags(target, name, None))
        owner = acl.get("Owner", {}).get("ID")
        statements = policy.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        return Live({"versioned": versioned, "encryption": encryption,
                     "block_public_access": all(block.get(k) for k in PUBLIC_ACCESS_BLOCKS),
                     "enforce_tls": any(s.get("Sid") == TLS_SID for s in statements),
                     "lifecycle": [_normalized_rule(r) for r in lifecycle],
                     "other_policy_statements": [_statement(s) for s in statements if s.get("Sid") != TLS_SID],
                     "acl_grants": [_grant(g) for g in acl.get("Grants", []) if
                                    g.get("Grantee", {}).get("ID") != owner or g.get("Permission") != "FULL_CONTROL"],
                     }, tags)

    def measure(self, target: Target, physical: str) -> Measure:
        """Objects (ListObjectsV2, one page of ``MEASURE_BOUND``); when none, the old versions a versioned bucket
        keeps (they are lost with it too)."""
        s3 = target.client("s3")
        page = s3.list_objects_v2(Bucket=physical, MaxKeys=MEASURE_BOUND)
        if page.get("KeyCount", 0):
            return Measure(page["KeyCount"], "object", at_least=page.get("IsTruncated", False))
        versions = s3.list_object_versions(Bucket=physical, MaxKeys=MEASURE_BOUND)
        if versions.get("Versions"):
            return Measure(len(versions["Versions"]), "old object version", versions.get("IsTruncated", False))
        return Measure(0, "object")

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        create_bucket(target, spec.physical)
        # Tags first: an interrupted create leaves a bucket that the next run recognizes as its own.
        self._tag(target, spec.physical, tags)
        self.update(target, spec, set(spec.props), tags)

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        s3, name, props = target.client("s3"), spec.physical, spec.props
        if "versioned" in fields:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={
                "Status": "Enabled" if props["versioned"] else "Suspended"})
        if "encryption" in fields:
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": props["encryption"]}}]})
        if "block_public_access" in fields:
            if props["block_public_access"]:
                s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=dict.fromkeys(
                    PUBLIC_ACCESS_BLOCKS, True))
            else:
                s3.delete_public_access_block(Bucket=name)
        if fields & {"enforce_tls", "other_policy_statements"}:  # the model's policy replaces any other
            if props["enforce_tls"]:
                s3.put_bucket_policy(Bucket=name, Policy=json.dumps(_tls_policy(name)))
            else:
                s3.delete_bucket_policy(Bucket=name)
        if "acl_grants" in fields:  # only the owner's grant: the canned ACL private
            s3.put_bucket_acl(Bucket=name, ACL="private")
        if "lifecycle" in fields:
            if props["lifecycle"]:
                s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": props["lifecycle"]})
            else:
                s3.delete_bucket_lifecycle(Bucket=name)
        self._tag(target, name, tags)

    @staticmethod
    def _tag(target: Target, name: str, tags: dict[str, str]) -> None:
        target.client("s3").put_bucket_tagging(Bucket=name, Tagging={"TagSet": PAIRS.to_list(tags)})

    def delete(self, target: Target, physical: str) -> None:
        # Only buckets the model lets go (DESTROY) get here: their objects go with them, as the CDK's
        # auto-delete would do. Retained buckets never reach this.
        s3 = target.client("s3")
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=physical):
            doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                      for v in (*page.get("Versions", []), *page.get("DeleteMarkers", []))]
            if doomed:
                s3.delete_objects(Bucket=physical, Delete={"Objects": doomed, "Quiet": True})
        s3.delete_bucket(Bucket=physical)

    def named_for(self, physical: str, prefix: str) -> bool:
        """A model bucket's name goes on from the prefix with its logical name, which starts with a letter (the
        runtimes' code bucket, ``runtime_code.py``, goes on with the account id)."""
        return physical.startswith(prefix) and physical[len(prefix):][:1].isalpha()

    def listing(self, target: Target, prefix: str) -> Iterable[tuple[str, Any]]:
        return ((bucket["Name"], bucket) for bucket in all_buckets(target))

    def listed_tags(self, target: Target, physical: str, item: Any) -> dict[str, str]:
        tag_set = unless_missing(lambda: target.client("s3").get_bucket_tagging(Bucket=physical)["TagSet"],
                                 "NoSuchTagSet")
        return PAIRS.to_dict(tag_set)

    def output(self, target: Target, system: System, resource: Bucket) -> str:
        return system.bucket_name(resource, target.place.account)
