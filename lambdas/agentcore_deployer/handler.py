"""The agent's code and deployment, by ``action``:

- ``check_code``: ``{"codeReady": true}`` once the generated object exists and parses as Python; a missing or
  unparsable object is not an error but ``codeReady: false`` with the reason (the workflow waits and checks
  again, a bounded number of times).
- ``deploy``: creates the Bedrock agent (or updates the one on the record), prepares it, makes its alias
  (once), and records "deployed" with their ids.
- ``mark_failed``: records "failed" with the reason taken from the workflow's error.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
from typing import Any

from botocore.exceptions import ClientError
from common import records
from common.aws import client, log, role_arn
from common.errors import CodeNotReady, InvalidRequest
from common.events import check_specification, require_ids

ALIAS_NAME = "live"


def read_code(record: dict[str, Any]) -> tuple[str | None, str]:
    """The generated code and, when it is not usable, why."""
    bucket, key = record.get("codeBucket"), record.get("codeKey")
    if not bucket or not key:
        return None, "no code has been requested for this agent"
    try:
        body = client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
            return None, f"s3://{bucket}/{key} does not exist yet"
        raise
    try:
        code = body.decode()
        ast.parse(code, filename=key)
    except (UnicodeDecodeError, SyntaxError) as error:
        return None, f"s3://{bucket}/{key} is not valid Python: {error}"
    return code, ""


def check_code(user_id: str, agent_id: str) -> dict[str, Any]:
    code, reason = read_code(records.get(user_id, agent_id))
    log("code-checked", agentId=agent_id, ready=code is not None, reason=reason)
    return {"codeReady": code is not None, **({"reason": reason} if reason else {})}


def agent_name(specification: dict[str, Any], agent_id: str) -> str:
    """Bedrock's agent names: ([0-9a-zA-Z][_-]?){1,100}."""
    cleaned = re.sub(r"[^0-9a-zA-Z]+", "-", f"{specification['name']}-{agent_id}").strip("-")
    return re.sub(r"([_-])[_-]+", r"\1", cleaned)[:100]


def deploy(user_id: str, agent_id: str, context: Any) -> dict[str, Any]:
    record = records.get(user_id, agent_id)
    specification = check_specification(record.get("specification"))
    code, reason = read_code(record)
    if code is None:
        raise CodeNotReady(reason)
    bedrock = client("bedrock-agent")
    settings = {"agentName": agent_name(specification, agent_id),
                "agentResourceRoleArn": role_arn(context, os.environ["AGENT_ROLE_NAME"]),
                "foundationModel": specification.get("foundationModel") or os.environ["FOUNDATION_MODEL"],
                "instruction": specification["instructions"],
                "description": f"Generated from s3://{record['codeBucket']}/{record['codeKey']}"}
    records.update(user_id, agent_id, status=records.DEPLOYING)
    bedrock_agent_id = record.get("bedrockAgentId")
    if bedrock_agent_id:
        bedrock.update_agent(agentId=bedrock_agent_id, **settings)
    else:
        token = hashlib.sha256(f"{user_id}/{agent_id}/agent".encode()).hexdigest()
        bedrock_agent_id = bedrock.create_agent(clientToken=token, **settings)["agent"]["agentId"]
        records.update(user_id, agent_id, bedrockAgentId=bedrock_agent_id)
    bedrock.prepare_agent(agentId=bedrock_agent_id)
    alias_id = record.get("aliasId")
    if not alias_id:
        alias_id = bedrock.create_agent_alias(agentId=bedrock_agent_id, agentAliasName=ALIAS_NAME)[
            "agentAlias"]["agentAliasId"]
    updated = records.update(user_id, agent_id, status=records.DEPLOYED, aliasId=alias_id, failureReason=None)
    log("agent-deployed", agentId=agent_id, bedrockAgentId=bedrock_agent_id, aliasId=alias_id)
    return {"bedrockAgentId": bedrock_agent_id, "aliasId": alias_id, "status": updated["status"]}


def failure_reason(error: Any) -> str:
    """The workflow's error ({"Error", "Cause"}) as one line; a Lambda error's Cause is JSON with errorMessage."""
    if not isinstance(error, dict):
        return "the workflow failed without an error description"
    name, cause = str(error.get("Error", "Error")), error.get("Cause", "")
    try:
        parsed = json.loads(cause) if isinstance(cause, str) else cause
        if isinstance(parsed, dict) and parsed.get("errorMessage"):
            cause = parsed["errorMessage"]
    except ValueError:
        pass
    return f"{name}: {cause}" if cause else name


def mark_failed(event: dict[str, Any]) -> dict[str, Any]:
    request = event.get("request")
    reason = failure_reason(request.get("error") if isinstance(request, dict) else None)
    try:
        user_id, agent_id = require_ids(request)
    except InvalidRequest as error:  # nothing to record the failure on: say so, and let the workflow fail
        log("failure-not-recorded", reason=reason, why=str(error))
        return {"recorded": False, "reason": reason}
    records.update(user_id, agent_id, status=records.FAILED, failureReason=reason)
    log("agent-failed", agentId=agent_id, reason=reason)
    return {"recorded": True, "reason": reason}


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    action = event.get("action") if isinstance(event, dict) else None
    if action == "mark_failed":
        return mark_failed(event)
    if action not in ("check_code", "deploy"):
        raise InvalidRequest(f"action must be check_code, deploy or mark_failed, got {action!r}")
    user_id, agent_id = require_ids(event)
    return check_code(user_id, agent_id) if action == "check_code" else deploy(user_id, agent_id, context)
