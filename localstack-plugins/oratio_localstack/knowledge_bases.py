"""Bedrock knowledge bases stored in S3 Vectors, for real: ingestion reads the data source's documents from
LocalStack's S3, chunks them, embeds the chunks with the local embedding stand-in (``bedrock_models.embed``) and
writes them to the knowledge base's vector index (``s3vectors``); bedrock-agent-runtime Retrieve queries it.

- CreateKnowledgeBase with ``storageConfiguration.type == "S3_VECTORS"`` (moto refuses that type): the vector
  bucket and index must exist; the knowledge base keeps moto's record (get/list/delete stay moto's) with an
  AWS-shaped id (10 upper-case alphanumerics). Other storage types go to moto unchanged.
- StartIngestionJob on such a knowledge base ingests at once (a text document a chunk list; binary documents
  count as failed, with the reason) and reports, through ``bedrock``'s job records, IN_PROGRESS then COMPLETE (or
  FAILED) with real statistics: scanned, new, modified, deleted, failed. Removed documents' vectors are deleted.
- Chunking as Bedrock's: ``vectorIngestionConfiguration.chunkingConfiguration`` FIXED_SIZE (``maxTokens``,
  ``overlapPercentage``) or NONE; by default about 300 tokens per chunk with 20 % overlap. Tokens are counted as
  words here. A ``<key>.metadata.json`` beside a document (``{"metadataAttributes": {...}}``) adds its attributes.
- Vector metadata as Bedrock writes it: ``AMAZON_BEDROCK_TEXT`` (the chunk), ``x-amz-bedrock-kb-source-uri``,
  ``x-amz-bedrock-kb-data-source-id``, ``x-amz-bedrock-kb-chunk-id``, plus the document's attributes.
- Retrieve: ``retrievalQuery.text``, ``vectorSearchConfiguration.numberOfResults`` (1..100, default 5) and
  ``filter`` (equals, notEquals, greaterThan, greaterThanOrEquals, lessThan, lessThanOrEquals, in, notIn, andAll,
  orAll); results carry ``content.text``, ``location.s3Location.uri``, ``score`` (cosine similarity) and metadata.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import string
import time
from typing import Any

import numpy as np
from localstack.aws.api import CommonServiceException, RequestContext

from oratio_localstack import bedrock, s3vectors
from oratio_localstack.bedrock_models import embed

DEFAULT_MAX_TOKENS = 300
DEFAULT_OVERLAP_PERCENTAGE = 20
TEXT_KEY = "AMAZON_BEDROCK_TEXT"
SOURCE_KEY = "x-amz-bedrock-kb-source-uri"
DATA_SOURCE_KEY = "x-amz-bedrock-kb-data-source-id"
CHUNK_KEY = "x-amz-bedrock-kb-chunk-id"
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".csv", ".json", ".xml", ".rst", "")


def validation(message: str) -> CommonServiceException:
    return CommonServiceException("ValidationException", message, status_code=400)


# --- Knowledge bases --------------------------------------------------------------------------------------------
def _index_of(context_account: str, region: str, configuration: dict[str, Any]) -> s3vectors.VectorIndex:
    store = s3vectors.store_of(context_account, region)
    index_arn, index_name = configuration.get("indexArn"), configuration.get("indexName")
    bucket_arn = configuration.get("vectorBucketArn") or ""
    if index_arn:
        request = {"indexArn": index_arn}
    else:
        request = {"vectorBucketName": bucket_arn.split(":bucket/", 1)[-1], "indexName": index_name}
    try:
        return s3vectors._index(store, request)
    except CommonServiceException:
        raise validation(f"The knowledge base's vector index does not exist: {index_arn or (bucket_arn, index_name)}; "
                         "create the vector bucket and index first (s3vectors CreateVectorBucket, CreateIndex)"
                         ) from None


def create_knowledge_base(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    from localstack.services.moto import call_moto

    storage = request.get("storageConfiguration") or {}
    if storage.get("type") != "S3_VECTORS":
        return call_moto(context)
    configuration = storage.get("s3VectorsConfiguration") or {}
    if not configuration.get("indexArn") and not (configuration.get("vectorBucketArn") and
                                                  configuration.get("indexName")):
        raise validation("s3VectorsConfiguration needs indexArn, or vectorBucketArn and indexName")
    index = _index_of(context.account_id, context.region, configuration)
    vector_config = (request.get("knowledgeBaseConfiguration") or {}).get("vectorKnowledgeBaseConfiguration") or {}
    dimensions = (((vector_config.get("embeddingModelConfiguration") or {})
                   .get("bedrockEmbeddingModelConfiguration") or {}).get("dimensions"))
    if dimensions is not None and dimensions != index.dimension:
        raise validation(f"The embedding model's dimensions ({dimensions}) differ from the vector index's "
                         f"({index.dimension}, {index.arn})")
    backend = bedrock._moto(context)
    placeholder = {"type": "RDS"}  # moto only accepts its known types; the record keeps the real configuration
    knowledge_base = backend.create_knowledge_base(
        name=request["name"], role_arn=request["roleArn"],
        knowledge_base_configuration=request["knowledgeBaseConfiguration"], storage_configuration=placeholder,
        client_token=request.get("clientToken"), description=request.get("description"), tags=request.get("tags"))
    del backend.knowledge_bases[knowledge_base.knowledge_base_id]
    knowledge_base.knowledge_base_id = "".join(random.choices(string.ascii_uppercase + string.digits, k=10))
    knowledge_base.knowledge_base_arn = (f"arn:aws:bedrock:{context.region}:{context.account_id}:knowledge-base/"
                                         f"{knowledge_base.knowledge_base_id}")
    knowledge_base.storage_configuration = storage
    knowledge_base.status = "ACTIVE"
    backend.knowledge_bases[knowledge_base.knowledge_base_id] = knowledge_base
    return {"knowledgeBase": knowledge_base.to_dict()}


def _s3_vectors_index(context: RequestContext, knowledge_base_id: str) -> s3vectors.VectorIndex | None:
    storage = bedrock._knowledge_base(context, knowledge_base_id).storage_configuration
    if storage.get("type") != "S3_VECTORS":
        return None
    return _index_of(context.account_id, context.region, storage.get("s3VectorsConfiguration") or {})


# --- Chunking ---------------------------------------------------------------------------------------------------
def chunk(text: str, chunking: dict[str, Any] | None) -> list[str]:
    """Bedrock's fixed-size chunking, tokens counted as words: chunks of ``maxTokens`` sharing
    ``overlapPercentage`` of them with the previous chunk; NONE keeps each document whole."""
    chunking = chunking or {}
    strategy = chunking.get("chunkingStrategy") or "FIXED_SIZE"
    tokens = text.split()
    if not tokens:
        return []
    if strategy == "NONE":
        return [" ".join(tokens)]
    fixed = chunking.get("fixedSizeChunkingConfiguration") or {}
    size = int(fixed.get("maxTokens") or DEFAULT_MAX_TOKENS)
    overlap = int(size * int(fixed.get("overlapPercentage") or DEFAULT_OVERLAP_PERCENTAGE) / 100)
    step = max(1, size - overlap)
    chunks = []
    for start in range(0, len(tokens), step):
        chunks.append(" ".join(tokens[start:start + size]))
        if start + size >= len(tokens):
            break
    return chunks


def _text(key: str, body: bytes) -> str | None:
    lowered = key.lower()
    suffix = lowered[lowered.rfind("."):] if "." in lowered.rsplit("/", 1)[-1] else ""
    if suffix not in TEXT_SUFFIXES:
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if suffix in (".html", ".htm", ".xml"):
        text = re.sub(r"<[^>]+>", " ", text)
    return text


# --- Ingestion --------------------------------------------------------------------------------------------------
def _vector_key(data_source_id: str, key: str, number: int) -> str:
    return hashlib.sha1(f"{data_source_id}\0{key}\0{number}".encode()).hexdigest()


def ingest(context: RequestContext, source: dict[str, Any], index: s3vectors.VectorIndex) -> dict[str, Any]:
    """Ingests the data source into the index; its statistics, failure reasons and status."""
    from localstack.aws.connect import connect_to

    s3_config = source["dataSourceConfiguration"].get("s3Configuration") or {}
    bucket = s3_config.get("bucketArn", "").rsplit(":", 1)[-1]
    prefixes = s3_config.get("inclusionPrefixes") or [""]
    chunking = ((source.get("vectorIngestionConfiguration") or {}).get("chunkingConfiguration"))
    s3 = connect_to(aws_access_key_id=context.account_id, region_name=context.region).s3
    objects: dict[str, str] = {}
    for prefix in prefixes:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                objects[item["Key"]] = item["ETag"]
    documents = {k: v for k, v in objects.items() if not k.endswith(".metadata.json")}
    previous: dict[str, dict[str, Any]] = source.setdefault("ingested", {})
    stats = {"numberOfDocumentsScanned": len(documents), "numberOfMetadataDocumentsScanned": len(objects) -
             len(documents), "numberOfNewDocumentsIndexed": 0, "numberOfModifiedDocumentsIndexed": 0,
             "numberOfMetadataDocumentsModified": 0, "numberOfDocumentsDeleted": 0, "numberOfDocumentsFailed": 0}
    failures: list[str] = []
    batch: list[dict[str, Any]] = []
    for key, etag in sorted(documents.items()):
        metadata_etag = objects.get(f"{key}.metadata.json", "")
        known = previous.get(key)
        if known and known["etag"] == etag and known["metadataEtag"] == metadata_etag:
            continue
        text = _text(key, s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        if text is None:
            stats["numberOfDocumentsFailed"] += 1
            failures.append(f"s3://{bucket}/{key}: local ingestion reads UTF-8 text documents only (.txt, .md, "
                            ".html, .csv, .json, ...); this one is binary or of another type")
            continue
        attributes: dict[str, Any] = {}
        if metadata_etag:
            try:
                sidecar = json.loads(s3.get_object(Bucket=bucket, Key=f"{key}.metadata.json")["Body"].read())
                attributes = dict(sidecar.get("metadataAttributes") or {})
            except (ValueError, AttributeError):
                failures.append(f"s3://{bucket}/{key}.metadata.json is not valid JSON with metadataAttributes")
        chunks = chunk(text, chunking)
        if known:
            _delete_vectors(index, known["vectorKeys"][len(chunks):])
        vector_keys = []
        for number, piece in enumerate(chunks):
            vector_key = _vector_key(source["dataSourceId"], key, number)
            vector_keys.append(vector_key)
            batch.append({"key": vector_key, "data": {"float32": embed(piece, index.dimension)},
                          "metadata": {**attributes, TEXT_KEY: piece, SOURCE_KEY: f"s3://{bucket}/{key}",
                                       DATA_SOURCE_KEY: source["dataSourceId"], CHUNK_KEY: vector_key}})
            if len(batch) == s3vectors.MAX_PUT_VECTORS:
                s3vectors.put_vectors_in_index(index, batch)
                batch = []
        stats["numberOfModifiedDocumentsIndexed" if known else "numberOfNewDocumentsIndexed"] += 1
        previous[key] = {"etag": etag, "metadataEtag": metadata_etag, "vectorKeys": vector_keys}
    if batch:
        s3vectors.put_vectors_in_index(index, batch)
    for key in [k for k in previous if k not in documents]:
        _delete_vectors(index, previous.pop(key)["vectorKeys"])
        stats["numberOfDocumentsDeleted"] += 1
    return {"statistics": stats, "failureReasons": failures}


def _delete_vectors(index: s3vectors.VectorIndex, keys: list[str]) -> None:
    with index.lock:
        for key in keys:
            index.delete(key)


def start_ingestion_job(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    index = _s3_vectors_index(context, request["knowledgeBaseId"])
    if index is None:
        return bedrock.start_ingestion_job(context, request)
    source = bedrock._data_source(context, request["knowledgeBaseId"], request["dataSourceId"])
    try:
        outcome = ingest(context, source, index)
        status = "COMPLETE"
    except Exception as error:  # a bucket that cannot be read, an index gone: the job fails, as on AWS
        outcome = {"statistics": {}, "failureReasons": [f"ingestion failed: {error}"]}
        status = "FAILED"
    zero = {"numberOfDocumentsScanned": 0, "numberOfNewDocumentsIndexed": 0, "numberOfModifiedDocumentsIndexed": 0,
            "numberOfDocumentsDeleted": 0, "numberOfDocumentsFailed": 0}
    job = {"knowledgeBaseId": source["knowledgeBaseId"], "dataSourceId": source["dataSourceId"],
           "ingestionJobId": bedrock._new_id(), "status": "IN_PROGRESS", "startedAt": bedrock._now(),
           "updatedAt": bedrock._now(), "statistics": zero, "started": time.monotonic(),
           "final_statistics": {**zero, **outcome["statistics"]}, "final_status": status}
    if outcome["failureReasons"]:
        job["final_failureReasons"] = outcome["failureReasons"]
    bedrock._store(context).ingestion_jobs[job["ingestionJobId"]] = job
    return {"ingestionJob": bedrock._job_view(job)}


# --- Retrieve ---------------------------------------------------------------------------------------------------
FILTER_OPERATORS = {"equals": "$eq", "notEquals": "$ne", "greaterThan": "$gt", "greaterThanOrEquals": "$gte",
                    "lessThan": "$lt", "lessThanOrEquals": "$lte", "in": "$in", "notIn": "$nin"}


def vector_filter(retrieval_filter: dict[str, Any]) -> dict[str, Any]:
    """A Bedrock retrieval filter as an S3 Vectors metadata filter."""
    if len(retrieval_filter) != 1:
        raise validation(f"A retrieval filter has exactly one operator, got {sorted(retrieval_filter)}")
    ((operator, operand),) = retrieval_filter.items()
    if operator in ("andAll", "orAll"):
        if not isinstance(operand, list) or len(operand) < 2:
            raise validation(f"{operator} takes a list of at least 2 filters")
        return {"$and" if operator == "andAll" else "$or": [vector_filter(part) for part in operand]}
    if operator in FILTER_OPERATORS:
        return {operand["key"]: {FILTER_OPERATORS[operator]: operand["value"]}}
    raise validation(f"The retrieval filter operator {operator} has no local implementation (supported: "
                     f"{', '.join([*FILTER_OPERATORS, 'andAll', 'orAll'])})")


def retrieve(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    knowledge_base_id = request["knowledgeBaseId"]
    index = _s3_vectors_index(context, knowledge_base_id)
    if index is None:
        raise validation(f"Retrieve runs locally on knowledge bases stored in S3 Vectors only; {knowledge_base_id} "
                         "uses another storage type")
    text = (request.get("retrievalQuery") or {}).get("text")
    if not isinstance(text, str) or not text.strip():
        raise validation("retrievalQuery.text must be a non-empty string")
    search = (request.get("retrievalConfiguration") or {}).get("vectorSearchConfiguration") or {}
    count = search.get("numberOfResults", 5)
    if not isinstance(count, int) or not 1 <= count <= 100:
        raise validation(f"Value {count} at 'numberOfResults' failed to satisfy constraint: Member must be between "
                         "1 and 100, inclusive")
    expression = vector_filter(search["filter"]) if search.get("filter") else None
    query = np.asarray(embed(text, index.dimension), dtype=np.float32)
    results = []
    for _key, distance, metadata in s3vectors.query_index(index, query, count, expression):
        metadata = dict(metadata or {})
        passage = metadata.pop(TEXT_KEY, "")
        uri = metadata.get(SOURCE_KEY, "")
        score = 1.0 - distance if index.metric == "cosine" else 1.0 / (1.0 + distance)
        results.append({"content": {"text": passage, "type": "TEXT"},
                        "location": {"type": "S3", "s3Location": {"uri": uri}},
                        "score": round(score, 6), "metadata": metadata})
    return {"retrievalResults": results}


BEDROCK_AGENT_KNOWLEDGE_BASES = {"CreateKnowledgeBase": create_knowledge_base,
                                 "StartIngestionJob": start_ingestion_job}
BEDROCK_AGENT_RUNTIME_RETRIEVAL = {"Retrieve": retrieve}
