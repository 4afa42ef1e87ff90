"""Amazon S3 Vectors, served by oratio's plug-in with QueryVectors (LocalStack's bundled moto has no QueryVectors,
and keeps its vector buckets per partition rather than per region).

Every operation of the ``s3vectors`` API, with state per account and region (``S3VectorsStore``). Each index keeps
its vectors in one contiguous float32 matrix (numpy) with each row's norm, both updated on PutVectors, so that
QueryVectors is one matrix-vector product and a partial sort (``argpartition``): 10,000 vectors of 1,024
dimensions answer in about 2 ms of computation. The product is numpy's own single-threaded loop (``einsum``), not
BLAS: OpenBLAS's threads spin against each other on a busy machine (10 ms instead of 1.7 ms on 2 shared cores).
Vector data skips LocalStack's per-element request parsing (``VectorsRequestParser``): a 1,024-float query is
taken as JSON gave it and checked once, by numpy. Metadata filters follow the documented
operators ($eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $exists, $and, $or; a bare value is $eq; an array value in
the metadata matches $eq/$in when any element matches).
Distances: cosine distance (1 - cosine similarity) or euclidean distance, by the index's metric.

``query_index`` and ``put_vectors_in_index`` are the in-process entry points used by the knowledge bases
(``knowledge_bases``).

Limits as AWS documents them (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-vectors-limitations.html):
dimension 1..4096, up to 500 vectors per PutVectors, topK up to 100 (30 during the preview), names 3..63
characters of lowercase letters, digits, hyphens and dots.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
from localstack.aws.api import CommonServiceException, RequestContext
from localstack.services.stores import AccountRegionBundle, BaseStore, LocalAttribute

MAX_DIMENSION = 4096
MAX_TOP_K = 100
MAX_PUT_VECTORS = 500
MAX_GET_DELETE_KEYS = 100
MAX_LIST_RESULTS = 1000
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
COMPARISONS = ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists")


class VectorIndex:
    """One index: keys, a float32 matrix grown by doubling, and the metadata of each row."""

    def __init__(self, bucket: VectorBucket, name: str, dimension: int, metric: str,
                 non_filterable: list[str], encryption: dict[str, Any] | None) -> None:
        self.bucket, self.name, self.dimension, self.metric = bucket, name, dimension, metric
        self.arn = f"{bucket.arn}/index/{name}"
        self.non_filterable = set(non_filterable)
        self.encryption = encryption
        self.created = datetime.now(UTC)
        self.keys: list[str] = []
        self.rows: dict[str, int] = {}
        self.metadata: list[Any] = []
        self.matrix = np.zeros((16, dimension), dtype=np.float32)
        self.norms = np.zeros(16, dtype=np.float32)
        self.lock = threading.Lock()

    def put(self, key: str, vector: np.ndarray, metadata: Any) -> None:
        row = self.rows.get(key)
        if row is None:
            row = len(self.keys)
            if row == self.matrix.shape[0]:
                self.matrix = np.concatenate([self.matrix, np.zeros_like(self.matrix)])
                self.norms = np.concatenate([self.norms, np.zeros_like(self.norms)])
            self.keys.append(key)
            self.metadata.append(None)
            self.rows[key] = row
        self.matrix[row] = vector
        self.norms[row] = float(np.linalg.norm(vector))
        self.metadata[row] = metadata

    def delete(self, key: str) -> None:
        row = self.rows.pop(key, None)
        if row is None:
            return
        last = len(self.keys) - 1
        if row != last:  # move the last row into the hole
            moved = self.keys[last]
            self.keys[row], self.metadata[row] = moved, self.metadata[last]
            self.matrix[row], self.norms[row] = self.matrix[last], self.norms[last]
            self.rows[moved] = row
        self.keys.pop()
        self.metadata.pop()

    def describe(self) -> dict[str, Any]:
        described = {"vectorBucketName": self.bucket.name, "indexName": self.name, "indexArn": self.arn,
                     "creationTime": self.created, "dataType": "float32", "dimension": self.dimension,
                     "distanceMetric": self.metric}
        if self.non_filterable:
            described["metadataConfiguration"] = {"nonFilterableMetadataKeys": sorted(self.non_filterable)}
        if self.encryption:
            described["encryptionConfiguration"] = self.encryption
        return described


class VectorBucket:
    def __init__(self, account: str, region: str, name: str, encryption: dict[str, Any] | None) -> None:
        self.name = name
        self.arn = f"arn:aws:s3vectors:{region}:{account}:bucket/{name}"
        self.encryption = encryption or {"sseType": "AES256"}
        self.created = datetime.now(UTC)
        self.indexes: dict[str, VectorIndex] = {}
        self.policy: str | None = None

    def describe(self) -> dict[str, Any]:
        return {"vectorBucketName": self.name, "vectorBucketArn": self.arn, "creationTime": self.created,
                "encryptionConfiguration": self.encryption}


class S3VectorsStore(BaseStore):
    buckets: dict[str, VectorBucket] = LocalAttribute(default=dict)
    tags: dict[str, dict[str, str]] = LocalAttribute(default=dict)


stores = AccountRegionBundle("s3vectors", S3VectorsStore, validate=False)


def store_of(account: str, region: str) -> S3VectorsStore:
    return stores[account][region]


def _store(context: RequestContext) -> S3VectorsStore:
    return store_of(context.account_id, context.region)


# --- Errors -----------------------------------------------------------------------------------------------------
def validation(message: str) -> CommonServiceException:
    return CommonServiceException("ValidationException", message, status_code=400)


def not_found(message: str) -> CommonServiceException:
    return CommonServiceException("NotFoundException", message, status_code=404)


def conflict(message: str) -> CommonServiceException:
    return CommonServiceException("ConflictException", message, status_code=409)


def _check_name(value: Any, field: str) -> str:
    if not isinstance(value, str) or not NAME_PATTERN.match(value) or ".." in value:
        raise validation(f"Invalid {field} '{value}': 3 to 63 characters of lowercase letters, digits, hyphens and "
                         "dots, beginning and ending with a letter or digit")
    return value


# --- Resolution -------------------------------------------------------------------------------------------------
def _bucket(store: S3VectorsStore, name: str | None = None, arn: str | None = None) -> VectorBucket:
    if bool(name) == bool(arn):
        raise validation("Must specify either vectorBucketName or vectorBucketArn but not both")
    if arn:
        name = arn.split(":bucket/", 1)[-1] if ":bucket/" in arn else ""
    bucket = store.buckets.get(name or "")
    if bucket is None or (arn and bucket.arn != arn):
        raise not_found("The specified vector bucket could not be found")
    return bucket


def _index(store: S3VectorsStore, request: dict[str, Any]) -> VectorIndex:
    arn, bucket_name, name = request.get("indexArn"), request.get("vectorBucketName"), request.get("indexName")
    if arn and (bucket_name or name):
        raise validation("Must specify either indexArn or both vectorBucketName and indexName")
    if arn:
        match = re.match(r"^arn:aws[^:]*:s3vectors:[^:]*:\d*:bucket/([^/]+)/index/([^/]+)$", arn)
        if not match:
            raise validation(f"Invalid indexArn '{arn}'")
        bucket_name, name = match.groups()
    elif not (bucket_name and name):
        raise validation("Must specify either indexArn or both vectorBucketName and indexName")
    bucket = store.buckets.get(bucket_name or "")
    index = bucket.indexes.get(name or "") if bucket else None
    if index is None:
        raise not_found("The specified index could not be found")
    return index


# --- Buckets ----------------------------------------------------------------------------------------------------
def create_vector_bucket(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    store, name = _store(context), _check_name(request.get("vectorBucketName"), "vectorBucketName")
    if name in store.buckets:
        raise conflict("A vector bucket with the specified name already exists")
    bucket = VectorBucket(context.account_id, context.region, name, request.get("encryptionConfiguration"))
    store.buckets[name] = bucket
    if request.get("tags"):
        store.tags[bucket.arn] = dict(request["tags"])
    return {"vectorBucketArn": bucket.arn}


def get_vector_bucket(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    bucket = _bucket(_store(context), request.get("vectorBucketName"), request.get("vectorBucketArn"))
    return {"vectorBucket": bucket.describe()}


def _page(items: list[Any], request: dict[str, Any], default: int = 500) -> tuple[list[Any], str | None]:
    size = int(request.get("maxResults") or default)
    if not 1 <= size <= MAX_LIST_RESULTS:
        raise validation(f"maxResults must be between 1 and {MAX_LIST_RESULTS}, inclusive (got {size})")
    token = request.get("nextToken")
    try:
        start = int(token) if token else 0
    except ValueError:
        raise validation(f"Invalid nextToken '{token}'") from None
    page = items[start:start + size]
    return page, (str(start + size) if start + size < len(items) else None)


def list_vector_buckets(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    prefix = request.get("prefix") or ""
    buckets = sorted((b for b in _store(context).buckets.values() if b.name.startswith(prefix)), key=lambda b: b.name)
    page, token = _page(buckets, request)
    result: dict[str, Any] = {"vectorBuckets": [{k: v for k, v in b.describe().items()
                                                 if k != "encryptionConfiguration"} for b in page]}
    if token:
        result["nextToken"] = token
    return result


def delete_vector_bucket(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    store = _store(context)
    bucket = _bucket(store, request.get("vectorBucketName"), request.get("vectorBucketArn"))
    if bucket.indexes:
        raise conflict("The specified vector bucket is not empty")
    del store.buckets[bucket.name]
    store.tags.pop(bucket.arn, None)
    return {}


def put_vector_bucket_policy(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    _bucket(_store(context), request.get("vectorBucketName"), request.get("vectorBucketArn")).policy = request["policy"]
    return {}


def get_vector_bucket_policy(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    bucket = _bucket(_store(context), request.get("vectorBucketName"), request.get("vectorBucketArn"))
    if bucket.policy is None:
        raise not_found("The specified vector bucket policy could not be found")
    return {"policy": bucket.policy}


def delete_vector_bucket_policy(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    _bucket(_store(context), request.get("vectorBucketName"), request.get("vectorBucketArn")).policy = None
    return {}


# --- Indexes ----------------------------------------------------------------------------------------------------
def create_index(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    store = _store(context)
    bucket = _bucket(store, request.get("vectorBucketName"), request.get("vectorBucketArn"))
    name = _check_name(request.get("indexName"), "indexName")
    if request.get("dataType") != "float32":
        raise validation("Value at '/dataType' failed to satisfy constraint: Member must satisfy enum value set: "
                         "[float32]")
    dimension = request.get("dimension")
    if not isinstance(dimension, int) or not 1 <= dimension <= MAX_DIMENSION:
        raise validation(f"Value {dimension} at '/dimension' failed to satisfy constraint: Member must be between 1 "
                         f"and {MAX_DIMENSION}, inclusive")
    if request.get("distanceMetric") not in ("euclidean", "cosine"):
        raise validation(f"Value '{request.get('distanceMetric')}' at '/distanceMetric' failed to satisfy "
                         "constraint: Member must satisfy enum value set: [euclidean, cosine]")
    if name in bucket.indexes:
        raise conflict("An index with the specified name already exists")
    non_filterable = (request.get("metadataConfiguration") or {}).get("nonFilterableMetadataKeys") or []
    index = VectorIndex(bucket, name, dimension, request["distanceMetric"], non_filterable,
                        request.get("encryptionConfiguration"))
    bucket.indexes[name] = index
    if request.get("tags"):
        store.tags[index.arn] = dict(request["tags"])
    return {"indexArn": index.arn}


def get_index(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return {"index": _index(_store(context), request).describe()}


def list_indexes(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    bucket = _bucket(_store(context), request.get("vectorBucketName"), request.get("vectorBucketArn"))
    prefix = request.get("prefix") or ""
    indexes = sorted((i for i in bucket.indexes.values() if i.name.startswith(prefix)), key=lambda i: i.name)
    page, token = _page(indexes, request)
    result: dict[str, Any] = {"indexes": [{"vectorBucketName": bucket.name, "indexName": i.name, "indexArn": i.arn,
                                           "creationTime": i.created} for i in page]}
    if token:
        result["nextToken"] = token
    return result


def delete_index(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    store = _store(context)
    index = _index(store, request)
    del index.bucket.indexes[index.name]
    store.tags.pop(index.arn, None)
    return {}


# --- Vectors ----------------------------------------------------------------------------------------------------
def _vector(index: VectorIndex, data: Any, what: str) -> np.ndarray:
    values = (data or {}).get("float32") if isinstance(data, dict) else None
    if not isinstance(values, list):
        raise validation(f"{what}: vector data must be given as float32")
    if len(values) != index.dimension:
        raise validation(f"{what}: vector must have length {index.dimension}, but has length {len(values)}")
    # The values come as JSON gave them (VectorsRequestParser): numbers only, checked here in one pass.
    try:
        given = np.asarray(values)
    except ValueError:  # ragged nesting
        given = np.asarray([None])
    if given.ndim != 1 or given.dtype.kind not in "iuf" or any(type(v) is bool for v in values):
        raise validation(f"{what}: vector values must be numbers")
    vector = given.astype(np.float32)
    if not np.all(np.isfinite(vector)):
        raise validation(f"{what}: vector values must be finite numbers")
    if index.metric == "cosine" and not np.any(vector):
        raise validation(f"{what}: a vector of zeros has no cosine distance; the index uses the cosine metric")
    return vector


def put_vectors_in_index(index: VectorIndex, vectors: list[dict[str, Any]]) -> None:
    """Validates every vector first (all or nothing, as on AWS), then writes them."""
    if not 1 <= len(vectors) <= MAX_PUT_VECTORS:
        raise validation(f"Value at '/vectors' failed to satisfy constraint: Member must have length between 1 and "
                         f"{MAX_PUT_VECTORS}, inclusive (got {len(vectors)})")
    checked = []
    for vector in vectors:
        key = vector.get("key")
        if not isinstance(key, str) or not 1 <= len(key) <= 1024:
            raise validation(f"Invalid vector key {key!r}: 1 to 1024 characters")
        metadata = vector.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise validation(f"Invalid record for key '{key}': metadata must be a JSON object")
        checked.append((key, _vector(index, vector.get("data"), f"Invalid record for key '{key}'"), metadata))
    with index.lock:
        for key, data, metadata in checked:
            index.put(key, data, metadata)


def put_vectors(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    put_vectors_in_index(_index(_store(context), request), request.get("vectors") or [])
    return {}


def _keys(request: dict[str, Any]) -> list[str]:
    keys = request.get("keys") or []
    if not 1 <= len(keys) <= MAX_GET_DELETE_KEYS:
        raise validation(f"Value at '/keys' failed to satisfy constraint: Member must have length between 1 and "
                         f"{MAX_GET_DELETE_KEYS}, inclusive")
    return keys


def _output(index: VectorIndex, row: int, data: bool, metadata: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"key": index.keys[row]}
    if data:
        out["data"] = {"float32": [float(v) for v in index.matrix[row]]}
    if metadata and index.metadata[row] is not None:
        out["metadata"] = index.metadata[row]
    return out


def get_vectors(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    index = _index(_store(context), request)
    keys = _keys(request)
    with index.lock:
        rows = [index.rows[k] for k in keys if k in index.rows]
        return {"vectors": [_output(index, row, bool(request.get("returnData")), bool(request.get("returnMetadata")))
                            for row in rows]}


def list_vectors(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    index = _index(_store(context), request)
    segments, segment = request.get("segmentCount"), request.get("segmentIndex")
    with index.lock:
        rows = sorted(range(len(index.keys)), key=lambda r: index.keys[r])
        if segments:
            if segment is None or not 0 <= segment < segments:
                raise validation("segmentIndex must be given with segmentCount, and be less than it")
            rows = rows[segment::segments]
        page, token = _page(rows, request)
        result: dict[str, Any] = {"vectors": [_output(index, row, bool(request.get("returnData")),
                                                      bool(request.get("returnMetadata"))) for row in page]}
    if token:
        result["nextToken"] = token
    return result


def delete_vectors(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    index = _index(_store(context), request)
    keys = _keys(request)
    with index.lock:
        for key in keys:
            index.delete(key)
    return {}


# --- Metadata filters -------------------------------------------------------------------------------------------
def _compare(value: Any, operator: str, operand: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    if operator == "$exists":
        return operand == (value is not None)
    if value is None:
        return operator in ("$ne", "$nin")
    if operator == "$eq":
        return any(v == operand for v in values)
    if operator == "$ne":
        return all(v != operand for v in values)
    if operator == "$in":
        return any(v in operand for v in values)
    if operator == "$nin":
        return all(v not in operand for v in values)
    number = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    tests: dict[str, Callable[[float], bool]] = {"$gt": lambda v: v > operand, "$gte": lambda v: v >= operand,
                                                 "$lt": lambda v: v < operand, "$lte": lambda v: v <= operand}
    return any(tests[operator](v) for v in number)


def check_filter(expression: Any) -> None:
    """A ValidationException for a filter that is not one of the documented forms."""
    if not isinstance(expression, dict) or not expression:
        raise validation(f"Invalid filter: expected a non-empty JSON object, got {expression!r}")
    for key, condition in expression.items():
        if key in ("$and", "$or"):
            if not isinstance(condition, list) or not condition:
                raise validation(f"Invalid filter: {key} takes a non-empty array of filters")
            for part in condition:
                check_filter(part)
        elif key.startswith("$"):
            raise validation(f"Invalid filter: unknown operator {key} at the top level (allowed: $and, $or)")
        elif isinstance(condition, dict):
            for operator, operand in condition.items():
                if operator not in COMPARISONS:
                    raise validation(f"Invalid filter: unknown operator {operator} (allowed: {', '.join(COMPARISONS)})")
                if operator in ("$gt", "$gte", "$lt", "$lte") and (
                        not isinstance(operand, int | float) or isinstance(operand, bool)):
                    raise validation(f"Invalid filter: {operator} takes a number, got {operand!r}")
                if operator in ("$in", "$nin") and (not isinstance(operand, list) or not operand):
                    raise validation(f"Invalid filter: {operator} takes a non-empty array, got {operand!r}")
                if operator == "$exists" and not isinstance(operand, bool):
                    raise validation(f"Invalid filter: $exists takes a boolean, got {operand!r}")
        elif isinstance(condition, list):
            raise validation(f"Invalid filter: the value for {key} must be a string, number, boolean or operator")


def matches(metadata: Any, expression: dict[str, Any], non_filterable: set[str]) -> bool:
    metadata = metadata or {}
    for key, condition in expression.items():
        if key == "$and":
            if not all(matches(metadata, part, non_filterable) for part in condition):
                return False
        elif key == "$or":
            if not any(matches(metadata, part, non_filterable) for part in condition):
                return False
        else:
            value = None if key in non_filterable else metadata.get(key)
            conditions = condition.items() if isinstance(condition, dict) else [("$eq", condition)]
            if not all(_compare(value, operator, operand) for operator, operand in conditions):
                return False
    return True


# --- QueryVectors -----------------------------------------------------------------------------------------------
def query_index(index: VectorIndex, query: np.ndarray, top_k: int, expression: dict[str, Any] | None = None
                ) -> list[tuple[str, float, Any]]:
    """The ``top_k`` nearest vectors (key, distance, metadata), nearest first, among those matching the filter."""
    with index.lock:
        count = len(index.keys)
        if count == 0:
            return []
        products = np.einsum("ij,j->i", index.matrix[:count], query)  # see the module's documentation: not BLAS
        norms = index.norms[:count]
        if index.metric == "cosine":
            distances = 1.0 - products / (norms * np.float32(np.linalg.norm(query)))
        else:
            difference_sq = np.square(norms) - 2.0 * products + np.float32(query @ query)
            distances = np.sqrt(np.maximum(difference_sq, 0.0))
        if expression:  # nearest first, the filter evaluated until top_k match: exact, and cheap when many match
            found = []
            for row in np.argsort(distances, kind="stable"):
                if matches(index.metadata[row], expression, index.non_filterable):
                    found.append((index.keys[row], float(distances[row]), index.metadata[row]))
                    if len(found) == top_k:
                        break
            return found
        k = min(top_k, count)
        nearest = np.argpartition(distances, k - 1)[:k] if k < len(distances) else np.arange(len(distances))
        nearest = nearest[np.argsort(distances[nearest], kind="stable")]
        return [(index.keys[row], float(distances[row]), index.metadata[row]) for row in nearest]


def query_vectors(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    index = _index(_store(context), request)
    top_k = request.get("topK")
    if not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
        raise validation(f"Value {top_k} at '/topK' failed to satisfy constraint: Member must be between 1 and "
                         f"{MAX_TOP_K}, inclusive")
    query = _vector(index, request.get("queryVector"), "Invalid query vector")
    expression = request.get("filter")
    if expression is not None:
        check_filter(expression)
    found = query_index(index, query, top_k, expression)
    want_metadata, want_distance = bool(request.get("returnMetadata")), bool(request.get("returnDistance"))
    vectors = []
    for key, distance, metadata in found:
        out: dict[str, Any] = {"key": key}
        if want_distance:
            out["distance"] = distance
        if want_metadata and metadata is not None:
            out["metadata"] = metadata
        vectors.append(out)
    return {"vectors": vectors, "distanceMetric": index.metric}


# --- Request parsing -------------------------------------------------------------------------------------------
VECTOR_DATA_SHAPE = "Float32VectorData"  # the service model's list of floats inside VectorData


def vectors_request_parser(service: Any) -> Any:
    """LocalStack's rest-json parser for S3 Vectors, except that a vector's float list is taken as JSON gave it
    (``_vector`` checks it with numpy) instead of one ``_parse_shape`` call per element: 512,000 of them for a
    PutVectors of 500 vectors of 1,024 dimensions."""
    from localstack.aws.protocol.parser import RestJSONRequestParser

    class VectorsRequestParser(RestJSONRequestParser):
        def _parse_list(self, request: Any, shape: Any, node: Any, uri_params: Any = None) -> Any:
            if shape.name == VECTOR_DATA_SHAPE and isinstance(node, list):
                return node
            return super()._parse_list(request, shape, node, uri_params)

    return VectorsRequestParser(service)


# --- Tags -------------------------------------------------------------------------------------------------------
def _tagged(store: S3VectorsStore, arn: str) -> None:
    known = {b.arn for b in store.buckets.values()} | {i.arn for b in store.buckets.values()
                                                        for i in b.indexes.values()}
    if arn not in known:
        raise not_found(f"The specified resource could not be found: {arn}")


def tag_resource(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    store = _store(context)
    _tagged(store, request["resourceArn"])
    store.tags.setdefault(request["resourceArn"], {}).update(request.get("tags") or {})
    return {}


def untag_resource(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    store = _store(context)
    _tagged(store, request["resourceArn"])
    for key in request.get("tagKeys") or []:
        store.tags.get(request["resourceArn"], {}).pop(key, None)
    return {}


def list_tags_for_resource(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    store = _store(context)
    _tagged(store, request["resourceArn"])
    return {"tags": dict(store.tags.get(request["resourceArn"], {}))}


S3VECTORS: dict[str, Callable[[RequestContext, dict[str, Any]], dict[str, Any]]] = {
    "CreateVectorBucket": create_vector_bucket, "GetVectorBucket": get_vector_bucket,
    "ListVectorBuckets": list_vector_buckets, "DeleteVectorBucket": delete_vector_bucket,
    "PutVectorBucketPolicy": put_vector_bucket_policy, "GetVectorBucketPolicy": get_vector_bucket_policy,
    "DeleteVectorBucketPolicy": delete_vector_bucket_policy, "CreateIndex": create_index, "GetIndex": get_index,
    "ListIndexes": list_indexes, "DeleteIndex": delete_index, "PutVectors": put_vectors, "GetVectors": get_vectors,
    "ListVectors": list_vectors, "DeleteVectors": delete_vectors, "QueryVectors": query_vectors,
    "TagResource": tag_resource, "UntagResource": untag_resource, "ListTagsForResource": list_tags_for_resource,
}
