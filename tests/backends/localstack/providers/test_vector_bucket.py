"""The vector bucket provider: the platform's vector bucket with SSE-S3 and its ownership tags; a vector bucket
holds data, so destroy keeps a retained one (with its indexes) and deletes one the model lets go with its indexes."""

from __future__ import annotations

import uuid

import pytest

from oratio.backends.localstack import Target, destroy, outputs, up
from oratio.backends.localstack.plan import Action
from oratio.model import Retention, System, VectorBucket

pytestmark = pytest.mark.localstack


def test_the_platforms_vector_bucket_is_encrypted_and_owned(target: Target, deployed: System) -> None:
    s3vectors = target.client("s3vectors")
    for vectors in deployed.vector_buckets:
        name = deployed.physical_name(vectors)
        bucket = s3vectors.get_vector_bucket(vectorBucketName=name)["vectorBucket"]
        assert bucket["encryptionConfiguration"]["sseType"] == "AES256"
        tags = s3vectors.list_tags_for_resource(resourceArn=bucket["vectorBucketArn"])["tags"]
        assert (tags["oratio:system"], tags["oratio:stage"], tags["oratio:retain"]) == (
            deployed.name, deployed.stage, "true")
    assert outputs(target, deployed)["vector_buckets"] == {
        v.name: deployed.physical_name(v) for v in deployed.vector_buckets}


def test_destroy_keeps_a_retained_vector_bucket_and_deletes_the_other_with_its_indexes(target: Target) -> None:
    system = System("vectors", f"t{uuid.uuid4().hex[:8]}", vector_buckets=[
        VectorBucket("kept"), VectorBucket("scratch", retention=Retention.DESTROY)])
    up(target, system)
    s3vectors = target.client("s3vectors")
    for vectors in system.vector_buckets:
        s3vectors.create_index(vectorBucketName=system.physical_name(vectors), indexName="agent-one",
                               dataType="float32", dimension=4, distanceMetric="cosine")
    plan, _ = destroy(target, system)
    assert {(c.action, c.physical) for c in plan.changes} == {
        (Action.RETAIN, system.physical_name(system.vector_buckets[0])),
        (Action.DELETE, system.physical_name(system.vector_buckets[1]))}
    kept = system.physical_name(system.vector_buckets[0])
    names = {b["vectorBucketName"] for b in s3vectors.list_vector_buckets(prefix=f"{system.prefix}-")["vectorBuckets"]}
    assert names == {kept}
    assert [i["indexName"] for i in s3vectors.list_indexes(vectorBucketName=kept)["indexes"]] == ["agent-one"]
    s3vectors.delete_index(vectorBucketName=kept, indexName="agent-one")  # this test's leftovers
    s3vectors.delete_vector_bucket(vectorBucketName=kept)
