"""The whole platform on the embedded LocalStack, real processes throughout: the AgentCreator meta-agent runs on the
local AgentCore and asks the labelled model stand-in (at the Bedrock API) for the agent's code, the deployer deploys
that code as the agent's own AgentCore runtime, and the agent answers from its own knowledge base (S3 Vectors).

Covered: an agent created end to end through the platform's API (as its front end does) that answers from its
documents; two agents with different documents, created
at once, each quoting only its own; code that cannot start failing the deployment visibly; code that breaks the
serving base's contract refused by the meta-agent; a malformed request failing fast; and, last (it restarts
LocalStack), every runtime process gone after ``localstack stop``."""

from __future__ import annotations

import ast
import hashlib
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from oratio.backends.localstack import Target, outputs, up
from oratio.backends.localstack.embedded import process
from oratio.backends.localstack.embedded.layout import Layout
from oratio.demo import (
    SAMPLE_DOCUMENTS,
    SPECIFICATION,
    ApiClient,
    Run,
    agent_record,
    ask_agent,
    claims_of,
    front_end_sign_in,
    request_agent,
    run_workflow,
    workflow_history,
)
from oratio.platform import platform, settings_for
from tests.backends.localstack.processes import agent_processes

pytestmark = [pytest.mark.e2e, pytest.mark.localstack]
PROJECT_ROOT = Path(__file__).resolve().parents[2]
STAGE = "local"
RETURNS_QUESTION = "How many days do I have to return an item?"
SHIPPING_DOCUMENTS = {
    "shipping.md": "# Shipping\nOrders leave the warehouse within 2 working days; a courier collects any item you "
                   "return from your door.\n",
}


@pytest.fixture(scope="module")
def deployed(localstack: Any) -> tuple[Target, dict[str, Any]]:
    target = Target(localstack.url)
    system = platform(STAGE)
    up(target, system, project_root=PROJECT_ROOT)
    return target, outputs(target, system)


def create(deployed: tuple[Target, dict[str, Any]], specification: dict[str, Any],
           documents: dict[str, str] = SAMPLE_DOCUMENTS) -> tuple[str, str, Run]:
    target, values = deployed
    user_id, agent_id = f"user-{uuid.uuid4().hex[:8]}", f"agent-{uuid.uuid4().hex[:8]}"
    request_agent(target, values, user_id, agent_id, specification, documents)
    return user_id, agent_id, run_workflow(target, values, user_id, agent_id, timeout_s=120)


def test_an_agent_is_created_through_the_api_and_answers_from_its_documents(
        deployed: tuple[Target, dict[str, Any]]) -> None:
    """As the platform's front end: sign up with Cognito's public API, then only HTTP calls to the API with the ID
    token (create, upload through presigned URLs, poll until "deployed", ask); the rest is checked as the operator."""
    target, values = deployed
    tokens = front_end_sign_in(target, values, f"e2e-{uuid.uuid4().hex[:8]}@example.com", "E2e-Test-Password-3")
    api = ApiClient(values["http_apis"]["api"]["url"], tokens["IdToken"])
    agent_id = api.create_agent(SPECIFICATION, SAMPLE_DOCUMENTS)
    agent = api.wait_until_done(agent_id, timeout_s=120)
    assert agent["status"] == "deployed", agent.get("failureReason")
    assert agent["specification"] == {**SPECIFICATION, "documents": sorted(SAMPLE_DOCUMENTS)}
    status, listed = api.call("GET", "agents")
    assert status == 200 and [a["agentId"] for a in listed["agents"]] == [agent_id]

    user_id = claims_of(tokens["IdToken"])["sub"]
    record = agent_record(target, values, user_id, agent_id)
    states = workflow_history(target, record["executionArn"])
    assert states[:3] == ["Initialise", "ProvisionKnowledgeBase", "InvokeAgentCreator"]
    assert states[-1] == "AgentCreated"
    assert record["codeKey"] == f"{user_id}/{agent_id}/agent.py"
    code = target.client("s3").get_object(Bucket=record["codeBucket"], Key=record["codeKey"])
    tree = ast.parse(code["Body"].read().decode())
    assert [node.name for node in tree.body if isinstance(node, ast.FunctionDef)] == ["handle"]
    runtime = target.client("bedrock-agentcore-control").get_agent_runtime(agentRuntimeId=record["agentRuntimeId"])
    assert runtime["status"] == "READY" and runtime["agentRuntimeArn"] == record["agentRuntimeArn"]
    assert runtime["environmentVariables"]["KNOWLEDGE_BASE_ID"] == record["knowledgeBaseId"]
    job = target.client("bedrock-agent").get_ingestion_job(
        knowledgeBaseId=record["knowledgeBaseId"], dataSourceId=record["dataSourceId"],
        ingestionJobId=record["ingestionJobId"])["ingestionJob"]
    assert job["statistics"]["numberOfDocumentsScanned"] == len(SAMPLE_DOCUMENTS)

    answer = api.ask(agent_id, RETURNS_QUESTION)
    assert answer["answer"].startswith("[local model stand-in]")
    assert "Items can be returned within 30 days with their receipt." in answer["answer"]
    assert "Monday to Friday" not in answer["answer"]  # the other document's passage ranks lower


def test_two_agents_with_different_documents_each_quote_only_their_own(
        deployed: tuple[Target, dict[str, Any]]) -> None:
    target, _ = deployed
    with ThreadPoolExecutor(2) as pool:
        store, shipping = pool.map(lambda documents: create(deployed, SPECIFICATION, documents)[2],
                                   [SAMPLE_DOCUMENTS, SHIPPING_DOCUMENTS])
    assert [(r.status, r.record["status"]) for r in (store, shipping)] == [("SUCCEEDED", "deployed")] * 2
    assert store.record["knowledgeBaseId"] != shipping.record["knowledgeBaseId"]
    assert store.record["agentRuntimeArn"] != shipping.record["agentRuntimeArn"]

    from_store = ask_agent(target, store.record["agentRuntimeArn"], RETURNS_QUESTION)["answer"]
    from_shipping = ask_agent(target, shipping.record["agentRuntimeArn"], RETURNS_QUESTION)["answer"]
    assert "within 30 days with their receipt" in from_store and "courier" not in from_store
    assert "a courier collects any item you return" in from_shipping and "30 days" not in from_shipping


def test_an_agent_whose_code_cannot_start_fails_visibly(deployed: tuple[Target, dict[str, Any]]) -> None:
    target, _ = deployed
    _, _, run = create(deployed, {**SPECIFICATION, "localStandIn": {"code": "fails-to-start"}})
    assert run.status == "FAILED"
    assert "DeployAgent" in [name for name, _ in run.states]
    assert run.record["status"] == "failed"
    reason = run.record["failureReason"]
    assert reason.startswith("DeploymentFailed: the agent's code does not start: RuntimeClientError"), reason
    assert "this agent fails at start" in reason  # the code's own error, from the runtime's output

    with pytest.raises(ClientError) as invoked:  # the runtime exists (READY); its code does not start
        ask_agent(target, run.record["agentRuntimeArn"], RETURNS_QUESTION)
    error = invoked.value.response
    assert error["Error"]["Code"] == "RuntimeClientError" and error["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert "this agent fails at start" in error["Error"]["Message"]


def test_code_that_breaks_the_contract_is_refused_by_the_meta_agent(deployed: tuple[Target, dict[str, Any]]) -> None:
    _, _, run = create(deployed, {**SPECIFICATION, "localStandIn": {"code": "breaks-contract"}})
    assert run.status == "FAILED"
    assert "DeployAgent" not in [name for name, _ in run.states]
    assert run.record["status"] == "failed"
    assert "the model wrote no valid agent in 2 attempts" in run.record["failureReason"]
    assert "defines no top-level handle(request, tools) function" in run.record["failureReason"]


def _agent_creator_prompt(specification: dict[str, Any]) -> str:
    """The user message the AgentCreator sends for ``specification`` (its own code, agents/agentcreator/main.py)."""
    return "Write agent.py for this agent specification:\n" + json.dumps(specification, indent=2, sort_keys=True)


def test_the_meta_agents_converse_request_reaches_the_model_stand_in(deployed: tuple[Target, dict[str, Any]]) -> None:
    """The stand-in logs one line per request it answers; the meta-agent's request for this agent's code is there,
    recognised as a code request, for the creator's model (the prompt is identified by its hash)."""
    specification = {**SPECIFICATION, "name": f"Logged helper {uuid.uuid4().hex[:6]}"}
    _, _, run = create(deployed, specification)
    assert run.status == "SUCCEEDED", run.error
    digest = hashlib.sha256(_agent_creator_prompt(specification).encode()).hexdigest()[:12]
    lines = [line for line in Layout.default().log_file.read_text(errors="replace").splitlines()
             if "oratio model stand-in: Converse" in line and f"request={digest}" in line]
    assert len(lines) == 1, lines
    assert f"Converse {settings_for(STAGE).creator_model} code-request" in lines[0]


def test_a_malformed_request_fails_fast_with_its_reason(deployed: tuple[Target, dict[str, Any]]) -> None:
    _, _, run = create(deployed, {"name": "Too short", "instructions": "Be brief."})
    assert run.status == "FAILED"
    assert "InvokeAgentCreator" not in [name for name, _ in run.states]
    assert run.record["status"] == "failed"
    assert run.record["failureReason"] == (
        "InvalidRequest: specification.instructions must be at least 40 characters (Bedrock's minimum for an agent)")
    assert run.seconds < 15


def test_every_runtime_process_is_gone_after_localstack_stop(deployed: tuple[Target, dict[str, Any]],
                                                            localstack: Any) -> None:
    """Last in this module: it restarts the embedded LocalStack. The agent's session is left running on purpose."""
    if not localstack.embedded:
        pytest.fail("this test needs the embedded LocalStack (unset LOCALSTACK_ENDPOINT/AWS_ENDPOINT_URL)")
    target, _ = deployed
    _, _, run = create(deployed, SPECIFICATION)
    assert run.status == "SUCCEEDED", run.error
    target.client("bedrock-agentcore").invoke_agent_runtime(
        agentRuntimeArn=run.record["agentRuntimeArn"], runtimeSessionId=f"left-running-{uuid.uuid4().hex}",
        payload=json.dumps({"prompt": RETURNS_QUESTION}).encode())["response"].read()
    layout = Layout.default()
    running = agent_processes(layout)
    assert running
    assert process.stop(layout) is True
    assert agent_processes(layout) == [] and not any(Path(f"/proc/{pid}").exists() for pid in running)
    assert process.start(layout).running
