"""InvokeAgentCreator: asks the AgentCreator meta-agent (an AgentCore runtime of the platform, its ARN in
AGENTCREATOR_RUNTIME_ARN) to write the agent's code into the generated-code bucket at a key derived from the agent,
and records the status "generating" with that location.

The payload is JSON: ``{"specification": ..., "output": {"bucket", "key"}, "knowledgeBaseId"}``; the meta-agent
writes the object with its own role and answers where it wrote it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from typing import Any

from common import records
from common.aws import client, log
from common.events import check_specification, require_ids, require_string


def code_key(user_id: str, agent_id: str) -> str:
    return f"{user_id}/{agent_id}/agent.py"


def session_id(user_id: str, agent_id: str) -> str:
    """AgentCore's runtimeSessionId (33-256 characters): one session per agent's generation."""
    return "create-" + hashlib.sha256(f"{user_id}/{agent_id}".encode()).hexdigest()


def invoke_request(user_id: str, agent_id: str, specification: dict[str, Any], bucket: str,
                   knowledge_base_id: str) -> dict[str, Any]:
    payload = {"specification": specification, "output": {"bucket": bucket, "key": code_key(user_id, agent_id)},
               "knowledgeBaseId": knowledge_base_id}
    return {"agentRuntimeArn": os.environ["AGENTCREATOR_RUNTIME_ARN"], "qualifier": "DEFAULT",
            "runtimeSessionId": session_id(user_id, agent_id), "contentType": "application/json",
            "accept": "application/json", "payload": json.dumps(payload, default=str).encode()}


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    user_id, agent_id = require_ids(event)
    knowledge_base_id = require_string(event, "knowledgeBaseId")
    record = records.get(user_id, agent_id)
    specification = check_specification(record.get("specification"))
    bucket, key = os.environ["GENERATED_CODE_BUCKET"], code_key(user_id, agent_id)
    request = invoke_request(user_id, agent_id, specification, bucket, knowledge_base_id)
    agentcore = client("bedrock-agentcore")
    response = agentcore.invoke_agent_runtime(**request)
    answer = response["response"].read()
    # The generation is done: its session ends now, not at AgentCore's idle timeout (15 minutes).
    with contextlib.suppress(agentcore.exceptions.ResourceNotFoundException):
        agentcore.stop_runtime_session(agentRuntimeArn=request["agentRuntimeArn"],
                                       runtimeSessionId=request["runtimeSessionId"], qualifier="DEFAULT")
    records.update(user_id, agent_id, status=records.GENERATING, codeBucket=bucket, codeKey=key)
    log("code-requested", agentId=agent_id, bucket=bucket, key=key, answer=answer.decode(errors="replace")[:500])
    return {"bucket": bucket, "key": key}
