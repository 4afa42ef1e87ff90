"""ProvisionKnowledgeBase: the agent's index in the platform's vector bucket (S3 Vectors), a Bedrock knowledge base
storing its vectors there (with the knowledge-base service role), an S3 data source over the agent's documents (its
prefix in the knowledge-bases bucket), and an ingestion job; their ids go on the agent's record.

Retries are safe: ids already on the record are reused, an index that exists is kept, and every create carries a
client token derived from the agent, so a retried request never makes a second knowledge base or data source.
"""

from __future__ import annotations

import hashlib
import os
import time
from typing import Any

from botocore.exceptions import ClientError
from common import records
from common.aws import client, log, partition_region
from common.errors import InvalidRequest
from common.events import check_specification, require_ids

# The index's dimension must be the embedding model's (Titan Text Embeddings v2: 256, 512 or 1024).
DISTANCE_METRIC = "cosine"
# Bedrock keeps each chunk's text and its source in these metadata keys; they are not filterable.
NON_FILTERABLE_METADATA = ["AMAZON_BEDROCK_TEXT", "AMAZON_BEDROCK_METADATA"]


def client_token(*parts: str) -> str:
    """Bedrock's idempotency token (33-256 characters), the same for the same agent and step."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def documents_prefix(user_id: str, agent_id: str) -> str:
    return f"{user_id}/{agent_id}/"


def index_name(agent_id: str) -> str:
    """S3 Vectors index names: 3-63 of [a-z0-9-.], starting and ending with a letter or digit."""
    cleaned = "".join(c if c.isalnum() else "-" for c in agent_id.lower()).strip("-")
    return f"agent-{cleaned}"[:63].rstrip("-")


# Documents the specification declares are uploaded by the user (presigned URLs from the API) after the agent is
# requested, so they may arrive just after the workflow starts: wait for them, bounded, before ingesting.
DOCUMENTS_WAIT_S = float(os.environ.get("DOCUMENTS_WAIT_S", "60"))


def missing_documents(user_id: str, agent_id: str, declared: list[str]) -> list[str]:
    prefix = documents_prefix(user_id, agent_id)
    listed = client("s3").list_objects_v2(Bucket=os.environ["KNOWLEDGE_BASES_BUCKET"], Prefix=prefix)
    present = {item["Key"][len(prefix):] for item in listed.get("Contents", [])}
    return [name for name in declared if name not in present]


def wait_for_documents(user_id: str, agent_id: str, specification: dict[str, Any]) -> None:
    """Every document the specification declares is in the agent's prefix, or InvalidRequest after
    DOCUMENTS_WAIT_S saying which are missing."""
    declared = [str(name) for name in specification.get("documents") or []]
    deadline = time.monotonic() + DOCUMENTS_WAIT_S
    while True:
        missing = missing_documents(user_id, agent_id, declared) if declared else []
        if not missing:
            return
        if time.monotonic() > deadline:
            raise InvalidRequest(f"documents declared but never uploaded within {DOCUMENTS_WAIT_S:.0f} s: "
                                 f"{', '.join(missing)}")
        time.sleep(0.5)


def create_index_request(bucket: str, agent_id: str) -> dict[str, Any]:
    return {"vectorBucketName": bucket, "indexName": index_name(agent_id), "dataType": "float32",
            "dimension": int(os.environ["EMBEDDING_DIMENSIONS"]), "distanceMetric": DISTANCE_METRIC,
            "metadataConfiguration": {"nonFilterableMetadataKeys": NON_FILTERABLE_METADATA}}


def knowledge_base_request(user_id: str, agent_id: str, specification: dict[str, Any], index_arn: str,
                           context: Any) -> dict[str, Any]:
    partition, region = partition_region(context)
    embedding_model_arn = f"arn:{partition}:bedrock:{region}::foundation-model/{os.environ['EMBEDDING_MODEL_ID']}"
    return {
        "clientToken": client_token(user_id, agent_id, "knowledge-base"),
        "name": f"{agent_id}-kb"[:100], "description": f"Documents of agent {specification['name']}",
        "roleArn": os.environ["KNOWLEDGE_BASE_ROLE_ARN"],
        "knowledgeBaseConfiguration": {"type": "VECTOR", "vectorKnowledgeBaseConfiguration": {
            "embeddingModelArn": embedding_model_arn,
            "embeddingModelConfiguration": {"bedrockEmbeddingModelConfiguration": {
                "dimensions": int(os.environ["EMBEDDING_DIMENSIONS"]), "embeddingDataType": "FLOAT32"}}}},
        "storageConfiguration": {"type": "S3_VECTORS", "s3VectorsConfiguration": {"indexArn": index_arn}},
    }


def data_source_request(user_id: str, agent_id: str, knowledge_base_id: str, context: Any) -> dict[str, Any]:
    partition, _ = partition_region(context)
    return {"clientToken": client_token(user_id, agent_id, "data-source"), "knowledgeBaseId": knowledge_base_id,
            "name": f"{agent_id}-documents"[:100],
            "dataSourceConfiguration": {"type": "S3", "s3Configuration": {
                "bucketArn": f"arn:{partition}:s3:::{os.environ['KNOWLEDGE_BASES_BUCKET']}",
                "inclusionPrefixes": [documents_prefix(user_id, agent_id)]}}}


def ensure_index(agent_id: str) -> str:
    """The agent's index (created unless it exists); returns its ARN."""
    vectors, bucket = client("s3vectors"), os.environ["KNOWLEDGE_VECTORS_VECTOR_BUCKET"]
    try:
        vectors.create_index(**create_index_request(bucket, agent_id))
        log("index-created", agentId=agent_id, index=index_name(agent_id))
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConflictException":
            raise
    return vectors.get_index(vectorBucketName=bucket, indexName=index_name(agent_id))["index"]["indexArn"]


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    user_id, agent_id = require_ids(event)
    record = records.get(user_id, agent_id)
    specification = check_specification(record.get("specification"))
    bedrock = client("bedrock-agent")
    knowledge_base_id = record.get("knowledgeBaseId")
    if not knowledge_base_id:
        wait_for_documents(user_id, agent_id, specification)
    if not knowledge_base_id:
        index_arn = ensure_index(agent_id)
        created = bedrock.create_knowledge_base(
            **knowledge_base_request(user_id, agent_id, specification, index_arn, context))["knowledgeBase"]
        knowledge_base_id = created["knowledgeBaseId"]
        records.update(user_id, agent_id, knowledgeBaseId=knowledge_base_id, vectorIndexArn=index_arn,
                       status=records.PROVISIONING)
        log("knowledge-base-created", agentId=agent_id, knowledgeBaseId=knowledge_base_id)
    data_source_id = record.get("dataSourceId")
    if not data_source_id:
        data_source_id = bedrock.create_data_source(
            **data_source_request(user_id, agent_id, knowledge_base_id, context))["dataSource"]["dataSourceId"]
        records.update(user_id, agent_id, dataSourceId=data_source_id)
        log("data-source-created", agentId=agent_id, dataSourceId=data_source_id)
    job = bedrock.start_ingestion_job(clientToken=client_token(user_id, agent_id, "ingestion"),
                                      knowledgeBaseId=knowledge_base_id, dataSourceId=data_source_id)["ingestionJob"]
    records.update(user_id, agent_id, ingestionJobId=job["ingestionJobId"], status=records.PROVISIONING)
    log("ingestion-started", agentId=agent_id, ingestionJobId=job["ingestionJobId"], status=job["status"])
    return {"knowledgeBaseId": knowledge_base_id, "dataSourceId": data_source_id,
            "ingestionJobId": job["ingestionJobId"]}
