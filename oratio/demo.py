"""The full local run: the Oratio platform on the embedded LocalStack creates an agent end to end.

``python app.py demo`` deploys the platform (if needed), then acts as the platform's front end would: it signs up
(or in) with Cognito's public API (SignUp, ConfirmSignUp, InitiateAuth: no AWS credentials), and from then on makes
only HTTP calls to the platform's API with the user's ID token: it creates the agent (POST /agents), uploads its two
sample documents through presigned URLs (POST /agents/{id}/documents, then PUT), polls GET /agents/{id} until the
agent is "deployed" (or "failed", with its reason), and asks it a question (POST /agents/{id}/invoke). Then, as the
operator, it prints the workflow's history and where the agent's code is.

Locally the foundation model is oratio's labelled stand-in (the LocalStack plug-ins' ``bedrock_models``): it wrote
the agent's code from a template, and it answers by quoting the retrieved passage that best fits the question.
Everything else (the meta-agent's code, the generated agent's code, ingestion, retrieval) runs for real.
"""

from __future__ import annotations

import contextlib
import json
import time
import urllib.error
import urllib.request
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
# Locally no email is sent: the local Cognito (moto) confirms a sign-up whatever the code. On AWS the user types the
# code Cognito emails; nothing else differs.
LOCAL_CONFIRMATION_CODE = "000000"


@attrs.frozen
class Run:
    """One workflow execution as it ended: its status, the states it went through, and the agent's record."""

    execution_arn: str
    status: str
    states: tuple[tuple[str, str], ...]  # (state, how it ended: "ok" or the error)
    record: dict[str, Any]
    seconds: float
    error: str | None = None


# --- The front end: Cognito's public API, then only HTTP calls to the platform's API ------------------------------
def front_end_sign_in(target: Target, system_outputs: dict[str, Any], email: str = DEMO_USER_EMAIL,
                      password: str = DEMO_PASSWORD, say: Callable[[str], None] | None = None) -> dict[str, str]:
    """Sign up (SignUp, ConfirmSignUp) or, for a known user, sign in (InitiateAuth, USER_PASSWORD_AUTH) as a browser
    would: unsigned calls with the web client's id, no AWS credentials. Returns the tokens."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    client_id = system_outputs["user_pools"]["users"]["clients"]["web"]
    cognito = boto3.client("cognito-idp", endpoint_url=target.endpoint, region_name=target.region,
                           config=Config(signature_version=UNSIGNED))
    try:
        cognito.sign_up(ClientId=client_id, Username=email, Password=password,
                        UserAttributes=[{"Name": "email", "Value": email}])
        cognito.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode=LOCAL_CONFIRMATION_CODE)
        (say or (lambda m: None))(
            f"signed up {email} (SignUp, then ConfirmSignUp with code {LOCAL_CONFIRMATION_CODE}: locally no email is "
            "sent and the local Cognito accepts any code; on AWS the user types the code Cognito emails)")
    except cognito.exceptions.UsernameExistsException:
        (say or (lambda m: None))(f"{email} is already signed up: signing in")
    return cognito.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": email, "PASSWORD": password})["AuthenticationResult"]


@attrs.frozen
class ApiClient:
    """The platform's API as a front end calls it: JSON over HTTP with the user's ID token."""

    url: str  # the API's URL, from the outputs (ends with '/')
    token: str

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.url + path.lstrip("/"), method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")

    def expect(self, status: int, method: str, path: str, body: Any = None) -> Any:
        got, answer = self.call(method, path, body)
        if got != status:
            raise OratioError(f"{method} {path} answered {got}, not {status}: {answer}",
                              "see 'python app.py localstack logs' for the api function's output")
        return answer

    def create_agent(self, specification: dict[str, Any], documents: dict[str, str]) -> str:
        """POST /agents (declaring the documents), then each document through its presigned PUT URL."""
        created = self.expect(202, "POST", "agents", {**specification, "documents": sorted(documents)})
        for name in sorted(documents):
            upload = self.expect(200, "POST", f"agents/{created['agentId']}/documents", {"fileName": name})
            put = urllib.request.Request(upload["uploadUrl"], data=documents[name].encode(), method="PUT")
            with urllib.request.urlopen(put, timeout=60) as response:
                if response.status != 200:
                    raise OratioError(f"uploading {name} answered {response.status}", "see LocalStack's logs")
        return created["agentId"]

    def wait_until_done(self, agent_id: str, timeout_s: float = 120.0,
                        progress: Callable[[str], None] | None = None) -> dict[str, Any]:
        """Poll GET /agents/{id} until the agent is "deployed" or "failed"; returns what the API says of it."""
        started, last = time.monotonic(), None
        while True:
            agent = self.expect(200, "GET", f"agents/{agent_id}")
            if agent["status"] != last and progress:
                progress(f"  {time.monotonic() - started:5.1f} s  status {agent['status']}")
            last = agent["status"]
            if last in ("deployed", "failed"):
                return agent
            if time.monotonic() - started > timeout_s:
                raise OratioError(f"agent {agent_id} is still {last} after {timeout_s:.0f} s",
                                  "see 'python app.py localstack logs' for the Lambda output")
            time.sleep(0.5)

    def ask(self, agent_id: str, question: str) -> dict[str, Any]:
        return self.expect(200, "POST", f"agents/{agent_id}/invoke", {"prompt": question})


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's claims (read, not verified: the API's authorizer verifies)."""
    import base64

    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def workflow_history(target: Target, execution_arn: str) -> list[str]:
    """The states an execution went through, in order (the operator's view, with LocalStack's credentials)."""
    events = target.client("stepfunctions").get_execution_history(executionArn=execution_arn,
                                                                   maxResults=1000)["events"]
    return [e["stateExitedEventDetails"]["name"] for e in events if e["type"].endswith("StateExited")]


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
    url = system_outputs["http_apis"]["api"]["url"]
    say(f"the platform's API: {url}")
    tokens = front_end_sign_in(target, system_outputs, say=say)
    user = claims_of(tokens["IdToken"])["sub"]
    say(f"signed in as {DEMO_USER_EMAIL} (user {user}; id token {tokens['IdToken'][:16]}...); from now on only "
        "HTTP calls to the API with that token")
    api = ApiClient(url, tokens["IdToken"])
    created = time.monotonic()
    agent_id = api.create_agent(SPECIFICATION, SAMPLE_DOCUMENTS)
    say(f"POST /agents: agent {agent_id} ({SPECIFICATION['name']}) requested; its {len(SAMPLE_DOCUMENTS)} documents "
        "uploaded through presigned PUT URLs; polling GET /agents/{agentId}:")
    agent = api.wait_until_done(agent_id, progress=say)
    seconds = time.monotonic() - created
    say("GET /agents/{agentId}:")
    for key in sorted(k for k in agent if k != "specification"):
        say(f"  {key:<16} {agent[key]}")
    record = agent_record(target, system_outputs, user, agent_id)  # the operator's view, for the history and code
    if record.get("executionArn"):
        say(f"workflow history: {' > '.join(workflow_history(target, record['executionArn']))}")
    if record.get("codeKey"):
        say(f"agent code: s3://{record['codeBucket']}/{record['codeKey']} (written by the AgentCreator "
            "meta-agent; locally its model is the labelled stand-in, which fills a template)")
    if agent["status"] != "deployed":
        raise OratioError(f"the agent was not deployed: {agent.get('failureReason')}",
                          "see 'python app.py localstack logs' for the Lambda output")
    say(f"request to \"deployed\": {seconds:.1f} s")
    say(f"POST /agents/{agent_id}/invoke, about {DEMO_ANSWER_FROM}:")
    say(f"  Q: {DEMO_QUESTION}")
    asked = time.monotonic()
    answer = api.ask(agent_id, DEMO_QUESTION)
    say(f"  A: {answer.get('answer')}  ({answer.get('sources')} passages retrieved, {time.monotonic() - asked:.1f} s)")
    say("  (the answer comes from the local model stand-in, not a foundation model: it quotes the retrieved passage "
        "that best fits the question; the agent's code, retrieval and its documents are real)")
    say(f"done in {time.monotonic() - started:.1f} s; stop LocalStack with 'python app.py localstack stop'")
    return 0
