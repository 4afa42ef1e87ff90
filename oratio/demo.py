"""The full local run: the Oratio platform on the embedded LocalStack creates an agent end to end.

``python app.py demo`` deploys the platform (if needed), creates a user in Cognito and signs in, writes an
agent request and sample knowledge-base documents, starts the agent-creation workflow, follows it state by
state, prints the agent's final record, where its code is, and the workflow's history, then asks the new agent a
question about one of its documents through InvokeAgentRuntime and prints its answer.

Locally the foundation model is oratio's labelled stand-in (the LocalStack plug-ins' ``bedrock_models``): it wrote
the agent's code from a template, and it answers by quoting the retrieved passage that best fits the question.
Everything else (the meta-agent's code, the generated agent's code, ingestion, retrieval) runs for real.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from oratio.backends.localstack import Target, outputs, resolve_target, up
from oratio.errors import OratioError
from oratio.model import System
from oratio.platform import platform

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # the platform's code paths are relative to the checkout
DEMO_USER_EMAIL = "ada@example.com"
DEMO_PASSWORD = "Local-Demo-Password-1"  # a local, throwaway user: never a real credential
SAMPLE_DOCUMENTS = {
    "returns-policy.md": "# Returns\nItems can be returned within 30 days with their receipt.\n",
    "opening-hours.md": "# Opening hours\nMonday to Friday, 9:00 to 18:00; Saturday 10:00 to 16:00.\n",
}
# A question only the returns policy answers, and the words its answer must quote.
DEMO_QUESTION = "How many days do I have to return an item?"
DEMO_ANSWER_FROM = "returns-policy.md"
SPECIFICATION = {
    "name": "Store helper",
    "description": "Answers customers' questions about the store",
    "instructions": "Answer customers' questions about returns and opening hours, using the store's documents; "
                    "say so when the documents do not cover a question.",
}


@attrs.frozen
class Run:
    """One workflow execution as it ended: its status, the states it went through, and the agent's record."""

    execution_arn: str
    status: str
    states: tuple[tuple[str, str], ...]  # (state, how it ended: "ok" or the error)
    record: dict[str, Any]
    seconds: float
    error: str | None = None


def sign_in(target: Target, system_outputs: dict[str, Any], email: str = DEMO_USER_EMAIL) -> dict[str, Any]:
    """Create (once) a confirmed user in the platform's pool and sign in with USER_PASSWORD_AUTH."""
    pool = system_outputs["user_pools"]["users"]
    cognito = target.client("cognito-idp")
    with contextlib.suppress(cognito.exceptions.UsernameExistsException):
        cognito.admin_create_user(UserPoolId=pool["id"], Username=email, MessageAction="SUPPRESS",
                                  TemporaryPassword=DEMO_PASSWORD + "-tmp")
    cognito.admin_set_user_password(UserPoolId=pool["id"], Username=email, Password=DEMO_PASSWORD, Permanent=True)
    user = cognito.admin_get_user(UserPoolId=pool["id"], Username=email)
    tokens = cognito.initiate_auth(ClientId=pool["clients"]["web"], AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": email, "PASSWORD": DEMO_PASSWORD})
    return {"sub": next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub"),
            "tokens": tokens["AuthenticationResult"]}


def request_agent(target: Target, system_outputs: dict[str, Any], user_id: str, agent_id: str,
                  specification: dict[str, Any], documents: dict[str, str]) -> None:
    """What the platform's front end does: the agent's record, status "requested", and its documents."""
    from boto3.dynamodb.types import TypeSerializer

    item = {"userId": user_id, "agentId": agent_id, "status": "requested", "specification": specification,
            "createdAt": int(time.time())}
    serializer = TypeSerializer()
    target.client("dynamodb").put_item(TableName=system_outputs["tables"]["agents"],
                                       Item={key: serializer.serialize(value) for key, value in item.items()})
    for name, text in documents.items():
        target.client("s3").put_object(Bucket=system_outputs["buckets"]["knowledge-bases"],
                                       Key=f"{user_id}/{agent_id}/{name}", Body=text.encode())


def agent_record(target: Target, system_outputs: dict[str, Any], user_id: str, agent_id: str) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer

    item = target.client("dynamodb").get_item(TableName=system_outputs["tables"]["agents"], ConsistentRead=True,
                                              Key={"userId": {"S": user_id}, "agentId": {"S": agent_id}})["Item"]
    deserializer = TypeDeserializer()
    return {key: deserializer.deserialize(value) for key, value in item.items()}


def run_workflow(target: Target, system_outputs: dict[str, Any], user_id: str, agent_id: str,
                 progress: Callable[[str], None] | None = None, timeout_s: float = 120.0) -> Run:
    """Start the agent-creation workflow and follow it, state by state, until it ends."""
    say = progress or (lambda message: None)
    sfn = target.client("stepfunctions")
    started = time.monotonic()
    execution = sfn.start_execution(stateMachineArn=system_outputs["state_machines"]["agent-creation"],
                                    name=f"{agent_id}-{uuid.uuid4().hex[:8]}",
                                    input=json.dumps({"userId": user_id, "agentId": agent_id}))["executionArn"]
    seen, states, status = 0, [], "RUNNING"
    while True:
        # The status first, then the history: once the status says the run ended, the history read after it holds
        # every event (read the other way round, the last states could be missed).
        status = sfn.describe_execution(executionArn=execution)["status"]
        events = sfn.get_execution_history(executionArn=execution, maxResults=1000)["events"]
        for event in events[seen:]:
            kind = event["type"]
            if kind.endswith("StateEntered"):
                say(f"  {time.monotonic() - started:5.1f} s  -> {event['stateEnteredEventDetails']['name']}")
            elif kind.endswith("StateExited"):
                states.append((event["stateExitedEventDetails"]["name"], "ok"))
            elif kind in ("LambdaFunctionFailed", "TaskFailed"):
                details = event.get("lambdaFunctionFailedEventDetails") or event.get("taskFailedEventDetails") or {}
                say(f"           {details.get('error', 'error')}: {str(details.get('cause', ''))[:160]}")
        seen = len(events)
        if status != "RUNNING":
            break
        if time.monotonic() - started > timeout_s:
            raise OratioError(f"the workflow did not end within {timeout_s:.0f} s ({execution})",
                              "see 'python app.py localstack logs' for the Lambda output")
        time.sleep(0.25)
    description = sfn.describe_execution(executionArn=execution)
    error = description.get("error")
    return Run(execution, status, tuple(states), agent_record(target, system_outputs, user_id, agent_id),
               time.monotonic() - started, f"{error}: {description.get('cause', '')}" if error else None)


def ask_agent(target: Target, runtime_arn: str, question: str) -> dict[str, Any]:
    """The agent's answer to ``question`` (InvokeAgentRuntime, one session of its own, ended afterwards)."""
    agentcore = target.client("bedrock-agentcore")
    session = f"demo-question-{uuid.uuid4().hex}"
    response = agentcore.invoke_agent_runtime(agentRuntimeArn=runtime_arn, qualifier="DEFAULT",
                                              runtimeSessionId=session, contentType="application/json",
                                              accept="application/json",
                                              payload=json.dumps({"prompt": question}).encode())
    answer = json.loads(response["response"].read())
    with contextlib.suppress(agentcore.exceptions.ResourceNotFoundException):
        agentcore.stop_runtime_session(agentRuntimeArn=runtime_arn, runtimeSessionId=session, qualifier="DEFAULT")
    return answer


def deploy_platform(stage: str, say: Callable[[str], None]) -> tuple[Target, System, dict[str, Any]]:
    system = platform(stage)
    system.check()
    target = resolve_target(say)
    say(f"deploying {system.name} ({stage}) on {target.endpoint}")
    _plan, applied = up(target, system, project_root=PROJECT_ROOT, progress=say)
    say(f"  {len(applied)} changes applied" if applied else "  already up to date")
    return target, system, outputs(target, system)


def run_demo(stage: str = "local") -> int:
    say = print
    started = time.monotonic()
    target, _, system_outputs = deploy_platform(stage, say)
    user = sign_in(target, system_outputs)
    say(f"signed in as {DEMO_USER_EMAIL} (user {user['sub']}; id token {user['tokens']['IdToken'][:16]}...)")
    agent_id = f"agent-{uuid.uuid4().hex[:8]}"
    request_agent(target, system_outputs, user["sub"], agent_id, SPECIFICATION, SAMPLE_DOCUMENTS)
    say(f"requested agent {agent_id} ({SPECIFICATION['name']}) with {len(SAMPLE_DOCUMENTS)} documents; "
        "starting the agent-creation workflow:")
    run = run_workflow(target, system_outputs, user["sub"], agent_id, say)
    say(f"workflow {run.status} in {run.seconds:.1f} s; history: {' > '.join(name for name, _ in run.states)}")
    record = {k: v for k, v in run.record.items() if k != "specification"}
    say("agent record:")
    for key in sorted(record):
        say(f"  {key:<16} {record[key]}")
    if run.record.get("codeKey"):
        say(f"agent code: s3://{run.record['codeBucket']}/{run.record['codeKey']} (written by the AgentCreator "
            "meta-agent; locally its model is the labelled stand-in, which fills a template)")
    if run.status != "SUCCEEDED" or run.record.get("status") != "deployed":
        raise OratioError(f"the agent was not deployed: {run.error or run.record.get('failureReason')}",
                          "see 'python app.py localstack logs' for the Lambda output")
    say(f"workflow start to \"deployed\": {run.seconds:.1f} s")
    say(f"asking the agent (AgentCore runtime {run.record['agentRuntimeArn']}), about {DEMO_ANSWER_FROM}:")
    say(f"  Q: {DEMO_QUESTION}")
    asked = time.monotonic()
    answer = ask_agent(target, run.record["agentRuntimeArn"], DEMO_QUESTION)
    say(f"  A: {answer.get('answer')}  ({answer.get('sources')} passages retrieved, {time.monotonic() - asked:.1f} s)")
    say("  (the answer comes from the local model stand-in, not a foundation model: it quotes the retrieved passage "
        "that best fits the question; the agent's code, retrieval and its documents are real)")
    say(f"done in {time.monotonic() - started:.1f} s; stop LocalStack with 'python app.py localstack stop'")
    return 0
