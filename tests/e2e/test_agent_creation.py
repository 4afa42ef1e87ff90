"""The whole platform on the embedded LocalStack: an agent created end to end, the bounded failure when code
never appears, a malformed request failing fast with its reason, and two creations at once."""

from __future__ import annotations

import ast
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from oratio.backends.localstack import Target, outputs, up
from oratio.demo import SAMPLE_DOCUMENTS, SPECIFICATION, Run, request_agent, run_workflow
from oratio.platform import platform, settings_for

pytestmark = [pytest.mark.e2e, pytest.mark.localstack]
PROJECT_ROOT = Path(__file__).resolve().parents[2]
STAGE = "local"


@pytest.fixture(scope="module")
def deployed(localstack: Any) -> tuple[Target, dict[str, Any]]:
    target = Target(localstack.url)
    system = platform(STAGE)
    up(target, system, project_root=PROJECT_ROOT)
    return target, outputs(target, system)


def create(deployed: tuple[Target, dict[str, Any]], specification: dict[str, Any]) -> tuple[str, str, Run]:
    target, values = deployed
    user_id, agent_id = f"user-{uuid.uuid4().hex[:8]}", f"agent-{uuid.uuid4().hex[:8]}"
    request_agent(target, values, user_id, agent_id, specification, SAMPLE_DOCUMENTS)
    return user_id, agent_id, run_workflow(target, values, user_id, agent_id, timeout_s=90)


def test_an_agent_is_created_end_to_end(deployed: tuple[Target, dict[str, Any]]) -> None:
    target, _ = deployed
    user_id, agent_id, run = create(deployed, SPECIFICATION)
    assert run.status == "SUCCEEDED", run.error
    assert run.record["status"] == "deployed"
    assert [name for name, _ in run.states][:3] == ["Initialise", "ProvisionKnowledgeBase", "InvokeAgentCreator"]
    assert run.states[-1][0] == "AgentCreated"
    code = target.client("s3").get_object(Bucket=run.record["codeBucket"], Key=run.record["codeKey"])
    ast.parse(code["Body"].read().decode())
    assert run.record["codeKey"] == f"{user_id}/{agent_id}/agent.py"
    agent = target.client("bedrock-agent").get_agent(agentId=run.record["bedrockAgentId"])["agent"]
    assert agent["agentStatus"] == "PREPARED" and agent["instruction"] == SPECIFICATION["instructions"]
    alias = target.client("bedrock-agent").get_agent_alias(agentId=run.record["bedrockAgentId"],
                                                            agentAliasId=run.record["aliasId"])["agentAlias"]
    assert alias["agentAliasName"] == "live"
    job = target.client("bedrock-agent").get_ingestion_job(
        knowledgeBaseId=run.record["knowledgeBaseId"], dataSourceId=run.record["dataSourceId"],
        ingestionJobId=run.record["ingestionJobId"])["ingestionJob"]
    assert job["statistics"]["numberOfDocumentsScanned"] == len(SAMPLE_DOCUMENTS)


def test_code_that_never_appears_ends_in_the_bounded_failure(deployed: tuple[Target, dict[str, Any]]) -> None:
    _, _, run = create(deployed, {**SPECIFICATION, "localStandIn": {"writeCode": False}})
    assert run.status == "FAILED"
    checks = [name for name, _ in run.states if name == "CheckCode"]
    assert len(checks) == settings_for(STAGE).max_code_checks
    assert run.record["status"] == "failed"
    assert run.record["failureReason"].startswith("CodeNotReady")


def test_a_malformed_request_fails_fast_with_its_reason(deployed: tuple[Target, dict[str, Any]]) -> None:
    _, _, run = create(deployed, {"name": "Too short", "instructions": "Be brief."})
    assert run.status == "FAILED"
    assert "InvokeAgentCreator" not in [name for name, _ in run.states]
    assert run.record["status"] == "failed"
    assert run.record["failureReason"] == (
        "InvalidRequest: specification.instructions must be at least 40 characters (Bedrock's minimum for an agent)")
    assert run.seconds < 15


def test_two_agents_at_once_both_succeed(deployed: tuple[Target, dict[str, Any]]) -> None:
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda _: create(deployed, SPECIFICATION)[2], range(2)))
    assert [(r.status, r.record["status"]) for r in runs] == [("SUCCEEDED", "deployed")] * 2
    assert runs[0].record["bedrockAgentId"] != runs[1].record["bedrockAgentId"]
