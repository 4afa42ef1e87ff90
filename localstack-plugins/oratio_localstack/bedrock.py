"""Bedrock agent operations that LocalStack's bundled moto lacks, with state: data sources and ingestion jobs (the
knowledge bases of ``knowledge_bases`` use them), and what hangs off moto's agents (aliases, update, prepare).

State lives in a store per account and region (``BedrockAgentStore``), apart from the request handlers below,
as in moto. Knowledge bases and agents themselves stay in moto; this module adds what hangs off them.
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
    aliases: dict[str, dict[str, Any]] = LocalAttribute(default=dict)


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


def _agent(context: RequestContext, agent_id: str) -> Any:
    try:
        return _moto(context).get_agent(agent_id)
    except Exception:
        raise _not_found("Agent", agent_id) from None


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


# --- Agents: update, prepare, aliases ---------------------------------------------------------------------------
def update_agent(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    agent = _agent(context, request["agentId"])
    agent.agent_name = request["agentName"]
    agent.agent_resource_role_arn = request["agentResourceRoleArn"]
    for field, attribute in (("instruction", "instruction"), ("foundationModel", "foundation_model"),
                             ("description", "description"),
                             ("idleSessionTTLInSeconds", "idle_session_ttl_in_seconds")):
        if field in request:
            setattr(agent, attribute, request[field])
    agent.agent_status = "NOT_PREPARED"  # as on AWS: an updated draft must be prepared again
    agent.updated_at = time.time()
    return {"agent": agent.to_dict()}


def prepare_agent(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    agent = _agent(context, request["agentId"])
    agent.agent_status = "PREPARED"
    agent.prepared_at = time.time()
    return {"agentId": agent.agent_id, "agentStatus": "PREPARED", "agentVersion": "DRAFT", "preparedAt": _now()}


def create_agent_alias(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    agent = _agent(context, request["agentId"])
    store = _store(context)
    for alias in store.aliases.values():  # alias names are unique per agent
        if alias["agentId"] == agent.agent_id and alias["agentAliasName"] == request["agentAliasName"]:
            raise CommonServiceException("ConflictException", f"alias {request['agentAliasName']} already exists",
                                         status_code=409)
    alias_id = _new_id()
    alias = {"agentId": agent.agent_id, "agentAliasId": alias_id, "agentAliasName": request["agentAliasName"],
             "agentAliasArn": f"{agent.agent_arn.replace(':agent/', ':agent-alias/')}/{alias_id}",
             "agentAliasStatus": "PREPARED", "description": request.get("description", ""),
             "routingConfiguration": request.get("routingConfiguration") or [{"agentVersion": "1"}],
             "createdAt": _now(), "updatedAt": _now()}
    store.aliases[alias_id] = alias
    return {"agentAlias": _public(alias)}


def _alias(context: RequestContext, agent_id: str, alias_id: str) -> dict[str, Any]:
    alias = _store(context).aliases.get(alias_id)
    if alias is None or alias["agentId"] != agent_id:
        raise _not_found("Agent alias", alias_id)
    return alias


def get_agent_alias(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return {"agentAlias": _public(_alias(context, request["agentId"], request["agentAliasId"]))}


def list_agent_aliases(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    aliases = [a for a in _store(context).aliases.values() if a["agentId"] == request["agentId"]]
    return {"agentAliasSummaries": [{k: a[k] for k in ("agentAliasId", "agentAliasName", "agentAliasStatus",
                                                        "createdAt", "updatedAt")} for a in aliases]}


def update_agent_alias(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    alias = _alias(context, request["agentId"], request["agentAliasId"])
    alias.update(agentAliasName=request["agentAliasName"], updatedAt=_now(),
                 routingConfiguration=request.get("routingConfiguration") or alias["routingConfiguration"])
    return {"agentAlias": _public(alias)}


def delete_agent_alias(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    alias = _alias(context, request["agentId"], request["agentAliasId"])
    del _store(context).aliases[alias["agentAliasId"]]
    return {"agentId": alias["agentId"], "agentAliasId": alias["agentAliasId"], "agentAliasStatus": "DELETING"}


Handler = Callable[[RequestContext, dict[str, Any]], dict[str, Any]]
BEDROCK_AGENT: dict[str, Handler] = {
    "CreateDataSource": create_data_source, "GetDataSource": get_data_source, "ListDataSources": list_data_sources,
    "DeleteDataSource": delete_data_source, "StartIngestionJob": start_ingestion_job,
    "GetIngestionJob": get_ingestion_job, "ListIngestionJobs": list_ingestion_jobs, "UpdateAgent": update_agent,
    "PrepareAgent": prepare_agent, "CreateAgentAlias": create_agent_alias, "GetAgentAlias": get_agent_alias,
    "ListAgentAliases": list_agent_aliases, "UpdateAgentAlias": update_agent_alias,
    "DeleteAgentAlias": delete_agent_alias,
}
