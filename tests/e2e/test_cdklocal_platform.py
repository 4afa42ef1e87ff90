"""The platform's ``cdk.out`` deployed through cdklocal (the CDK CLI against LocalStack's CloudFormation, as a user of
the README's "The CDK CLI against it" would): the AgentCreator runtime is created by our
``AWS::BedrockAgentCore::Runtime`` provider and READY, the agent-creation workflow run on that deployment ends
with an agent that answers from its documents through InvokeAgentRuntime, and the HTTP API made by our
``AWS::ApiGatewayV2::*`` providers answers at the URL the CDK outputs, behind the users pool's JWT authorizer.

Its own stage (``cdklocal``), so its names never meet the LocalStack backend's deployments of ``local`` on the
suite's shared LocalStack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from oratio.backends.localstack import Target
from oratio.backends.localstack.providers.http_api import api_url
from oratio.demo import (
    DEMO_PASSWORD,
    DEMO_QUESTION,
    SAMPLE_DOCUMENTS,
    SPECIFICATION,
    ApiClient,
    ask_agent,
    claims_of,
    front_end_sign_in,
    request_agent,
    run_workflow,
)
from oratio.model.agent_runtime import runtime_prefix
from oratio.platform import SYSTEM_NAME, platform

pytestmark = [pytest.mark.e2e, pytest.mark.localstack]
ROOT = Path(__file__).resolve().parents[2]
STAGE = "cdklocal"
ACCOUNT = "000000000000"  # LocalStack's default account


def _cli(command: list[str], endpoint: str, cwd: Path) -> str:
    """A command with the environment bench/localstack_deploy.py gives cdklocal: LocalStack's endpoint, dummy
    credentials, no AWS profile."""
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_ENDPOINT_URL_S3": endpoint, "LOCALSTACK_ENDPOINT": endpoint,
           "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
           "CDK_DISABLE_CLI_TELEMETRY": "true", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    env.pop("AWS_PROFILE", None)
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{' '.join(command[:3])} failed:\n{(result.stdout + result.stderr)[-4000:]}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def deployed(localstack: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Target, dict[str, dict[str, str]]]:
    """Synth (the CLI, as a user does), bootstrap, deploy every stack; the stacks' outputs by stack."""
    work = tmp_path_factory.mktemp("cdklocal")
    assembly, outputs_file = work / "cdk.out", work / "outputs.json"
    _cli([sys.executable, "app.py", "synth", "--stage", STAGE, "--no-nag", "--output", str(assembly)], localstack.url,
         ROOT)
    cdklocal = str(ROOT / "node_modules" / ".bin" / "cdklocal")
    _cli([cdklocal, "bootstrap", f"aws://{ACCOUNT}/us-east-1", "--no-notices"], localstack.url, ROOT)
    _cli([cdklocal, "deploy", "--all", "--app", str(assembly), "--require-approval", "never", "--no-notices",
          "--outputs-file", str(outputs_file)], localstack.url, ROOT)
    return Target(localstack.url), json.loads(outputs_file.read_text())


def _output(stacks: dict[str, dict[str, str]], key: str, *, prefix: bool = False) -> str:
    """The one output named ``key`` (or, with ``prefix``, whose name starts with it: the CDK suffixes some names with
    a hash) across the platform's stacks."""
    found = [value for values in stacks.values() for name, value in values.items()
             if name == key or (prefix and name.startswith(key))]
    assert len(found) == 1, f"output {key}: {found} (outputs: {sorted(k for v in stacks.values() for k in v)})"
    return found[0]


def test_every_stack_of_the_platform_is_deployed(deployed: tuple[Target, dict[str, dict[str, str]]]) -> None:
    target, stacks = deployed
    prefix = platform(STAGE).prefix
    described = target.client("cloudformation").describe_stacks()["Stacks"]
    statuses = {stack["StackName"]: stack["StackStatus"] for stack in described
                if stack["StackName"].startswith(f"{prefix}-")}
    assert set(statuses) == set(stacks)
    assert statuses and set(statuses.values()) <= {"CREATE_COMPLETE", "UPDATE_COMPLETE"}, statuses


def test_the_agent_creator_runtime_is_ready(deployed: tuple[Target, dict[str, dict[str, str]]]) -> None:
    target, stacks = deployed
    arn = _output(stacks, "AgentcreatorRuntimeArn")
    runtime = target.client("bedrock-agentcore-control").get_agent_runtime(agentRuntimeId=arn.rsplit("/", 1)[-1])
    assert runtime["agentRuntimeArn"] == arn and runtime["status"] == "READY"
    assert runtime["agentRuntimeName"].startswith(runtime_prefix(SYSTEM_NAME, STAGE))
    code = runtime["agentRuntimeArtifact"]["codeConfiguration"]
    assert code["entryPoint"] == ["main.py"]


def test_the_workflow_on_the_cdklocal_deployment_ends_with_an_agent_that_answers(
        deployed: tuple[Target, dict[str, dict[str, str]]]) -> None:
    target, stacks = deployed
    values = {"tables": {"agents": _output(stacks, "AgentsTableName")},
              "buckets": {"knowledge-bases": _output(stacks, "KnowledgeBasesBucketName")},
              "state_machines": {"agent-creation": _output(stacks, "AgentCreationStateMachineArn")}}
    # The workflow's meta-agent is the runtime CloudFormation created (its ARN crossed stacks as an export).
    invoker = target.client("lambda").get_function_configuration(
        FunctionName=_output(stacks, "AgentcreatorInvokerFunctionArn"))
    assert invoker["Environment"]["Variables"]["AGENTCREATOR_RUNTIME_ARN"] == _output(stacks, "AgentcreatorRuntimeArn")
    user_id, agent_id = f"user-{uuid.uuid4().hex[:8]}", f"agent-{uuid.uuid4().hex[:8]}"
    request_agent(target, values, user_id, agent_id, SPECIFICATION, SAMPLE_DOCUMENTS)
    run = run_workflow(target, values, user_id, agent_id, timeout_s=120)
    assert run.status == "SUCCEEDED", run.error
    assert run.record["status"] == "deployed"
    assert run.states[-1][0] == "AgentCreated"
    # The agent's own runtime, named by the cdklocal stage's deployer (not the LocalStack backend's "local" one).
    agent_runtime = target.client("bedrock-agentcore-control").get_agent_runtime(
        agentRuntimeId=run.record["agentRuntimeId"])
    assert agent_runtime["status"] == "READY"
    assert agent_runtime["agentRuntimeName"].startswith(f"{runtime_prefix(SYSTEM_NAME, STAGE)}agent_")

    answer = ask_agent(target, run.record["agentRuntimeArn"], DEMO_QUESTION)
    assert answer["answer"].startswith("[local model stand-in]")
    assert "Items can be returned within 30 days with their receipt." in answer["answer"]
    assert "Monday to Friday" not in answer["answer"]


def test_the_api_made_by_cloudformation_answers_at_its_output_url_behind_the_jwt_authorizer(
        deployed: tuple[Target, dict[str, dict[str, str]]]) -> None:
    target, stacks = deployed
    api_id, url = _output(stacks, "ApiApiId"), _output(stacks, "ApiApiUrl")
    # The CDK's ${ApiEndpoint}/ is the loopback URL the LocalStack backend prints for an API: no DNS needed.
    assert url == api_url(target.endpoint, api_id)
    api = target.client("apigatewayv2").get_api(ApiId=api_id)
    assert api["Name"] == f"{platform(STAGE).prefix}-api" and api["ProtocolType"] == "HTTP"
    routes = {r["RouteKey"]: r for r in target.client("apigatewayv2").get_routes(ApiId=api_id)["Items"]}
    assert "GET /agents" in routes and routes["GET /agents"]["AuthorizationType"] == "JWT"

    try:  # no token: the authorizer refuses before the function runs
        with urllib.request.urlopen(urllib.request.Request(url + "agents"), timeout=30) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})

    # A user signed up through Cognito's public API with the web client this deployment made: its ID token opens
    # the API, and the list is the user's own (a new user has none; the workflow test's agent is another user's).
    client_id = _output(stacks, "UsersWebClientId", prefix=True)
    email = f"cdklocal-{uuid.uuid4().hex[:8]}@example.com"
    tokens = front_end_sign_in(target, {"user_pools": {"users": {"clients": {"web": client_id}}}}, email,
                               DEMO_PASSWORD)
    assert claims_of(tokens["IdToken"])["aud"] == client_id
    status, answer = ApiClient(url, tokens["IdToken"]).call("GET", "agents")
    assert (status, answer) == (200, {"agents": []})
