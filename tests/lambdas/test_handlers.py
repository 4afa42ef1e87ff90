"""The platform's handlers called directly, against the platform's resources on LocalStack (not mocks):
retries make nothing twice, bad events fail with clear error types, and failures are recorded with reasons."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from oratio.backends.localstack import Target, outputs, up
from oratio.demo import SAMPLE_DOCUMENTS, SPECIFICATION, agent_record, request_agent
from oratio.platform import platform

pytestmark = pytest.mark.localstack
PROJECT_ROOT = Path(__file__).resolve().parents[2]
LAMBDAS = PROJECT_ROOT / "lambdas"
AGENTS = PROJECT_ROOT / "agents"


def load(function: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"{function}_handler", LAMBDAS / function / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def platform_on_localstack(localstack: Any) -> Iterator[tuple[Target, dict[str, Any]]]:
    """The local platform deployed, and this process set up as each function's environment would be."""
    target = Target(localstack.url)
    system = platform("local")
    up(target, system, project_root=PROJECT_ROOT)
    values = outputs(target, system)
    environment: dict[str, str] = {"AWS_ENDPOINT_URL": localstack.url, "AWS_ACCESS_KEY_ID": "test",
                                   "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}
    names = system.physical_names(target.place.account)
    names.update({f"agent-runtime:{name}": arn for name, arn in values["agent_runtimes"].items()})
    for function in system.functions:
        environment.update(system.environment(function, names))
    saved = {key: os.environ.get(key) for key in environment}
    os.environ.update(environment)
    sys.path[:0] = [str(LAMBDAS), str(AGENTS)]  # as in the bundles: common/ and agent_common/ beside the handler
    yield target, values
    sys.path.remove(str(LAMBDAS))
    sys.path.remove(str(AGENTS))
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


CONTEXT = SimpleNamespace(invoked_function_arn="arn:aws:lambda:us-east-1:000000000000:function:test")


def new_agent(target: Target, values: dict[str, Any], specification: dict[str, Any] = SPECIFICATION) -> dict[str, str]:
    ids = {"userId": f"user-{uuid.uuid4().hex[:8]}", "agentId": f"agent-{uuid.uuid4().hex[:8]}"}
    request_agent(target, values, ids["userId"], ids["agentId"], specification, SAMPLE_DOCUMENTS)
    return ids


def test_a_retried_provisioning_makes_one_knowledge_base(platform_on_localstack: tuple[Target, dict]) -> None:
    target, values = platform_on_localstack
    ids = new_agent(target, values)
    handler = load("kb_provisioner")
    before = len(target.client("bedrock-agent").list_knowledge_bases()["knowledgeBaseSummaries"])
    first = handler.lambda_handler(ids, CONTEXT)
    second = handler.lambda_handler(ids, CONTEXT)
    assert (first["knowledgeBaseId"], first["dataSourceId"]) == (second["knowledgeBaseId"], second["dataSourceId"])
    after = len(target.client("bedrock-agent").list_knowledge_bases()["knowledgeBaseSummaries"])
    assert after == before + 1
    record = agent_record(target, values, ids["userId"], ids["agentId"])
    assert (record["status"], record["knowledgeBaseId"]) == ("provisioning", first["knowledgeBaseId"])


def test_a_bad_event_fails_with_a_clear_error_type(platform_on_localstack: tuple[Target, dict]) -> None:
    from common.errors import AgentNotFound, InvalidRequest

    with pytest.raises(InvalidRequest) as raised:
        load("kb_provisioner").lambda_handler({"userId": "u1"}, CONTEXT)
    assert str(raised.value) == "agentId must be 1-64 letters, digits, '_' or '-', got None"
    with pytest.raises(AgentNotFound):
        load("kb_provisioner").lambda_handler({"userId": "nobody", "agentId": "nothing"}, CONTEXT)
    with pytest.raises(InvalidRequest) as raised:
        load("agentcore_deployer").lambda_handler({"action": "launch", "userId": "u", "agentId": "a"}, CONTEXT)
    assert str(raised.value) == "action must be check_code, deploy or mark_failed, got 'launch'"


def test_code_is_ready_only_when_it_exists_and_parses(platform_on_localstack: tuple[Target, dict]) -> None:
    target, values = platform_on_localstack
    ids = new_agent(target, values)
    deployer = load("agentcore_deployer")
    bucket, key = values["buckets"]["generated-code"], f"{ids['userId']}/{ids['agentId']}/agent.py"
    target.client("dynamodb").update_item(
        TableName=values["tables"]["agents"], Key={"userId": {"S": ids["userId"]}, "agentId": {"S": ids["agentId"]}},
        UpdateExpression="SET codeBucket = :b, codeKey = :k", ExpressionAttributeValues={":b": {"S": bucket},
                                                                                       ":k": {"S": key}})
    check = {"action": "check_code", **ids}
    assert deployer.lambda_handler(check, CONTEXT) == {
        "codeReady": False, "reason": f"s3://{bucket}/{key} does not exist yet"}
    target.client("s3").put_object(Bucket=bucket, Key=key, Body=b"def broken(:\n")
    result = deployer.lambda_handler(check, CONTEXT)
    assert result["codeReady"] is False and result["reason"].startswith(
        f"s3://{bucket}/{key}: the generated code is not valid Python")
    target.client("s3").put_object(Bucket=bucket, Key=key, Body=b"def handler(event, context):\n    return 1\n")
    assert deployer.lambda_handler(check, CONTEXT) == {"codeReady": False, "reason": f"s3://{bucket}/{key}: the "
                                                       "generated code defines no top-level handle(request, tools) "
                                                       "function"}
    target.client("s3").put_object(Bucket=bucket, Key=key, Body=b"def handle(request, tools):\n    return {}\n")
    assert deployer.lambda_handler(check, CONTEXT) == {"codeReady": True}


def test_a_failure_is_recorded_with_the_reason_from_a_lambda_error(platform_on_localstack: tuple[Target, dict]) -> None:
    target, values = platform_on_localstack
    ids = new_agent(target, values)
    cause = json.dumps({"errorMessage": "the knowledge base could not be created", "errorType": "ClientError"})
    result = load("agentcore_deployer").lambda_handler(
        {"action": "mark_failed", "request": {**ids, "error": {"Error": "ClientError", "Cause": cause}}}, CONTEXT)
    assert result == {"recorded": True, "reason": "ClientError: the knowledge base could not be created"}
    record = agent_record(target, values, ids["userId"], ids["agentId"])
    assert (record["status"], record["failureReason"]) == ("failed", result["reason"])


def test_a_failure_without_ids_is_reported_not_recorded(platform_on_localstack: tuple[Target, dict]) -> None:
    result = load("agentcore_deployer").lambda_handler(
        {"action": "mark_failed", "request": {"error": {"Error": "InvalidRequest", "Cause": "no ids"}}}, CONTEXT)
    assert result == {"recorded": False, "reason": "InvalidRequest: no ids"}


def test_a_redeploy_updates_the_same_agent(platform_on_localstack: tuple[Target, dict]) -> None:
    target, values = platform_on_localstack
    ids = new_agent(target, values)
    load("kb_provisioner").lambda_handler(ids, CONTEXT)
    load("agentcreator_invoker").lambda_handler({**ids, "knowledgeBaseId": "kb"}, CONTEXT)
    deployer = load("agentcore_deployer")
    first = deployer.lambda_handler({"action": "deploy", **ids}, CONTEXT)
    second = deployer.lambda_handler({"action": "deploy", **ids}, CONTEXT)
    assert first == second and first["status"] == "deployed"
    versions = target.client("bedrock-agentcore-control").list_agent_runtime_versions(
        agentRuntimeId=first["agentRuntimeId"])["agentRuntimes"]
    assert sorted(v["agentRuntimeVersion"] for v in versions) == ["1", "2"]  # the same runtime, updated
