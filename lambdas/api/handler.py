"""The platform's HTTP API (API Gateway HTTP API, payload 2.0, behind the JWT authorizer of the users' pool):

- ``POST /agents`` (the body is the agent's specification: name, instructions, description, documents): validates
  it (every problem at once: 400 with all of them), writes the agent's record "requested", starts the
  agent-creation workflow; 202 with the agent's id.
- ``GET /agents``: the caller's agents. ``GET /agents/{agentId}``: one of them (404 for any other id).
- ``POST /agents/{agentId}/documents`` ``{"fileName"}``: a presigned S3 PUT URL for that file under the agent's own
  prefix in the knowledge-bases bucket (the key is built here, never taken from the caller).
- ``POST /agents/{agentId}/invoke`` ``{"prompt"}``: the agent's answer (InvokeAgentRuntime on its runtime), once it is
  "deployed" (409 before).

The user is always the token's ``sub`` (``requestContext.authorizer.jwt.claims.sub``), never a field of the body: an
agent of another user is answered exactly as an agent that does not exist (404, nothing of it in the body). Errors are
JSON ``{"message": ...}`` (``errors`` lists a specification's problems); an unexpected error is logged and answered
500 with the request id, never with a traceback.
"""

from __future__ import annotations

import base64
import contextlib
import decimal
import hashlib
import json
import os
import traceback
import uuid
from typing import Any

from botocore.exceptions import ClientError
from common import records
from common.aws import client, log
from common.errors import AgentNotFound
from common.events import ID_PATTERN, file_name_problem, specification_problems

UPLOAD_URL_SECONDS = 15 * 60
MAX_PROMPT = 10_000
# What a user sees of an agent's record: its state, not the platform's internals (ARNs, buckets, keys).
PUBLIC_FIELDS = ("agentId", "status", "specification", "createdAt", "updatedAt", "failureReason")
UPLOADS_OPEN = (records.REQUESTED,)  # documents are ingested when the knowledge base is provisioned


class ApiError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


def respond(status: int, body: Any) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": "application/json"},
            "body": json.dumps(body, default=_json_default)}


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):  # DynamoDB numbers
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def caller(event: dict[str, Any]) -> str:
    """The signed-in user: the token's ``sub``, as the authorizer verified it."""
    claims = (((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt") or {}).get("claims") or {}
    sub = claims.get("sub")
    if not isinstance(sub, str) or not ID_PATTERN.fullmatch(sub):
        raise ApiError(401, "Unauthorized")
    return sub


def json_body(event: dict[str, Any]) -> dict[str, Any]:
    raw = event.get("body")
    if raw is None or raw == "":
        raise ApiError(400, "the request needs a JSON object body")
    try:
        text = base64.b64decode(raw).decode() if event.get("isBase64Encoded") else raw
        body = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, f"the body is not JSON: {error}") from None
    if not isinstance(body, dict):
        raise ApiError(400, f"the body must be a JSON object, got {type(body).__name__}")
    return body


def own_agent(user_id: str, event: dict[str, Any]) -> dict[str, Any]:
    """The caller's agent named in the path; 404 for an id that is not one of the caller's agents."""
    agent_id = (event.get("pathParameters") or {}).get("agentId")
    if not isinstance(agent_id, str) or not ID_PATTERN.fullmatch(agent_id):
        raise ApiError(404, "no such agent")
    try:
        return records.get(user_id, agent_id)
    except AgentNotFound:
        raise ApiError(404, "no such agent") from None


def public(record: dict[str, Any]) -> dict[str, Any]:
    return {field: record[field] for field in PUBLIC_FIELDS if record.get(field) is not None}


# --- Routes -------------------------------------------------------------------------------------------------------
def create_agent(user_id: str, event: dict[str, Any]) -> dict[str, Any]:
    specification = json_body(event)  # the body is the agent's specification
    problems = specification_problems(specification)
    if problems:
        raise ApiError(400, f"invalid agent specification: {len(problems)} problem(s)", errors=problems)
    agent_id = f"agent-{uuid.uuid4().hex}"
    records.create(user_id, agent_id, specification)
    try:
        execution = client("stepfunctions").start_execution(
            stateMachineArn=os.environ["AGENT_CREATION_STATE_MACHINE_ARN"], name=agent_id,
            input=json.dumps({"userId": user_id, "agentId": agent_id}))["executionArn"]
    except ClientError as error:
        reason = f"the agent-creation workflow did not start: {error.response['Error'].get('Code')}"
        records.update(user_id, agent_id, status=records.FAILED, failureReason=reason)
        log("workflow-not-started", agentId=agent_id, error=str(error))
        raise ApiError(503, reason, agentId=agent_id) from None
    records.update(user_id, agent_id, executionArn=execution)
    log("agent-requested", agentId=agent_id, executionArn=execution)
    return respond(202, {"agentId": agent_id, "status": records.REQUESTED,
                         "documents": specification.get("documents", [])})


def list_agents(user_id: str, event: dict[str, Any]) -> dict[str, Any]:
    agents = sorted((public(r) for r in records.of_user(user_id)), key=lambda a: (a.get("createdAt", 0), a["agentId"]))
    return respond(200, {"agents": agents})


def get_agent(user_id: str, event: dict[str, Any]) -> dict[str, Any]:
    return respond(200, public(own_agent(user_id, event)))


def upload_url(user_id: str, event: dict[str, Any]) -> dict[str, Any]:
    record = own_agent(user_id, event)
    body = json_body(event)
    name = body.get("fileName")
    why = file_name_problem(name)
    if why:
        raise ApiError(400, f"fileName: {why}")
    if record["status"] not in UPLOADS_OPEN:
        raise ApiError(409, f"the agent is {record['status']}: documents are read when its knowledge base is "
                            "provisioned, so they are uploaded before, while it is requested")
    key = f"{user_id}/{record['agentId']}/{name}"
    url = client("s3").generate_presigned_url(
        "put_object", Params={"Bucket": os.environ["KNOWLEDGE_BASES_BUCKET"], "Key": key},
        ExpiresIn=UPLOAD_URL_SECONDS, HttpMethod="PUT")
    log("upload-url", agentId=record["agentId"], key=key)
    return respond(200, {"uploadUrl": url, "method": "PUT", "fileName": name, "expiresInSeconds": UPLOAD_URL_SECONDS})


def invoke_agent(user_id: str, event: dict[str, Any]) -> dict[str, Any]:
    record = own_agent(user_id, event)
    body = json_body(event)
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip() or len(prompt) > MAX_PROMPT:
        raise ApiError(400, f"prompt must be a non-empty string of at most {MAX_PROMPT} characters")
    if record["status"] != records.DEPLOYED or not record.get("agentRuntimeArn"):
        raise ApiError(409, f"the agent is {record['status']}, not deployed: it answers once it is deployed",
                       agentStatus=record["status"])
    runtime_arn = record["agentRuntimeArn"]
    session = "api-" + hashlib.sha256(f"{user_id}/{record['agentId']}/{uuid.uuid4()}".encode()).hexdigest()
    agentcore = client("bedrock-agentcore")
    try:
        response = agentcore.invoke_agent_runtime(
            agentRuntimeArn=runtime_arn, qualifier="DEFAULT", runtimeSessionId=session,
            contentType="application/json", accept="application/json", payload=json.dumps({"prompt": prompt}).encode())
        raw = response["response"].read()
    except ClientError as error:
        log("invoke-failed", agentId=record["agentId"], error=str(error))
        raise ApiError(502, f"the agent did not answer: {error.response['Error'].get('Code')}") from None
    finally:
        with contextlib.suppress(ClientError):
            agentcore.stop_runtime_session(agentRuntimeArn=runtime_arn, runtimeSessionId=session, qualifier="DEFAULT")
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = {"answer": raw.decode(errors="replace")}
    return respond(200, answer)


ROUTES = {
    "POST /agents": create_agent,
    "GET /agents": list_agents,
    "GET /agents/{agentId}": get_agent,
    "POST /agents/{agentId}/documents": upload_url,
    "POST /agents/{agentId}/invoke": invoke_agent,
}


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    request_id = getattr(context, "aws_request_id", None)
    try:
        if not isinstance(event, dict) or event.get("version") != "2.0":
            raise ApiError(400, "expected an API Gateway HTTP API event (payload format 2.0)")
        route = ROUTES.get(str(event.get("routeKey")))
        if route is None:
            raise ApiError(404, "Not Found")
        return route(caller(event), event)
    except ApiError as error:
        return respond(error.status, {"message": error.message, **error.extra})
    except Exception:  # answered without internals; the traceback goes to the function's log
        log("unexpected-error", requestId=request_id, error=traceback.format_exc())
        return respond(500, {"message": "internal error", "requestId": request_id})
