"""The agent runtimes' code bucket: where this backend uploads each runtime's .zip for AgentCore to fetch (the CDK
uses its bootstrap assets bucket for the same). One per system and stage, made for the system's runtimes, named so
that no model bucket can have its name: ``{system}-{stage}-{account}-runtime-code`` (a model bucket's name goes on
from the prefix with a logical name, which starts with a letter). Private, encrypted, and holding nothing the
project cannot build again: deleted with its objects when the last runtime goes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from oratio.backends.localstack.providers.base import (
    PAIRS,
    Context,
    Live,
    Provider,
    Spec,
    concurrently,
    unless_missing,
)
from oratio.backends.localstack.providers.bucket import PUBLIC_ACCESS_BLOCKS, all_buckets, create_bucket
from oratio.backends.localstack.target import Target

SUFFIX = "-runtime-code"


class RuntimeCodeProvider(Provider):
    kind = "runtime-code"
    level = 0

    @staticmethod
    def spec(context: Context) -> Spec:
        return Spec("runtime-code", "agent-runtimes", f"{context.system.prefix}-{context.place.account}{SUFFIX}",
                    {"encryption": "AES256", "block_public_access": True})

    def read(self, target: Target, spec: Spec) -> Live | None:
        s3 = target.client("s3")
        if unless_missing(lambda: s3.head_bucket(Bucket=spec.physical), "NoSuchBucket", "404") is None:
            return None
        encryption, block, tags = concurrently(
            lambda: unless_missing(lambda: s3.get_bucket_encryption(Bucket=spec.physical)[
                "ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
                "ServerSideEncryptionConfigurationNotFoundError"),
            lambda: unless_missing(lambda: s3.get_public_access_block(Bucket=spec.physical)[
                "PublicAccessBlockConfiguration"], "NoSuchPublicAccessBlockConfiguration") or {},
            lambda: self.listed_tags(target, spec.physical, None))
        return Live({"encryption": encryption, "block_public_access": all(block.get(k) for k in PUBLIC_ACCESS_BLOCKS)},
                    tags)

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        create_bucket(target, spec.physical)
        self.update(target, spec, set(spec.props), tags)

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        s3 = target.client("s3")
        s3.put_bucket_tagging(Bucket=spec.physical, Tagging={"TagSet": PAIRS.to_list(tags)})
        s3.put_bucket_encryption(Bucket=spec.physical, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": spec.props["encryption"]}}]})
        s3.put_public_access_block(Bucket=spec.physical, PublicAccessBlockConfiguration=dict.fromkeys(
            PUBLIC_ACCESS_BLOCKS, True))

    def delete(self, target: Target, physical: str) -> None:
        s3 = target.client("s3")
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=physical):
            doomed = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if doomed:
                s3.delete_objects(Bucket=physical, Delete={"Objects": doomed, "Quiet": True})
        s3.delete_bucket(Bucket=physical)

    def named_for(self, physical: str, prefix: str) -> bool:
        return physical.startswith(prefix) and physical.endswith(SUFFIX) and physical[len(prefix):][:1].isdigit()

    def listing(self, target: Target, prefix: str) -> Iterable[tuple[str, Any]]:
        return ((bucket["Name"], bucket) for bucket in all_buckets(target))

    def listed_tags(self, target: Target, physical: str, item: Any) -> dict[str, str]:
        return PAIRS.to_dict(unless_missing(lambda: target.client("s3").get_bucket_tagging(Bucket=physical)["TagSet"],
                                            "NoSuchTagSet"))
