"""S3 vector buckets (Amazon S3 Vectors): the bucket with its encryption. Its indexes are made at run time (one per
agent, by the platform's kb-provisioner), so the bucket holds data: a retained one outlives its system, and one the
model lets go is deleted with its indexes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from oratio.backends.localstack.providers.base import (
    MEASURE_BOUND,
    Context,
    Live,
    Measure,
    Provider,
    Spec,
    listed,
    unless_missing,
)
from oratio.backends.localstack.target import Target
from oratio.model import Retention, System, VectorBucket

SSE_S3 = "AES256"  # the model's only encryption for vector buckets (V102)


class VectorBucketProvider(Provider):
    kind = "vector-bucket"
    level = 0
    collection = "vector_buckets"
    holds_data = True
    replace_fields = frozenset({"encryption"})  # S3 Vectors sets a bucket's encryption at creation only

    def desired(self, resource: VectorBucket, context: Context) -> list[Spec]:
        return [Spec(self.kind, resource.name, context.system.physical_name(resource), {"encryption": SSE_S3},
                     retain=resource.retention is Retention.RETAIN)]

    def read(self, target: Target, spec: Spec) -> Live | None:
        bucket = unless_missing(lambda: target.client("s3vectors").get_vector_bucket(
            vectorBucketName=spec.physical)["vectorBucket"], "NotFoundException")
        if bucket is None:
            return None
        encryption = (bucket.get("encryptionConfiguration") or {}).get("sseType", SSE_S3)
        return Live({"encryption": encryption}, self.listed_tags(target, spec.physical, bucket))

    def measure(self, target: Target, physical: str) -> Measure:
        """Vectors across the bucket's indexes (ListVectors, pages of up to ``MEASURE_BOUND``), counted up to the
        bound; a bucket with indexes but no vectors holds its indexes."""
        s3vectors = target.client("s3vectors")
        indexes = [index["indexName"] for index in listed(s3vectors, "list_indexes", "indexes",
                                                          vectorBucketName=physical)]
        count = 0
        for index in indexes:
            page = s3vectors.list_vectors(vectorBucketName=physical, indexName=index, maxResults=MEASURE_BOUND)
            count += len(page.get("vectors", []))
            if count >= MEASURE_BOUND or page.get("nextToken"):
                return Measure(count, "vector", at_least=True)
        if count == 0 and indexes:
            return Measure(len(indexes), "vector index")
        return Measure(count, "vector")

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        target.client("s3vectors").create_vector_bucket(
            vectorBucketName=spec.physical, encryptionConfiguration={"sseType": spec.props["encryption"]}, tags=tags)

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        s3vectors = target.client("s3vectors")
        arn = s3vectors.get_vector_bucket(vectorBucketName=spec.physical)["vectorBucket"]["vectorBucketArn"]
        s3vectors.tag_resource(resourceArn=arn, tags=tags)

    def delete(self, target: Target, physical: str) -> None:
        # Only vector buckets the model lets go (DESTROY) get here: their indexes go with them (S3 Vectors deletes
        # only an empty bucket). Retained ones never reach this.
        s3vectors = target.client("s3vectors")
        for index in listed(s3vectors, "list_indexes", "indexes", vectorBucketName=physical):
            s3vectors.delete_index(vectorBucketName=physical, indexName=index["indexName"])
        s3vectors.delete_vector_bucket(vectorBucketName=physical)

    def listing(self, target: Target, prefix: str) -> Iterable[tuple[str, Any]]:
        return ((bucket["vectorBucketName"], bucket)
                for bucket in listed(target.client("s3vectors"), "list_vector_buckets", "vectorBuckets", prefix=prefix))

    def listed_tags(self, target: Target, physical: str, item: Any) -> dict[str, str]:
        return target.client("s3vectors").list_tags_for_resource(resourceArn=item["vectorBucketArn"]).get("tags", {})

    def output(self, target: Target, system: System, resource: VectorBucket) -> str:
        return system.physical_name(resource)
