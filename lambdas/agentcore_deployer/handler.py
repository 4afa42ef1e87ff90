"""The agent's code and deployment, by ``action``:

- ``check_code``: ``{"codeReady": true}`` once the generated object exists, parses and follows the serving base's
  contract (``agent_common.contract``); a missing or unusable object is not an error but ``codeReady: false`` with
  the reason (the workflow waits and checks again, a bounded number of times).
- ``deploy``: packages the generated ``agent.py`` with the serving base (``agents/serving_base``, its shared code
  and its SDK) into a reproducible .zip in the generated-code bucket, creates the agent's own AgentCore runtime (or
  updates the one on the record) with the agents' execution role, its knowledge base and model in its environment,
  waits until it is READY (bounded; a failed status is raised with AgentCore's reason), checks that the code starts
  (one ``{"healthCheck": true}`` invocation, which the serving base answers without the model: code that fails when
  imported fails the deployment with AgentCore's error) and records its ARN.
- ``mark_failed``: records "failed" with the reason taken from the workflow's error.

Bedrock Agents (CreateAgent, aliases) are not used: the generated code itself is what runs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import time
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

from agent_common.contract import ContractError, check
from botocore.exceptions import ClientError
from common import records
from common.aws import client, log
from common.errors import CodeNotReady, DeploymentFailed, InvalidRequest
from common.events import check_specification, require_ids

AGENT_RUNTIME = "PYTHON_3_13"
ENTRY_POINT = ["main.py"]
# The serving base's SDK, packaged into every agent (AgentCore's Python runtime ships none); pure Python.
VENDORED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
POLL_S = 5  # the longest pause between two GetAgentRuntime calls (from 0.25 s, doubling: a runtime is often
#             READY within a second, and every pause is time the agent's user waits)
FIRST_POLL_S = 0.25
MAX_WAIT_S = 8 * 60
FAILED = ("CREATE_FAILED", "UPDATE_FAILED")


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
        check(code)
    except UnicodeDecodeError as error:
        return None, f"s3://{bucket}/{key} is not text: {error}"
    except ContractError as error:
        return None, f"s3://{bucket}/{key}: {error}"
    return code, ""


def check_code(user_id: str, agent_id: str) -> dict[str, Any]:
    code, reason = read_code(records.get(user_id, agent_id))
    log("code-checked", agentId=agent_id, ready=code is not None, reason=reason)
    return {"codeReady": code is not None, **({"reason": reason} if reason else {})}


# --- Packaging ------------------------------------------------------------------------------------------------
def _folder(name: str) -> Path:
    """An included folder: beside this handler in its bundle, or in the repository's agents/ folder."""
    here = Path(__file__).resolve().parent
    for candidate in (here / name, here.parents[1] / "agents" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"{name} is neither in the function's bundle nor in agents/")


def _files(folder: Path, prefix: str) -> dict[str, bytes]:
    return {prefix + str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc" and p.name != "requirements.txt"}


@cache
def base_files() -> dict[str, bytes]:
    """The serving base at the archive's root, its shared code, and its SDK."""
    files = _files(_folder("serving_base"), "") | _files(_folder("agent_common"), "agent_common/")
    for name in VENDORED:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise FileNotFoundError(f"the serving base needs {name}, which this function's bundle lacks")
        origin = Path(spec.origin)
        if origin.name == "__init__.py":
            files |= _files(origin.parent, f"{name}/")
        else:
            files[origin.name] = origin.read_bytes()
    return files


def package(code: str) -> bytes:
    """The agent's .zip: the same bytes for the same code (sorted entries, fixed times, fixed modes)."""
    files = {**base_files(), "agent.py": code.encode()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.external_attr = 0o644 << 16  # AgentCore reads files with POSIX permissions
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return out.getvalue()


# --- The runtime ------------------------------------------------------------------------------------------------
def runtime_name(user_id: str, agent_id: str) -> str:
    """AgentCore's name for the agent: the system's runtime prefix (so the execution role's log access covers
    it), then a hash of the agent: [a-zA-Z][a-zA-Z0-9_]{0,47}."""
    prefix = os.environ["AGENT_RUNTIME_PREFIX"] + "agent_"
    digest = hashlib.sha256(f"{user_id}/{agent_id}".encode()).hexdigest()
    return prefix + digest[:max(8, 48 - len(prefix))]


def runtime_settings(record: dict[str, Any], bucket: str, key: str) -> dict[str, Any]:
    """What CreateAgentRuntime and UpdateAgentRuntime share."""
    model = (record.get("specification") or {}).get("foundationModel") or os.environ["AGENT_MODEL_ID"]
    return {
        "agentRuntimeArtifact": {"codeConfiguration": {
            "code": {"s3": {"bucket": bucket, "prefix": key}}, "runtime": AGENT_RUNTIME, "entryPoint": ENTRY_POINT}},
        "roleArn": os.environ["AGENTS_ROLE_ARN"],
        "networkConfiguration": {"networkMode": "PUBLIC"},
        "environmentVariables": {"KNOWLEDGE_BASE_ID": record["knowledgeBaseId"], "MODEL_ID": model},
    }


def wait_until_ready(runtime_id: str, context: Any) -> dict[str, Any]:
    """Poll GetAgentRuntime until READY; a failed status raises with AgentCore's reason. Bounded by MAX_WAIT_S and
    by the function's own remaining time (30 s are kept to record the outcome)."""
    remaining = getattr(context, "get_remaining_time_in_millis", lambda: MAX_WAIT_S * 1000)() / 1000 - 30
    deadline = time.monotonic() + min(MAX_WAIT_S, max(remaining, 0))
    pause = FIRST_POLL_S
    while True:
        runtime = client("bedrock-agentcore-control").get_agent_runtime(agentRuntimeId=runtime_id)
        if runtime["status"] == "READY":
            return runtime
        if runtime["status"] in FAILED:
            raise DeploymentFailed(f"agent runtime {runtime_id} is {runtime['status']}: "
                                   f"{runtime.get('failureReason') or 'AgentCore gave no reason'}")
        if time.monotonic() + pause > deadline:
            raise DeploymentFailed(f"agent runtime {runtime_id} is still {runtime['status']} after waiting")
        time.sleep(pause)
        pause = min(pause * 2, POLL_S)


def health_check_request(runtime_arn: str, user_id: str, agent_id: str) -> dict[str, Any]:
    """InvokeAgentRuntime's parameters for the health check (a session of its own: 33-256 characters)."""
    session = "health-" + hashlib.sha256(f"{user_id}/{agent_id}/{time.time_ns()}".encode()).hexdigest()
    return {"agentRuntimeArn": runtime_arn, "qualifier": "DEFAULT", "runtimeSessionId": session,
            "contentType": "application/json", "accept": "application/json",
            "payload": json.dumps({"healthCheck": True}).encode()}


def stop_session(runtime_arn: str, session_id: str) -> None:
    """End a session now rather than at AgentCore's idle timeout (a session that already ended is no error)."""
    try:
        client("bedrock-agentcore").stop_runtime_session(agentRuntimeArn=runtime_arn, runtimeSessionId=session_id,
                                                         qualifier="DEFAULT")
    except ClientError as error:
        if error.response["Error"].get("Code") != "ResourceNotFoundException":
            raise


def check_starts(runtime_arn: str, user_id: str, agent_id: str) -> None:
    """The agent's code starts and answers the serving base's health check; if not, AgentCore's error says why."""
    request = health_check_request(runtime_arn, user_id, agent_id)
    try:
        response = client("bedrock-agentcore").invoke_agent_runtime(**request)
        answer = json.loads(response["response"].read() or b"{}")
    except ClientError as error:
        raise DeploymentFailed(f"the agent's code does not start: {error.response['Error'].get('Code')}: "
                               f"{error.response['Error'].get('Message')}") from None
    stop_session(runtime_arn, request["runtimeSessionId"])
    if answer.get("healthy") is not True:
        raise DeploymentFailed(f"the agent's code answered the health check with {answer!r}")


def deploy(user_id: str, agent_id: str, context: Any) -> dict[str, Any]:
    record = records.get(user_id, agent_id)
    check_specification(record.get("specification"))
    if not record.get("knowledgeBaseId"):
        raise InvalidRequest("the agent has no knowledge base yet: provisioning must come first")
    code, reason = read_code(record)
    if code is None:
        raise CodeNotReady(reason)
    archive = package(code)
    bucket = os.environ["GENERATED_CODE_BUCKET"]
    key = f"{user_id}/{agent_id}/agent-{hashlib.sha256(archive).hexdigest()[:16]}.zip"
    client("s3").put_object(Bucket=bucket, Key=key, Body=archive, ContentType="application/zip")
    records.update(user_id, agent_id, status=records.DEPLOYING, codePackage=key)
    settings = runtime_settings(record, bucket, key)
    control = client("bedrock-agentcore-control")
    token = hashlib.sha256(f"{user_id}/{agent_id}/{key}".encode()).hexdigest()
    runtime_id = record.get("agentRuntimeId")
    if runtime_id:
        control.update_agent_runtime(agentRuntimeId=runtime_id, clientToken=token, **settings)
    else:
        created = control.create_agent_runtime(agentRuntimeName=runtime_name(user_id, agent_id), clientToken=token,
                                               description=f"Oratio agent {agent_id}", **settings)
        runtime_id = created["agentRuntimeId"]
        records.update(user_id, agent_id, agentRuntimeId=runtime_id, agentRuntimeArn=created["agentRuntimeArn"])
    runtime = wait_until_ready(runtime_id, context)
    check_starts(runtime["agentRuntimeArn"], user_id, agent_id)
    updated = records.update(user_id, agent_id, status=records.DEPLOYED, agentRuntimeArn=runtime["agentRuntimeArn"],
                             agentRuntimeVersion=runtime.get("agentRuntimeVersion"), failureReason=None)
    log("agent-deployed", agentId=agent_id, agentRuntimeArn=runtime["agentRuntimeArn"], package=key)
    return {"agentRuntimeArn": runtime["agentRuntimeArn"], "agentRuntimeId": runtime_id, "status": updated["status"]}


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
