"""InvokeAgentCreator: asks the AgentCreator meta-agent to write the agent's code into the generated-code bucket
at a key derived from the agent, and records the status "generating" with that location.

The request is JSON: ``{"specification": ..., "output": {"bucket", "key"}, "knowledgeBaseId"}``. On AWS the
meta-agent writes the object with its own role; locally the LocalStack plug-ins' InvokeAgent stand-in does.
"""

from __future__ import annotations

import json
import os
from typing import Any

from common import records
from common.aws import client, log
from common.events import check_specification, require_ids, require_string


def code_key(user_id: str, agent_id: str) -> str:
    return f"{user_id}/{agent_id}/agent.py"


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    user_id, agent_id = require_ids(event)
    knowledge_base_id = require_string(event, "knowledgeBaseId")
    record = records.get(user_id, agent_id)
    specification = check_specification(record.get("specification"))
    bucket, key = os.environ["GENERATED_CODE_BUCKET"], code_key(user_id, agent_id)
    response = client("bedrock-agent-runtime").invoke_agent(
        agentId=os.environ["AGENT_CREATOR_AGENT_ID"], agentAliasId=os.environ["AGENT_CREATOR_ALIAS_ID"],
        sessionId=f"create-{agent_id}"[:100],
        inputText=json.dumps({"specification": specification, "output": {"bucket": bucket, "key": key},
                              "knowledgeBaseId": knowledge_base_id}, default=str))
    answer = b"".join(part["chunk"]["bytes"] for part in response["completion"] if "chunk" in part)
    records.update(user_id, agent_id, status=records.GENERATING, codeBucket=bucket, codeKey=key)
    log("code-requested", agentId=agent_id, bucket=bucket, key=key, answer=answer.decode(errors="replace")[:500])
    return {"bucket": bucket, "key": key}
