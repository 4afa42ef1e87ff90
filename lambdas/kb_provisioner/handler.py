"""ProvisionKnowledgeBase: a Bedrock knowledge base over the agent's documents, its S3 data source (the agent's
prefix in the knowledge-bases bucket), and an ingestion job; their ids go on the agent's record.

Retries are safe: ids already on the record are reused, and every create carries a client token derived from
the agent, so a retried request never makes a second knowledge base or data source.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from common import records
from common.aws import client, log, role_arn
from common.events import check_specification, require_ids


def client_token(*parts: str) -> str:
    """Bedrock's idempotency token (33-256 characters), the same for the same agent and step."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def documents_prefix(user_id: str, agent_id: str) -> str:
    return f"{user_id}/{agent_id}/"


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    user_id, agent_id = require_ids(event)
    record = records.get(user_id, agent_id)
    specification = check_specification(record.get("specification"))
    bedrock = client("bedrock-agent")
    knowledge_base_id = record.get("knowledgeBaseId")
    if not knowledge_base_id:
        created = bedrock.create_knowledge_base(
            clientToken=client_token(user_id, agent_id, "knowledge-base"),
            name=f"{agent_id}-kb"[:100],
            description=f"Documents of agent {specification['name']}",
            roleArn=role_arn(context, os.environ["KNOWLEDGE_BASE_ROLE_NAME"]),
            knowledgeBaseConfiguration={"type": "VECTOR", "vectorKnowledgeBaseConfiguration": {
                "embeddingModelArn": os.environ["EMBEDDING_MODEL_ARN"]}},
            storageConfiguration={"type": "OPENSEARCH_SERVERLESS", "opensearchServerlessConfiguration": {
                "collectionArn": os.environ["VECTOR_COLLECTION_ARN"], "vectorIndexName": f"agent-{agent_id}"[:100],
                "fieldMapping": {"vectorField": "vector", "textField": "text", "metadataField": "metadata"}}},
        )["knowledgeBase"]
        knowledge_base_id = created["knowledgeBaseId"]
        records.update(user_id, agent_id, knowledgeBaseId=knowledge_base_id, status=records.PROVISIONING)
        log("knowledge-base-created", agentId=agent_id, knowledgeBaseId=knowledge_base_id)
    data_source_id = record.get("dataSourceId")
    if not data_source_id:
        data_source_id = bedrock.create_data_source(
            clientToken=client_token(user_id, agent_id, "data-source"),
            knowledgeBaseId=knowledge_base_id, name=f"{agent_id}-documents"[:100],
            dataSourceConfiguration={"type": "S3", "s3Configuration": {
                "bucketArn": f"arn:aws:s3:::{os.environ['KNOWLEDGE_BASES_BUCKET']}",
                "inclusionPrefixes": [documents_prefix(user_id, agent_id)]}},
        )["dataSource"]["dataSourceId"]
        records.update(user_id, agent_id, dataSourceId=data_source_id)
        log("data-source-created", agentId=agent_id, dataSourceId=data_source_id)
    job = bedrock.start_ingestion_job(clientToken=client_token(user_id, agent_id, "ingestion"),
                                      knowledgeBaseId=knowledge_base_id, dataSourceId=data_source_id)["ingestionJob"]
    records.update(user_id, agent_id, ingestionJobId=job["ingestionJobId"], status=records.PROVISIONING)
    log("ingestion-started", agentId=agent_id, ingestionJobId=job["ingestionJobId"], status=job["status"])
    return {"knowledgeBaseId": knowledge_base_id, "dataSourceId": data_source_id,
            "ingestionJobId": job["ingestionJobId"]}
