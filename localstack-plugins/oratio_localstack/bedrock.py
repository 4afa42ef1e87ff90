"""Bedrock agent operations that LocalStack's bundled moto lacks, with state: data sources and ingestion jobs (the
knowledge bases of ``knowledge_bases`` use them).

State lives in a store per account and region (``BedrockAgentStore``), apart from the request handlers below,
as in moto. Knowledge bases themselves stay in moto; this module adds what hangs off them. Bedrock Agents' own
operations (agents, their updates, prepare, aliases) are not served beyond what moto has: nothing in the platform
uses Bedrock Agents (its agents are AgentCore runtimes).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from localstack.aws.api import CommonServiceException, RequestContext
from localstack.services.stores import AccountRegionBundle, BaseStore, LocalAttribute

# An ingestion job reports IN_PROGRESS for this long after it starts, then COMPLETE: callers must poll, as on AWS.
INGESTION_SECONDS = 0.5


class BedrockAgentStore(BaseStore):
    data_sources: dict[str, dict[str, Any]] = LocalAttribute(default=dict)
    ingestion_jobs: dict[str, dict[str, Any]] = LocalAttribute(default=dict)


# Not validated: botocore lists no regions for bedrock-agent, so validation would refuse every region.
stores = AccountRegionBundle("bedrock-agent", BedrockAgentStore, validate=False)


def _store(context: RequestContext) -> BedrockAgentStore:
    return stores[context.account_id][context.region]


def _now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex[:10].upper()


def _not_found(what: str, identifier: str) -> CommonServiceException:
    return CommonServiceException("ResourceNotFoundException", f"{what} {identifier} does not exist", status_code=404)


def _moto(context: RequestContext) -> Any:
    from moto.bedrockagent.models import bedrockagent_backends

    return bedrockagent_backends[context.account_id][context.region]


def _knowledge_base(context: RequestContext, knowledge_base_id: str) -> Any:
    try:
        return _moto(context).get_knowledge_base(knowledge_base_id)
    except Exception:  # moto raises its own not-found types
        raise _not_found("Knowledge base", knowledge_base_id) from None


# --- Data sources -----------------------------------------------------------------------------------------------
def create_data_source(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    _knowledge_base(context, request["knowledgeBaseId"])
    store = _store(context)
    token = request.get("clientToken")
    for existing in store.data_sources.values():  # the same clientToken is the same request, as on AWS
        if token and existing.get("clientToken") == token:
            return {"dataSource": _public(existing)}
    source = {"knowledgeBaseId": request["knowledgeBaseId"], "dataSourceId": _new_id(), "name": request["name"],
              "status": "AVAILABLE", "description": request.get("description", ""),
              "dataSourceConfiguration": request["dataSourceConfiguration"],
              "vectorIngestionConfiguration": request.get("vectorIngestionConfiguration"),  # chunking, for ingestion
              "dataDeletionPolicy": request.get("dataDeletionPolicy", "DELETE"), "createdAt": _now(),
              "updatedAt": _now(), "clientToken": token}
    store.data_sources[source["dataSourceId"]] = source
    return {"dataSource": _public(source)}


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "clientToken" and v not in (None, "")}


def _data_source(context: RequestContext, knowledge_base_id: str, data_source_id: str) -> dict[str, Any]:
    source = _store(context).data_sources.get(data_source_id)
    if source is None or source["knowledgeBaseId"] != knowledge_base_id:
        raise _not_found("Data source", data_source_id)
    return source


def get_data_source(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return {"dataSource": _public(_data_source(context, request["knowledgeBaseId"], request["dataSourceId"]))}


def list_data_sources(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    sources = [s for s in _store(context).data_sources.values() if s["knowledgeBaseId"] == request["knowledgeBaseId"]]
    return {"dataSourceSummaries": [{"knowledgeBaseId": s["knowledgeBaseId"], "dataSourceId": s["dataSourceId"],
                                     "name": s["name"], "status": s["status"], "updatedAt": s["updatedAt"]}
                                    for s in sources]}


def delete_data_source(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    source = _data_source(context, request["knowledgeBaseId"], request["dataSourceId"])
    del _store(context).data_sources[source["dataSourceId"]]
    return {"knowledgeBaseId": source["knowledgeBaseId"], "dataSourceId": source["dataSourceId"],
            "status": "DELETING"}


# --- Ingestion jobs ---------------------------------------------------------------------------------------------
def _documents(context: RequestContext, source: dict[str, Any]) -> int:
    """How many objects the data source covers: what a real ingestion would scan."""
    from localstack.aws.connect import connect_to

    s3_config = source["dataSourceConfiguration"].get("s3Configuration", {})
    bucket = s3_config.get("bucketArn", "").rsplit(":", 1)[-1]
    prefixes = s3_config.get("inclusionPrefixes") or [""]
    s3 = connect_to(aws_access_key_id=context.account_id, region_name=context.region).s3
    count = 0
    for prefix in prefixes:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            count += page.get("KeyCount", 0)
    return count


def _job_view(job: dict[str, Any]) -> dict[str, Any]:
    """A job's state as of now: it completes INGESTION_SECONDS after it started."""
    view = {k: v for k, v in job.items() if k != "started" and not k.startswith("final_")}
    if time.monotonic() - job["started"] >= INGESTION_SECONDS:
        view.update(status=job.get("final_status", "COMPLETE"), statistics=job["final_statistics"])
        if job.get("final_failureReasons"):  # set by knowledge_bases' real ingestion
            view["failureReasons"] = job["final_failureReasons"]
    return view


def start_ingestion_job(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    source = _data_source(context, request["knowledgeBaseId"], request["dataSourceId"])
    try:
        scanned = _documents(context, source)
    except Exception as error:
        raise CommonServiceException("ValidationException",
                                     f"the data source's bucket cannot be read: {error}") from None
    zero = {"numberOfDocumentsScanned": 0, "numberOfNewDocumentsIndexed": 0, "numberOfModifiedDocumentsIndexed": 0,
            "numberOfDocumentsDeleted": 0, "numberOfDocumentsFailed": 0}
    job = {"knowledgeBaseId": source["knowledgeBaseId"], "dataSourceId": source["dataSourceId"],
           "ingestionJobId": _new_id(), "status": "IN_PROGRESS", "startedAt": _now(), "updatedAt": _now(),
           "statistics": zero, "started": time.monotonic(),
           "final_statistics": {**zero, "numberOfDocumentsScanned": scanned, "numberOfNewDocumentsIndexed": scanned}}
    _store(context).ingestion_jobs[job["ingestionJobId"]] = job
    return {"ingestionJob": _job_view(job)}


def get_ingestion_job(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    job = _store(context).ingestion_jobs.get(request["ingestionJobId"])
    if job is None or job["dataSourceId"] != request["dataSourceId"]:
        raise _not_found("Ingestion job", request["ingestionJobId"])
    return {"ingestionJob": _job_view(job)}


def list_ingestion_jobs(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    jobs = [_job_view(j) for j in _store(context).ingestion_jobs.values()
            if j["dataSourceId"] == request["dataSourceId"]]
    return {"ingestionJobSummaries": [{k: j[k] for k in ("knowledgeBaseId", "dataSourceId", "ingestionJobId",
                                                          "status", "startedAt", "updatedAt", "statistics")}
                                      for j in jobs]}


Handler = Callable[[RequestContext, dict[str, Any]], dict[str, Any]]
BEDROCK_AGENT: dict[str, Handler] = {
    "CreateDataSource": create_data_source, "GetDataSource": get_data_source, "ListDataSources": list_data_sources,
    "DeleteDataSource": delete_data_source, "StartIngestionJob": start_ingestion_job,
    "GetIngestionJob": get_ingestion_job, "ListIngestionJobs": list_ingestion_jobs,
}
