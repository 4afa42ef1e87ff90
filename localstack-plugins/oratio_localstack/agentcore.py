"""Amazon Bedrock AgentCore Runtime: control plane (``bedrock-agentcore-control``) and data plane
(``bedrock-agentcore`` InvokeAgentRuntime), for code deployments (``codeConfiguration``: a .zip in S3, an entry
point, a Python runtime). LocalStack's community edition has no AgentCore; its paid one needs Docker.

Control plane, with state per account and region (``AgentCoreStore``): a created or updated runtime is CREATING
(UPDATING) and becomes READY after ``ORATIO_AGENTCORE_READY_DELAY_S`` (default 0.3 s) once its .zip has been
fetched from LocalStack's S3, checked (a zip holding the entry point) and unpacked under LocalStack's tmp folder;
otherwise CREATE_FAILED (UPDATE_FAILED) with ``failureReason``. Each update makes a new version; the DEFAULT
endpoint serves the newest READY version. ARNs: ``arn:aws:bedrock-agentcore:{region}:{account}:runtime/{id}``,
ids ``{name}-{10 alphanumerics}``.

Data plane: InvokeAgentRuntime runs one local process per runtime session (``agent_processes``, which documents
the local agent contract: the ``PORT`` variable, the environment, logs, timeouts).
"""

from __future__ import annotations

import io
import logging
import os
import random
import re
import shutil
import string
import tempfile
import threading
import time
import uuid
import zipfile
from datetime import UTC, datetime
from typing import Any

from localstack.aws.api import CommonServiceException, RequestContext
from localstack.services.stores import AccountRegionBundle, BaseStore, LocalAttribute

from oratio_localstack.agent_processes import (
    DEFAULT_IDLE_TIMEOUT_S,
    DEFAULT_MAX_LIFETIME_S,
    IDLE_TIMEOUT_VARIABLE,
    MANAGER,
    RuntimeVersion,
)

LOG = logging.getLogger(__name__)
READY_DELAY_VARIABLE = "ORATIO_AGENTCORE_READY_DELAY_S"
NAME_PATTERN = re.compile(r"[a-zA-Z][a-zA-Z0-9_]{0,47}")
ROLE_PATTERN = re.compile(r"arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+")
RUNTIMES = ("PYTHON_3_10", "PYTHON_3_11", "PYTHON_3_12", "PYTHON_3_13", "PYTHON_3_14")
MAX_ENVIRONMENT_VARIABLES = 50
DEFAULT_ENDPOINT = "DEFAULT"


class AgentCoreStore(BaseStore):
    runtimes: dict[str, dict[str, Any]] = LocalAttribute(default=dict)


stores = AccountRegionBundle("bedrock-agentcore-control", AgentCoreStore, validate=False)


def _store(context: RequestContext) -> AgentCoreStore:
    return stores[context.account_id][context.region]


def _now() -> datetime:
    return datetime.now(UTC)


def validation(message: str) -> CommonServiceException:
    return CommonServiceException("ValidationException", message, status_code=400)


def not_found(message: str) -> CommonServiceException:
    return CommonServiceException("ResourceNotFoundException", message, status_code=404)


def conflict(message: str) -> CommonServiceException:
    return CommonServiceException("ConflictException", message, status_code=409)


def code_root() -> str:
    """Unpacked runtime code, under LocalStack's tmp folder (the embedded LocalStack's TMPDIR)."""
    return os.path.join(tempfile.gettempdir(), "agentcore")


# --- Validation -------------------------------------------------------------------------------------------------
def _validate(request: dict[str, Any], creating: bool) -> None:
    if creating:
        name = request.get("agentRuntimeName")
        if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            raise validation(f"1 validation error detected: Value '{name}' at 'agentRuntimeName' failed to satisfy "
                             "constraint: Member must satisfy regular expression pattern: [a-zA-Z][a-zA-Z0-9_]{0,47}")
    role = request.get("roleArn")
    if not isinstance(role, str) or not ROLE_PATTERN.fullmatch(role):
        raise validation(f"1 validation error detected: Value '{role}' at 'roleArn' failed to satisfy constraint: "
                         "Member must satisfy regular expression pattern: arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+")
    network = request.get("networkConfiguration") or {}
    if network.get("networkMode") not in ("PUBLIC", "VPC"):
        raise validation(f"Value '{network.get('networkMode')}' at 'networkConfiguration.networkMode' failed to "
                         "satisfy constraint: Member must satisfy enum value set: [PUBLIC, VPC]")
    artifact = request.get("agentRuntimeArtifact") or {}
    if len([k for k in ("codeConfiguration", "containerConfiguration") if artifact.get(k)]) != 1:
        raise validation("agentRuntimeArtifact must have exactly one of codeConfiguration and containerConfiguration")
    code = artifact.get("codeConfiguration")
    if code:
        s3 = (code.get("code") or {}).get("s3") or {}
        if not s3.get("bucket") or not s3.get("prefix"):
            raise validation("codeConfiguration.code.s3 must name a bucket and a prefix (the .zip's key)")
        if code.get("runtime") not in RUNTIMES:
            raise validation(f"Value '{code.get('runtime')}' at 'codeConfiguration.runtime' failed to satisfy "
                             f"constraint: Member must satisfy enum value set: [{', '.join(RUNTIMES)}]")
        entry = code.get("entryPoint")
        if not isinstance(entry, list) or not 1 <= len(entry) <= 2:
            raise validation("codeConfiguration.entryPoint must be a list of 1 or 2 strings, e.g. [\"main.py\"]")
    variables = request.get("environmentVariables") or {}
    if len(variables) > MAX_ENVIRONMENT_VARIABLES:
        raise validation(f"environmentVariables has {len(variables)} entries; at most {MAX_ENVIRONMENT_VARIABLES} "
                         "are allowed")
    description = request.get("description")
    if description is not None and not 1 <= len(description) <= 4096:
        raise validation("description must have 1 to 4096 characters")


CONFIG_FIELDS = ("agentRuntimeArtifact", "roleArn", "networkConfiguration", "description", "protocolConfiguration",
                 "lifecycleConfiguration", "environmentVariables", "authorizerConfiguration",
                 "requestHeaderConfiguration", "metadataConfiguration")


def _config(request: dict[str, Any]) -> dict[str, Any]:
    config = {k: request[k] for k in CONFIG_FIELDS if request.get(k) is not None}
    lifecycle = dict(config.get("lifecycleConfiguration") or {})
    lifecycle.setdefault("idleRuntimeSessionTimeout", int(DEFAULT_IDLE_TIMEOUT_S))
    lifecycle.setdefault("maxLifetime", int(DEFAULT_MAX_LIFETIME_S))
    config["lifecycleConfiguration"] = lifecycle
    return config


# --- Preparing a version: fetch, check, unpack ------------------------------------------------------------------
def _interpreter(runtime: str) -> str:
    import json

    version = runtime.removeprefix("PYTHON_").replace("_", ".")
    path = os.environ.get("ORATIO_LAMBDA_RUNTIMES")
    interpreters: dict[str, str] = {}
    if path and os.path.isfile(path):
        with open(path) as file:
            interpreters = json.load(file)
    found = interpreters.get(f"python{version}")
    if not found:
        raise RuntimeError(f"no local interpreter for {runtime} (this machine has: "
                           f"{', '.join(sorted(interpreters)) or 'none'}); install Python {version} (e.g. with pyenv) "
                           "and run 'python app.py localstack start' again, or choose a runtime it has")
    return found


def entry_script(entry_point: list[str]) -> str:
    """The file to run: the ``.py`` element (a wrapper such as opentelemetry-instrument before it is skipped)."""
    scripts = [e for e in entry_point if e.endswith(".py")]
    if not scripts:
        raise RuntimeError(f"the entry point {entry_point} names no .py file; local runs start a Python file")
    return scripts[-1]


def _prepare(account: str, region: str, runtime: dict[str, Any], version: str) -> None:
    """Makes ``version`` READY, or the runtime *_FAILED with the reason."""
    from localstack.aws.connect import connect_to

    creating = runtime["status"] == "CREATING"
    config = runtime["versions"][version]
    try:
        code = (config["agentRuntimeArtifact"] or {}).get("codeConfiguration")
        if not code:
            raise RuntimeError("container images cannot run locally (no Docker): use a code deployment "
                               "(codeConfiguration with a .zip in S3)")
        s3_location = code["code"]["s3"]
        where = f"s3://{s3_location['bucket']}/{s3_location['prefix']}"
        arguments = {"Bucket": s3_location["bucket"], "Key": s3_location["prefix"]}
        if s3_location.get("versionId"):
            arguments["VersionId"] = s3_location["versionId"]
        try:
            body = connect_to(aws_access_key_id=account, region_name=region).s3.get_object(**arguments)["Body"].read()
        except Exception as error:
            raise RuntimeError(f"the code package {where} cannot be fetched: {error}") from None
        try:
            archive = zipfile.ZipFile(io.BytesIO(body))
        except zipfile.BadZipFile:
            raise RuntimeError(f"the code package {where} is not a .zip file") from None
        script = entry_script(code["entryPoint"])
        if script not in archive.namelist():
            raise RuntimeError(f"the entry point {script} is not in the code package {where} (it holds: "
                               f"{', '.join(sorted(archive.namelist())[:10]) or 'nothing'})")
        python = _interpreter(code["runtime"])
        folder = os.path.join(code_root(), account, region, runtime["agentRuntimeId"], version)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        archive.extractall(folder)
        runtime["code"][version] = {"dir": folder, "script": script, "python": python}
        runtime["liveVersion"] = version
        runtime["status"] = "READY"
        runtime.pop("failureReason", None)
        MANAGER.stop_runtime(account, region, runtime["agentRuntimeId"], keep_version=version)
    except Exception as error:
        runtime["status"] = "CREATE_FAILED" if creating else "UPDATE_FAILED"
        runtime["failureReason"] = str(error)
        LOG.info("oratio agentcore: %s version %s failed: %s", runtime["agentRuntimeId"], version, error)
    runtime["lastUpdatedAt"] = _now()


def _prepare_later(context: RequestContext, runtime: dict[str, Any], version: str) -> None:
    delay = float(os.environ.get(READY_DELAY_VARIABLE) or 0.3)
    account, region = context.account_id, context.region

    def run() -> None:
        time.sleep(delay)
        with runtime["lock"]:
            if runtime["currentVersion"] == version and runtime["status"] in ("CREATING", "UPDATING"):
                _prepare(account, region, runtime, version)

    threading.Thread(target=run, daemon=True, name=f"agentcore-prepare-{runtime['agentRuntimeId']}").start()


# --- Control plane ----------------------------------------------------------------------------------------------
def _runtime(context: RequestContext, runtime_id: str) -> dict[str, Any]:
    runtime = _store(context).runtimes.get(runtime_id)
    if runtime is None:
        raise not_found(f"AgentRuntime not found: {runtime_id} does not exist in account {context.account_id} "
                        f"region {context.region}")
    return runtime


def create_agent_runtime(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    _validate(request, creating=True)
    store = _store(context)
    token = request.get("clientToken")
    for existing in store.runtimes.values():
        if token and existing.get("clientToken") == token:
            return _created(existing)
        if existing["agentRuntimeName"] == request["agentRuntimeName"]:
            raise conflict(f"An agent runtime named {request['agentRuntimeName']} already exists "
                           f"({existing['agentRuntimeId']})")
    suffix = "".join(random.choices(string.ascii_letters + string.digits, k=10))
    runtime_id = f"{request['agentRuntimeName']}-{suffix}"
    now = _now()
    runtime = {
        "agentRuntimeId": runtime_id, "agentRuntimeName": request["agentRuntimeName"],
        "agentRuntimeArn": f"arn:aws:bedrock-agentcore:{context.region}:{context.account_id}:runtime/{runtime_id}",
        "status": "CREATING", "createdAt": now, "lastUpdatedAt": now, "currentVersion": "1",
        "versions": {"1": {**_config(request), "createdAt": now}}, "code": {}, "liveVersion": None,
        "clientToken": token, "tags": dict(request.get("tags") or {}), "lock": threading.Lock(),
        "workloadIdentityDetails": {"workloadIdentityArn": f"arn:aws:bedrock-agentcore:{context.region}:"
                                    f"{context.account_id}:workload-identity-directory/default/workload-identity/"
                                    f"{runtime_id}"},
    }
    store.runtimes[runtime_id] = runtime
    _prepare_later(context, runtime, "1")
    return _created(runtime)


def _created(runtime: dict[str, Any]) -> dict[str, Any]:
    return {"agentRuntimeArn": runtime["agentRuntimeArn"], "agentRuntimeId": runtime["agentRuntimeId"],
            "agentRuntimeVersion": runtime["currentVersion"], "createdAt": runtime["createdAt"],
            "status": runtime["status"], "workloadIdentityDetails": runtime["workloadIdentityDetails"]}


def _view(runtime: dict[str, Any], version: str) -> dict[str, Any]:
    config = runtime["versions"][version]
    view = {"agentRuntimeArn": runtime["agentRuntimeArn"], "agentRuntimeName": runtime["agentRuntimeName"],
            "agentRuntimeId": runtime["agentRuntimeId"], "agentRuntimeVersion": version,
            "createdAt": runtime["createdAt"], "lastUpdatedAt": runtime["lastUpdatedAt"],
            "status": runtime["status"] if version == runtime["currentVersion"] else "READY",
            "workloadIdentityDetails": runtime["workloadIdentityDetails"],
            **{k: v for k, v in config.items() if k != "createdAt"}}
    if version == runtime["currentVersion"] and runtime.get("failureReason"):
        view["failureReason"] = runtime["failureReason"]
    return view


def get_agent_runtime(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    runtime = _runtime(context, request["agentRuntimeId"])
    version = request.get("agentRuntimeVersion") or runtime["currentVersion"]
    if version not in runtime["versions"]:
        raise not_found(f"Version {version} of agent runtime {runtime['agentRuntimeId']} does not exist")
    return _view(runtime, version)


def update_agent_runtime(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    runtime = _runtime(context, request["agentRuntimeId"])
    _validate(request, creating=False)
    with runtime["lock"]:
        if runtime["status"] in ("CREATING", "UPDATING", "DELETING"):
            raise conflict(f"Agent runtime {runtime['agentRuntimeId']} is {runtime['status']}; wait until it is "
                           "READY (or *_FAILED) before updating it")
        version = str(int(runtime["currentVersion"]) + 1)
        now = _now()
        runtime["versions"][version] = {**_config(request), "createdAt": now}
        runtime.update(currentVersion=version, status="UPDATING", lastUpdatedAt=now)
        runtime.pop("failureReason", None)
    _prepare_later(context, runtime, version)
    return {"agentRuntimeArn": runtime["agentRuntimeArn"], "agentRuntimeId": runtime["agentRuntimeId"],
            "agentRuntimeVersion": version, "createdAt": runtime["createdAt"], "lastUpdatedAt": now,
            "status": "UPDATING", "workloadIdentityDetails": runtime["workloadIdentityDetails"]}


def delete_agent_runtime(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    store = _store(context)
    runtime = _runtime(context, request["agentRuntimeId"])
    runtime["status"] = "DELETING"
    account, region, runtime_id = context.account_id, context.region, runtime["agentRuntimeId"]

    def finish() -> None:
        time.sleep(float(os.environ.get(READY_DELAY_VARIABLE) or 0.3))
        MANAGER.stop_runtime(account, region, runtime_id)
        store.runtimes.pop(runtime_id, None)
        shutil.rmtree(os.path.join(code_root(), account, region, runtime_id), ignore_errors=True)

    threading.Thread(target=finish, daemon=True).start()
    return {"status": "DELETING", "agentRuntimeId": runtime_id}


def _summary(runtime: dict[str, Any], version: str) -> dict[str, Any]:
    view = _view(runtime, version)
    return {k: view[k] for k in ("agentRuntimeArn", "agentRuntimeId", "agentRuntimeVersion", "agentRuntimeName",
                                 "lastUpdatedAt", "status")} | {"description": view.get("description", "")}


def _paged(items: list[Any], request: dict[str, Any], key: str) -> dict[str, Any]:
    size = int(request.get("maxResults") or 100)
    start = int(request.get("nextToken") or 0)
    result: dict[str, Any] = {key: items[start:start + size]}
    if start + size < len(items):
        result["nextToken"] = str(start + size)
    return result


def list_agent_runtimes(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    runtimes = sorted(_store(context).runtimes.values(), key=lambda r: r["createdAt"])
    return _paged([_summary(r, r["currentVersion"]) for r in runtimes], request, "agentRuntimes")


def list_agent_runtime_versions(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    runtime = _runtime(context, request["agentRuntimeId"])
    versions = sorted(runtime["versions"], key=int, reverse=True)
    return _paged([_summary(runtime, v) for v in versions], request, "agentRuntimes")


def _endpoint(runtime: dict[str, Any]) -> dict[str, Any]:
    live = runtime.get("liveVersion")
    status = "READY" if live else ("CREATE_FAILED" if runtime["status"] == "CREATE_FAILED" else "CREATING")
    if runtime["status"] == "UPDATING":
        status = "UPDATING"
    if runtime["status"] == "DELETING":
        status = "DELETING"
    endpoint = {"name": DEFAULT_ENDPOINT, "id": DEFAULT_ENDPOINT, "status": status,
                "agentRuntimeArn": runtime["agentRuntimeArn"],
                "agentRuntimeEndpointArn": f"{runtime['agentRuntimeArn']}/runtime-endpoint/{DEFAULT_ENDPOINT}",
                "createdAt": runtime["createdAt"], "lastUpdatedAt": runtime["lastUpdatedAt"],
                "targetVersion": runtime["currentVersion"]}
    if live:
        endpoint["liveVersion"] = live
    if runtime.get("failureReason") and not live:
        endpoint["failureReason"] = runtime["failureReason"]
    return endpoint


def get_agent_runtime_endpoint(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    runtime = _runtime(context, request["agentRuntimeId"])
    if request["endpointName"] != DEFAULT_ENDPOINT:
        raise not_found(f"Endpoint {request['endpointName']} of agent runtime {runtime['agentRuntimeId']} does not "
                        f"exist (locally only the {DEFAULT_ENDPOINT} endpoint exists)")
    return _endpoint(runtime)


def list_agent_runtime_endpoints(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return _paged([_endpoint(_runtime(context, request["agentRuntimeId"]))], request, "runtimeEndpoints")


def tag_resource(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    _by_arn(context, request["resourceArn"])["tags"].update(request.get("tags") or {})
    return {}


def untag_resource(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    tags = _by_arn(context, request["resourceArn"])["tags"]
    for key in request.get("tagKeys") or []:
        tags.pop(key, None)
    return {}


def list_tags_for_resource(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    return {"tags": dict(_by_arn(context, request["resourceArn"])["tags"])}


def _by_arn(context: RequestContext, arn: str) -> dict[str, Any]:
    for runtime in _store(context).runtimes.values():
        if runtime["agentRuntimeArn"] == arn:
            return runtime
    raise not_found(f"Resource {arn} not found")


# --- Data plane -------------------------------------------------------------------------------------------------
def invoke_agent_runtime(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    from urllib.parse import unquote

    arn = unquote(request["agentRuntimeArn"])
    match = re.fullmatch(r"arn:aws[^:]*:bedrock-agentcore:([^:]+):(\d{12}):runtime/([^/]+)", arn)
    if not match:
        raise validation(f"Invalid agentRuntimeArn '{arn}': expected "
                         "arn:aws:bedrock-agentcore:<region>:<account>:runtime/<agentRuntimeId>")
    region, account, runtime_id = match.groups()
    runtime = stores[account][region].runtimes.get(runtime_id)
    if runtime is None:
        raise not_found(f"No agent runtime {arn}")
    qualifier = request.get("qualifier") or DEFAULT_ENDPOINT
    version = runtime.get("liveVersion") if qualifier == DEFAULT_ENDPOINT else qualifier
    if qualifier != DEFAULT_ENDPOINT and qualifier not in runtime["versions"]:
        raise not_found(f"No endpoint or version '{qualifier}' for agent runtime {runtime_id}")
    if runtime["status"] == "DELETING":
        raise not_found(f"Agent runtime {runtime_id} is being deleted")
    code = runtime["code"].get(version or "")
    if code is None:
        reason = f": {runtime['failureReason']}" if runtime.get("failureReason") else ""
        raise validation(f"Agent runtime {runtime_id} has no READY version to invoke (status {runtime['status']})"
                         f"{reason}")
    session_id = request.get("runtimeSessionId") or str(uuid.uuid4())
    if len(session_id) < 33:
        raise validation(f"Value at 'runtimeSessionId' failed to satisfy constraint: Member must have length greater "
                         f"than or equal to 33 (got {len(session_id)})")
    config = runtime["versions"][version]
    lifecycle = config["lifecycleConfiguration"]
    variables = {k: str(v) for k, v in (config.get("environmentVariables") or {}).items()}
    # Local only: the idle timeout can be shortened below AWS's 60 s minimum per runtime, by an environment variable.
    idle_timeout = float(variables.get(IDLE_TIMEOUT_VARIABLE) or lifecycle["idleRuntimeSessionTimeout"])
    target = RuntimeVersion(
        account=account, region=region, runtime_id=runtime_id, runtime_arn=runtime["agentRuntimeArn"],
        version=version, code_dir=code["dir"], entry_point=code["script"], python=code["python"],
        environment=variables, idle_timeout_s=idle_timeout, max_lifetime_s=float(lifecycle["maxLifetime"]))
    body = request.get("payload") or b""
    if hasattr(body, "read"):
        body = body.read()
    headers = {"Content-Type": request.get("contentType") or "application/json",
               "Accept": request.get("accept") or "*/*",
               "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id": session_id}
    if request.get("runtimeUserId"):
        headers["X-Amzn-Bedrock-AgentCore-Runtime-User-Id"] = request["runtimeUserId"]
    status, content_type, answer = MANAGER.invoke(target, session_id, body, headers)
    if status >= 400:
        raise CommonServiceException(
            "RuntimeClientError", f"Received error ({status}) from runtime. Please check your CloudWatch logs for "
            f"more information (log group {target.log_group}). Body: {answer[:500].decode(errors='replace')}",
            status_code=424)
    return {"response": answer, "contentType": content_type, "runtimeSessionId": session_id, "statusCode": status}


BEDROCK_AGENTCORE_CONTROL = {
    "CreateAgentRuntime": create_agent_runtime, "GetAgentRuntime": get_agent_runtime,
    "UpdateAgentRuntime": update_agent_runtime, "DeleteAgentRuntime": delete_agent_runtime,
    "ListAgentRuntimes": list_agent_runtimes, "ListAgentRuntimeVersions": list_agent_runtime_versions,
    "GetAgentRuntimeEndpoint": get_agent_runtime_endpoint, "ListAgentRuntimeEndpoints": list_agent_runtime_endpoints,
    "TagResource": tag_resource, "UntagResource": untag_resource, "ListTagsForResource": list_tags_for_resource,
}
def stop_runtime_session(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    """Ends the session's process now, as AgentCore ends its microVM (the next invocation starts a fresh one)."""
    from urllib.parse import unquote

    arn = unquote(request["agentRuntimeArn"])
    match = re.fullmatch(r"arn:aws[^:]*:bedrock-agentcore:([^:]+):(\d{12}):runtime/([^/]+)", arn)
    if not match:
        raise validation(f"Invalid agentRuntimeArn '{arn}'")
    region, account, runtime_id = match.groups()
    if runtime_id not in stores[account][region].runtimes:
        raise not_found(f"No agent runtime {arn}")
    session_id = request["runtimeSessionId"]
    if not MANAGER.stop_session(account, region, runtime_id, session_id):
        raise not_found(f"Session {session_id} not found for agent runtime {runtime_id}")
    return {"runtimeSessionId": session_id, "statusCode": 200}


BEDROCK_AGENTCORE = {"InvokeAgentRuntime": invoke_agent_runtime, "StopRuntimeSession": stop_runtime_session}
