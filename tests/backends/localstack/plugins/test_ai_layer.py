"""oratio's AI-layer plug-ins on the embedded LocalStack, through plain boto3: AgentCore Runtime (control plane and
real local processes), S3 Vectors with QueryVectors, the labelled Bedrock model stand-in, knowledge bases over
S3 Vectors with ingestion and Retrieve, and the CloudFormation providers for the new resource types."""

from __future__ import annotations

import io
import json
import math
import time
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from oratio.backends.localstack.embedded import process
from oratio.backends.localstack.embedded.layout import Layout
from oratio.backends.localstack.target import Target
from tests.backends.localstack.processes import agent_processes

pytestmark = pytest.mark.localstack
ROLE = "arn:aws:iam::000000000000:role/agent-runtime-role"
Aws = Callable[[str], Any]

# An agent that follows the local contract: AgentCore's /ping and /invocations on $PORT, standard library only.
AGENT = '''
import json, os, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Agent(BaseHTTPRequestHandler):
    def _reply(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._reply(200, {"status": "Healthy"}) if self.path == "/ping" else self._reply(404, {})

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        print("invoked with", json.dumps(request), flush=True)
        if request.get("crash"):
            os._exit(3)
        if request.get("fail"):
            return self._reply(500, {"error": "failed on purpose"})
        if request.get("text"):
            return self._reply(200, b"plain answer", "text/plain; charset=utf-8")
        answer = {"session": self.headers.get("X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"), "pid": os.getpid(),
                  "greeting": os.environ.get("GREETING"), "port": os.environ["PORT"]}
        if request.get("ask"):
            import boto3
            reply = boto3.client("bedrock-runtime").converse(
                modelId="anthropic.claude-3-5-haiku-20241022-v1:0",
                messages=[{"role": "user", "content": [{"text": request["ask"]}]}])
            answer["model"] = reply["output"]["message"]["content"][0]["text"]
        self._reply(200, answer)

    def log_message(self, *args):
        pass

print("agent starting on", os.environ["PORT"], flush=True)
ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Agent).serve_forever()
'''
CRASHING_AGENT = 'import sys\nprint("cannot start: missing configuration", flush=True)\nsys.exit(7)\n'


@pytest.fixture(scope="module")
def aws(localstack: Any) -> Aws:
    return Target(localstack.url).client


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in files.items():
            archive.writestr(name, source)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def code_bucket(aws: Aws) -> str:
    bucket = f"agent-code-{uuid.uuid4().hex[:8]}"
    aws("s3").create_bucket(Bucket=bucket)
    aws("s3").put_object(Bucket=bucket, Key="agent.zip", Body=zipped({"main.py": AGENT}))
    aws("s3").put_object(Bucket=bucket, Key="crash.zip", Body=zipped({"main.py": CRASHING_AGENT}))
    aws("s3").put_object(Bucket=bucket, Key="other.zip", Body=zipped({"app.py": AGENT}))
    return bucket


def artifact(bucket: str, key: str, entry: str = "main.py") -> dict[str, Any]:
    return {"codeConfiguration": {"code": {"s3": {"bucket": bucket, "prefix": key}}, "runtime": "PYTHON_3_12",
                                  "entryPoint": [entry]}}


def create_runtime(aws: Aws, bucket: str, key: str = "agent.zip", entry: str = "main.py",
                   environment: dict[str, str] | None = None) -> dict[str, Any]:
    return aws("bedrock-agentcore-control").create_agent_runtime(
        agentRuntimeName=unique("agent_"), agentRuntimeArtifact=artifact(bucket, key, entry), roleArn=ROLE,
        networkConfiguration={"networkMode": "PUBLIC"}, environmentVariables=environment or {"GREETING": "hello"})


def wait_status(aws: Aws, runtime_id: str, wanted: set[str], timeout_s: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        runtime = aws("bedrock-agentcore-control").get_agent_runtime(agentRuntimeId=runtime_id)
        if runtime["status"] in wanted or time.monotonic() > deadline:
            return runtime
        time.sleep(0.1)


def invoke(aws: Aws, arn: str, payload: dict[str, Any], session: str) -> dict[str, Any]:
    response = aws("bedrock-agentcore").invoke_agent_runtime(agentRuntimeArn=arn, runtimeSessionId=session,
                                                           payload=json.dumps(payload).encode())
    return {**response, "body": response["response"].read()}


def session_id() -> str:
    return f"session-{uuid.uuid4()}"  # at least 33 characters, as AgentCore requires


# --- AgentCore control plane ------------------------------------------------------------------------------------
def test_a_runtime_goes_from_creating_to_ready_and_updates_make_versions(aws: Aws, code_bucket: str) -> None:
    control = aws("bedrock-agentcore-control")
    created = create_runtime(aws, code_bucket)
    assert created["status"] == "CREATING" and created["agentRuntimeVersion"] == "1"
    runtime_id = created["agentRuntimeId"]
    name, suffix = runtime_id.rsplit("-", 1)
    assert len(suffix) == 10 and suffix.isalnum() and name.startswith("agent_")
    assert created["agentRuntimeArn"] == f"arn:aws:bedrock-agentcore:us-east-1:000000000000:runtime/{runtime_id}"
    ready = wait_status(aws, runtime_id, {"READY", "CREATE_FAILED"})
    assert ready["status"] == "READY", ready.get("failureReason")
    assert ready["environmentVariables"] == {"GREETING": "hello"} and ready["roleArn"] == ROLE
    assert ready["lifecycleConfiguration"] == {"idleRuntimeSessionTimeout": 900, "maxLifetime": 28800}
    endpoint = control.get_agent_runtime_endpoint(agentRuntimeId=runtime_id, endpointName="DEFAULT")
    assert endpoint["status"] == "READY" and endpoint["liveVersion"] == "1"

    updated = control.update_agent_runtime(agentRuntimeId=runtime_id, roleArn=ROLE,
                                           agentRuntimeArtifact=artifact(code_bucket, "agent.zip"),
                                           networkConfiguration={"networkMode": "PUBLIC"},
                                           environmentVariables={"GREETING": "hello again"})
    assert updated["status"] == "UPDATING" and updated["agentRuntimeVersion"] == "2"
    assert wait_status(aws, runtime_id, {"READY", "UPDATE_FAILED"})["status"] == "READY"
    versions = control.list_agent_runtime_versions(agentRuntimeId=runtime_id)["agentRuntimes"]
    assert [v["agentRuntimeVersion"] for v in versions] == ["2", "1"]
    assert control.get_agent_runtime(agentRuntimeId=runtime_id, agentRuntimeVersion="1")["environmentVariables"] == {
        "GREETING": "hello"}
    listed = {r["agentRuntimeId"]: r for r in control.list_agent_runtimes()["agentRuntimes"]}
    assert listed[runtime_id]["agentRuntimeVersion"] == "2"
    endpoints = control.list_agent_runtime_endpoints(agentRuntimeId=runtime_id)["runtimeEndpoints"]
    assert [(e["name"], e["liveVersion"]) for e in endpoints] == [("DEFAULT", "2")]

    assert control.delete_agent_runtime(agentRuntimeId=runtime_id)["status"] == "DELETING"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            control.get_agent_runtime(agentRuntimeId=runtime_id)
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ResourceNotFoundException"
            break
        time.sleep(0.1)
    else:
        pytest.fail("the deleted runtime is still there after 5 s")


def test_invalid_runtimes_are_refused_as_aws_does(aws: Aws, code_bucket: str) -> None:
    control = aws("bedrock-agentcore-control")
    for name in ("has-hyphen", "1starts_with_digit", "x" * 49):
        with pytest.raises(ClientError) as refused:
            control.create_agent_runtime(agentRuntimeName=name, agentRuntimeArtifact=artifact(code_bucket, "agent.zip"),
                                         roleArn=ROLE, networkConfiguration={"networkMode": "PUBLIC"})
        assert refused.value.response["Error"]["Code"] == "ValidationException", name
        assert "agentRuntimeName" in refused.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as refused:
        control.create_agent_runtime(agentRuntimeName=unique("agent_"), roleArn="not-a-role",
                                     agentRuntimeArtifact=artifact(code_bucket, "agent.zip"),
                                     networkConfiguration={"networkMode": "PUBLIC"})
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    name = unique("agent_")
    control.create_agent_runtime(agentRuntimeName=name, agentRuntimeArtifact=artifact(code_bucket, "agent.zip"),
                                 roleArn=ROLE, networkConfiguration={"networkMode": "PUBLIC"})
    with pytest.raises(ClientError) as refused:
        control.create_agent_runtime(agentRuntimeName=name, agentRuntimeArtifact=artifact(code_bucket, "agent.zip"),
                                     roleArn=ROLE, networkConfiguration={"networkMode": "PUBLIC"})
    assert refused.value.response["Error"]["Code"] == "ConflictException"
    with pytest.raises(ClientError) as missing:
        control.get_agent_runtime(agentRuntimeId="nothere_x-ABCDEFGHIJ")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


@pytest.mark.parametrize(("key", "entry", "reason"), [
    ("absent.zip", "main.py", "cannot be fetched"),
    ("other.zip", "main.py", "the entry point main.py is not in the code package"),
])
def test_a_runtime_whose_code_cannot_be_used_is_create_failed_with_the_reason(
        aws: Aws, code_bucket: str, key: str, entry: str, reason: str) -> None:
    created = create_runtime(aws, code_bucket, key, entry)
    failed = wait_status(aws, created["agentRuntimeId"], {"READY", "CREATE_FAILED"})
    assert failed["status"] == "CREATE_FAILED" and reason in failed["failureReason"], failed.get("failureReason")
    with pytest.raises(ClientError) as refused:
        invoke(aws, created["agentRuntimeArn"], {}, session_id())
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert reason in refused.value.response["Error"]["Message"]


# --- AgentCore data plane ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ready_runtime(aws: Aws, code_bucket: str) -> dict[str, Any]:
    created = create_runtime(aws, code_bucket)
    assert wait_status(aws, created["agentRuntimeId"], {"READY", "CREATE_FAILED"})["status"] == "READY"
    return created


def test_invocations_reach_one_process_per_session_with_the_runtimes_environment(
        aws: Aws, ready_runtime: dict[str, Any]) -> None:
    arn, first_session, other_session = ready_runtime["agentRuntimeArn"], session_id(), session_id()
    started = time.monotonic()
    first = invoke(aws, arn, {"n": 1}, first_session)
    cold_s = time.monotonic() - started
    answer = json.loads(first["body"])
    assert first["statusCode"] == 200 and first["contentType"] == "application/json"
    assert first["runtimeSessionId"] == first_session and answer["session"] == first_session
    assert answer["greeting"] == "hello" and answer["port"] != "8080"
    started = time.monotonic()
    again = json.loads(invoke(aws, arn, {"n": 2}, first_session)["body"])
    warm_s = time.monotonic() - started
    assert again["pid"] == answer["pid"] and warm_s < 0.5 and cold_s < 5
    other = json.loads(invoke(aws, arn, {"n": 3}, other_session)["body"])
    assert other["pid"] != answer["pid"] and other["port"] != answer["port"]
    plain = invoke(aws, arn, {"text": True}, first_session)
    assert plain["body"] == b"plain answer" and plain["contentType"] == "text/plain; charset=utf-8"


def test_an_agent_reaches_the_model_stand_in_through_aws_endpoint_url(aws: Aws, ready_runtime: dict[str, Any]) -> None:
    answer = json.loads(invoke(aws, ready_runtime["agentRuntimeArn"], {"ask": "hello there"}, session_id())["body"])
    assert answer["model"].startswith("[local model stand-in]")


def test_the_agents_output_is_in_agentcores_log_group(aws: Aws, ready_runtime: dict[str, Any]) -> None:
    marker = uuid.uuid4().hex
    invoke(aws, ready_runtime["agentRuntimeArn"], {"marker": marker}, session_id())
    group = f"/aws/bedrock-agentcore/runtimes/{ready_runtime['agentRuntimeId']}-DEFAULT"
    deadline, messages = time.monotonic() + 5, []
    while time.monotonic() < deadline:
        try:
            events = aws("logs").filter_log_events(logGroupName=group)["events"]
        except ClientError:
            events = []
        messages = [e["message"] for e in events]
        if any(marker in m for m in messages):
            break
        time.sleep(0.2)
    assert any(marker in m for m in messages) and any("agent starting on" in m for m in messages), messages
    streams = aws("logs").describe_log_streams(logGroupName=group)["logStreams"]
    assert all("/[runtime-logs]" in s["logStreamName"] for s in streams)


def test_agent_failures_give_agentcores_runtime_client_error(aws: Aws, code_bucket: str,
                                                             ready_runtime: dict[str, Any]) -> None:
    crashing = create_runtime(aws, code_bucket, "crash.zip")
    assert wait_status(aws, crashing["agentRuntimeId"], {"READY", "CREATE_FAILED"})["status"] == "READY"
    with pytest.raises(ClientError) as cannot_start:
        invoke(aws, crashing["agentRuntimeArn"], {}, session_id())
    error = cannot_start.value.response
    assert error["Error"]["Code"] == "RuntimeClientError" and error["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert "exited with code 7" in error["Error"]["Message"] and "missing configuration" in error["Error"]["Message"]

    with pytest.raises(ClientError) as failing:
        invoke(aws, ready_runtime["agentRuntimeArn"], {"fail": True}, session_id())
    assert failing.value.response["Error"]["Code"] == "RuntimeClientError"
    assert "Received error (500) from runtime" in failing.value.response["Error"]["Message"]
    session = session_id()
    with pytest.raises(ClientError) as crashed:
        invoke(aws, ready_runtime["agentRuntimeArn"], {"crash": True}, session)
    assert crashed.value.response["Error"]["Code"] == "RuntimeClientError"
    assert json.loads(invoke(aws, ready_runtime["agentRuntimeArn"], {}, session)["body"])["session"] == session

    with pytest.raises(ClientError) as missing:
        invoke(aws, ready_runtime["agentRuntimeArn"].replace("agent_", "gone_"), {}, session_id())
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_an_idle_session_is_stopped_and_the_next_invocation_starts_a_new_process(
        aws: Aws, code_bucket: str, localstack: Any) -> None:
    created = create_runtime(aws, code_bucket, environment={"ORATIO_AGENTCORE_IDLE_TIMEOUT_S": "1"})
    assert wait_status(aws, created["agentRuntimeId"], {"READY", "CREATE_FAILED"})["status"] == "READY"
    session = session_id()
    first = json.loads(invoke(aws, created["agentRuntimeArn"], {}, session)["body"])["pid"]
    assert Path(f"/proc/{first}").exists()
    deadline = time.monotonic() + 6
    while Path(f"/proc/{first}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Path(f"/proc/{first}").exists(), "the idle session's process still runs"
    assert json.loads(invoke(aws, created["agentRuntimeArn"], {}, session)["body"])["pid"] != first


# --- S3 Vectors -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def vector_index(aws: Aws) -> dict[str, str]:
    s3v, bucket = aws("s3vectors"), unique("vectors-")
    s3v.create_vector_bucket(vectorBucketName=bucket)
    s3v.create_index(vectorBucketName=bucket, indexName="cosine", dataType="float32", dimension=3,
                     distanceMetric="cosine")
    s3v.create_index(vectorBucketName=bucket, indexName="euclid", dataType="float32", dimension=3,
                     distanceMetric="euclidean")
    vectors = [("x", [1, 0, 0], {"genre": "doc", "year": 2020, "tags": ["a", "b"]}),
               ("xy", [1, 1, 0], {"genre": "drama", "year": 2021}),
               ("y", [0, 1, 0], {"genre": "doc", "year": 2022, "tags": ["c"]}),
               ("z", [0, 0, 1], {"genre": "comedy"})]
    for index in ("cosine", "euclid"):
        s3v.put_vectors(vectorBucketName=bucket, indexName=index, vectors=[
            {"key": key, "data": {"float32": data}, "metadata": metadata} for key, data, metadata in vectors])
    return {"bucket": bucket}


def query(aws: Aws, bucket: str, index: str, vector: list[float], **options: Any) -> dict[str, Any]:
    return aws("s3vectors").query_vectors(vectorBucketName=bucket, indexName=index, queryVector={"float32": vector},
                                         **{"topK": 4, "returnDistance": True, **options})


def test_query_vectors_ranks_by_the_index_metric(aws: Aws, vector_index: dict[str, str]) -> None:
    found = query(aws, vector_index["bucket"], "cosine", [1, 0.2, 0])
    assert found["distanceMetric"] == "cosine"
    assert [v["key"] for v in found["vectors"]] == ["x", "xy", "y", "z"]
    expected = 1 - 1 / math.sqrt(1.04)  # cosine distance to x
    assert found["vectors"][0]["distance"] == pytest.approx(expected, abs=1e-5)
    assert found["vectors"][3]["distance"] == pytest.approx(1.0, abs=1e-5)
    euclid = query(aws, vector_index["bucket"], "euclid", [2, 0, 0], topK=2)
    assert [(v["key"], round(v["distance"], 4)) for v in euclid["vectors"]] == [("x", 1.0), ("xy", round(math.sqrt(2),
                                                                                                        4))]
    assert "metadata" not in euclid["vectors"][0]


@pytest.mark.parametrize(("expression", "keys"), [
    ({"genre": "doc"}, ["x", "y"]),
    ({"genre": {"$ne": "doc"}}, ["xy", "z"]),
    ({"year": {"$gte": 2021}}, ["xy", "y"]),
    ({"year": {"$lt": 2021}}, ["x"]),
    ({"genre": {"$in": ["comedy", "drama"]}}, ["xy", "z"]),
    ({"genre": {"$nin": ["comedy", "drama"]}}, ["x", "y"]),
    ({"tags": {"$exists": False}}, ["xy", "z"]),
    ({"tags": {"$eq": "b"}}, ["x"]),
    ({"$and": [{"genre": "doc"}, {"year": {"$gt": 2020}}]}, ["y"]),
    ({"$or": [{"genre": "comedy"}, {"year": 2020}]}, ["x", "z"]),
])
def test_query_vectors_metadata_filters(aws: Aws, vector_index: dict[str, str], expression: dict[str, Any],
                                        keys: list[str]) -> None:
    found = query(aws, vector_index["bucket"], "cosine", [1, 1, 1], filter=expression, returnMetadata=True)
    assert sorted(v["key"] for v in found["vectors"]) == keys
    assert all("metadata" in v for v in found["vectors"])


def test_query_vectors_limits_and_errors(aws: Aws, vector_index: dict[str, str]) -> None:
    import boto3
    from botocore.config import Config

    # boto3 would refuse some of these before sending them: the server's own checks are under test
    s3v = boto3.client("s3vectors", endpoint_url=aws("s3vectors").meta.endpoint_url, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test",
                       config=Config(parameter_validation=False))
    bucket = vector_index["bucket"]
    cases = [({"topK": 101}, "topK"), ({"topK": 0}, "topK"), ({"queryVector": {"float32": [1, 0]}}, "length 3"),
             ({"filter": {"genre": {"$like": "d"}}}, "unknown operator"),
             ({"filter": {"year": {"$gt": "x"}}}, "number")]
    for change, words in cases:
        arguments = {"vectorBucketName": bucket, "indexName": "cosine", "topK": 2,
                     "queryVector": {"float32": [1, 0, 0]}, **change}
        with pytest.raises(ClientError) as refused:
            s3v.query_vectors(**arguments)
        assert refused.value.response["Error"]["Code"] == "ValidationException", change
        assert words in refused.value.response["Error"]["Message"], change
    with pytest.raises(ClientError) as missing:
        s3v.query_vectors(vectorBucketName=bucket, indexName="nothere", topK=1, queryVector={"float32": [1, 0, 0]})
    assert missing.value.response["Error"]["Code"] == "NotFoundException"
    with pytest.raises(ClientError) as wide:
        s3v.create_index(vectorBucketName=bucket, indexName="too-wide", dataType="float32", dimension=4097,
                         distanceMetric="cosine")
    assert wide.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as not_empty:
        s3v.delete_vector_bucket(vectorBucketName=bucket)
    assert not_empty.value.response["Error"]["Code"] == "ConflictException"


@pytest.mark.parametrize("values", [["abc", 0, 0], [True, 0, 0], [[1], [0], [0]], [None, 0, 0]])
def test_vector_data_that_is_not_numbers_is_refused(localstack: Any, vector_index: dict[str, str],
                                                    values: list[Any]) -> None:
    """Vector data skips LocalStack's per-element parsing (for speed): the plug-in refuses what is not numbers. Sent
    as raw JSON, since botocore's serializer would refuse it before sending."""
    import urllib.error
    import urllib.request

    body = json.dumps({"vectorBucketName": vector_index["bucket"], "indexName": "cosine", "topK": 1,
                       "queryVector": {"float32": values}}).encode()
    request = urllib.request.Request(f"{localstack.url}/QueryVectors", data=body, method="POST", headers={
        "Content-Type": "application/json", "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/"
        "s3vectors/aws4_request, SignedHeaders=host, Signature=0"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(request, timeout=10)
    assert refused.value.code == 400
    assert json.loads(refused.value.read()) == {"__type": "ValidationException",
                                                "message": "Invalid query vector: vector values must be numbers"}


def test_vectors_are_kept_per_region_and_can_be_read_listed_and_deleted(aws: Aws, localstack: Any) -> None:
    import boto3

    def client(region: str) -> Any:
        return boto3.client("s3vectors", endpoint_url=localstack.url, region_name=region, aws_access_key_id="test",
                            aws_secret_access_key="test")

    east, west, bucket = client("us-east-1"), client("eu-west-1"), unique("regional-")
    west.create_vector_bucket(vectorBucketName=bucket)
    assert bucket not in [b["vectorBucketName"] for b in east.list_vector_buckets()["vectorBuckets"]]
    west.create_index(vectorBucketName=bucket, indexName="idx", dataType="float32", dimension=2,
                      distanceMetric="euclidean")
    west.put_vectors(vectorBucketName=bucket, indexName="idx",
                     vectors=[{"key": f"k{i}", "data": {"float32": [i, 1]}, "metadata": {"i": i}} for i in range(5)])
    got = west.get_vectors(vectorBucketName=bucket, indexName="idx", keys=["k1", "k9"], returnData=True,
                           returnMetadata=True)["vectors"]
    assert got == [{"key": "k1", "data": {"float32": [1.0, 1.0]}, "metadata": {"i": 1}}]
    page = west.list_vectors(vectorBucketName=bucket, indexName="idx", maxResults=3)
    rest = west.list_vectors(vectorBucketName=bucket, indexName="idx", nextToken=page["nextToken"])
    assert [v["key"] for v in page["vectors"] + rest["vectors"]] == [f"k{i}" for i in range(5)]
    west.delete_vectors(vectorBucketName=bucket, indexName="idx", keys=["k0", "k1"])
    left = query(aws=lambda _: west, bucket=bucket, index="idx", vector=[0, 1], topK=5)["vectors"]
    assert [v["key"] for v in left] == ["k2", "k3", "k4"]
    arn = west.get_index(vectorBucketName=bucket, indexName="idx")["index"]["indexArn"]
    assert arn == f"arn:aws:s3vectors:eu-west-1:000000000000:bucket/{bucket}/index/idx"
    west.delete_index(indexArn=arn)
    west.delete_vector_bucket(vectorBucketName=bucket)


# --- The Bedrock model stand-in ---------------------------------------------------------------------------------
def converse(aws: Aws, text: str, system: str | None = None) -> dict[str, Any]:
    arguments: dict[str, Any] = {"modelId": "anthropic.claude-3-5-sonnet-20241022-v2:0",
                                 "messages": [{"role": "user", "content": [{"text": text}]}]}
    if system:
        arguments["system"] = [{"text": system}]
    return aws("bedrock-runtime").converse(**arguments)


def test_converse_writes_agent_code_from_a_specification_by_a_template(aws: Aws) -> None:
    specification = {"name": "recipes", "description": "answers about recipes", "instructions": "Be brief."}
    reply = converse(aws, f"Write the agent code for this specification:\n```json\n{json.dumps(specification)}\n```",
                     system="You write Python agent code for AgentCore.")
    text = reply["output"]["message"]["content"][0]["text"]
    assert text.startswith("[local model stand-in]") and reply["stopReason"] == "end_turn"
    assert reply["additionalModelResponseFields"]["oratioLocalStandIn"] is True
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    compile(code, "generated.py", "exec")
    assert "INSTRUCTIONS = 'Be brief.'" in code
    # The serving base's contract: handle(request, tools), grounded by tools.retrieve, answered by tools.converse.
    namespace: dict[str, Any] = {}
    exec(compile(code, "agent.py", "exec"), namespace)
    asked: list[tuple[str, str]] = []

    class Tools:
        def retrieve(self, query: str) -> list[str]:
            return [f"a passage about {query}"]

        def converse(self, system: str, prompt: str) -> str:
            asked.append((system, prompt))
            return "the answer"

    assert namespace["handle"]({"prompt": "soup"}, Tools()) == {"answer": "the answer", "sources": 1}
    assert asked == [("Be brief.", "<passage>a passage about soup</passage>\nQuestion: soup")]


def test_converse_quotes_the_passage_that_answers_the_question(aws: Aws) -> None:
    prompt = ("<passage>The office opens at nine and closes at five.</passage>\n"
              "<passage>Refunds are paid within fourteen days of the return.</passage>\n"
              "Question: how many days until refunds are paid?")
    text = converse(aws, prompt)["output"]["message"]["content"][0]["text"]
    assert text == ('[local model stand-in] From the retrieved passages: "Refunds are paid within fourteen days of '
                    'the return."')
    other = converse(aws, "What is the meaning of life?")["output"]["message"]["content"][0]["text"]
    assert other.startswith("[local model stand-in]") and "No foundation model" in other


def test_titan_embeddings_have_the_asked_dimensions_and_rank_shared_words_first(aws: Aws) -> None:
    runtime = aws("bedrock-runtime")

    def embedding(text: str, dimensions: int = 1024, normalize: bool = True) -> list[float]:
        body = json.dumps({"inputText": text, "dimensions": dimensions, "normalize": normalize})
        answer = json.loads(runtime.invoke_model(modelId="amazon.titan-embed-text-v2:0", body=body)["body"].read())
        assert answer["oratioLocalStandIn"] is True and answer["embeddingsByType"]["float"] == answer["embedding"]
        return answer["embedding"]

    for dimensions in (256, 512, 1024):
        vector = embedding("refund policy", dimensions)
        assert len(vector) == dimensions and sum(v * v for v in vector) == pytest.approx(1.0)
    assert embedding("refund policy") == embedding("refund policy")

    def cosine(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    question = embedding("when are refunds paid")
    assert cosine(question, embedding("refunds are paid within fourteen days")) > cosine(
        question, embedding("the office opens at nine"))
    with pytest.raises(ClientError) as refused:
        runtime.invoke_model(modelId="amazon.titan-embed-text-v2:0",
                             body=json.dumps({"inputText": "x", "dimensions": 300}))
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    claude = runtime.invoke_model(modelId="anthropic.claude-3-haiku-20240307-v1:0", body=json.dumps({
        "anthropic_version": "bedrock-2023-05-31", "max_tokens": 100,
        "messages": [{"role": "user", "content": "hello"}]}))
    assert json.loads(claude["body"].read())["content"][0]["text"].startswith("[local model stand-in]")


# --- Knowledge bases over S3 Vectors ----------------------------------------------------------------------------
REFUNDS = ("Refund policy. Customers who return an unused product receive their money back. Refunds are paid to the "
           "original card within fourteen days of the return reaching our warehouse. ") * 3
OFFICE = ("Office hours. Our support office in Lisbon opens at nine in the morning and closes at five in the "
          "afternoon, Monday to Friday. On public holidays the office stays closed. ") * 3


def test_ingestion_chunks_embeds_and_retrieve_returns_the_right_documents_passage(aws: Aws) -> None:
    s3, s3v, agent = aws("s3"), aws("s3vectors"), aws("bedrock-agent")
    documents, vectors = unique("kb-docs-"), unique("kb-vectors-")
    s3.create_bucket(Bucket=documents)
    s3.put_object(Bucket=documents, Key="docs/refunds.txt", Body=REFUNDS.encode())
    s3.put_object(Bucket=documents, Key="docs/office.md", Body=OFFICE.encode())
    s3.put_object(Bucket=documents, Key="other/ignored.txt", Body=b"refunds refunds refunds")
    s3v.create_vector_bucket(vectorBucketName=vectors)
    index_arn = s3v.create_index(vectorBucketName=vectors, indexName="agent-1", dataType="float32", dimension=512,
                                 distanceMetric="cosine",
                                 metadataConfiguration={"nonFilterableMetadataKeys": ["AMAZON_BEDROCK_TEXT"]}
                                 )["indexArn"]
    knowledge_base = agent.create_knowledge_base(
        name=unique("kb"), roleArn="arn:aws:iam::000000000000:role/kb-role",
        knowledgeBaseConfiguration={"type": "VECTOR", "vectorKnowledgeBaseConfiguration": {
            "embeddingModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0",
            "embeddingModelConfiguration": {"bedrockEmbeddingModelConfiguration": {"dimensions": 512}}}},
        storageConfiguration={"type": "S3_VECTORS", "s3VectorsConfiguration": {"indexArn": index_arn}},
    )["knowledgeBase"]
    kb_id = knowledge_base["knowledgeBaseId"]
    assert len(kb_id) == 10 and knowledge_base["status"] == "ACTIVE"
    assert agent.get_knowledge_base(knowledgeBaseId=kb_id)["knowledgeBase"]["storageConfiguration"]["type"] == \
        "S3_VECTORS"
    source = agent.create_data_source(knowledgeBaseId=kb_id, name="documents", dataSourceConfiguration={
        "type": "S3", "s3Configuration": {"bucketArn": f"arn:aws:s3:::{documents}", "inclusionPrefixes": ["docs/"]}},
        vectorIngestionConfiguration={"chunkingConfiguration": {"chunkingStrategy": "FIXED_SIZE",
                                                                "fixedSizeChunkingConfiguration": {
                                                                    "maxTokens": 40, "overlapPercentage": 20}}},
    )["dataSource"]
    job = agent.start_ingestion_job(knowledgeBaseId=kb_id, dataSourceId=source["dataSourceId"])["ingestionJob"]
    deadline = time.monotonic() + 5
    while job["status"] not in ("COMPLETE", "FAILED") and time.monotonic() < deadline:
        time.sleep(0.1)
        job = agent.get_ingestion_job(knowledgeBaseId=kb_id, dataSourceId=source["dataSourceId"],
                                      ingestionJobId=job["ingestionJobId"])["ingestionJob"]
    assert job["status"] == "COMPLETE", job
    assert job["statistics"]["numberOfDocumentsScanned"] == 2 and job["statistics"]["numberOfNewDocumentsIndexed"] == 2
    # chunks of 40 words, each sharing 20 % (8 words) with the one before: 1 + ceil((words - 40) / 32) per document
    expected = sum(1 + math.ceil((len(text.split()) - 40) / 32) for text in (REFUNDS, OFFICE))
    listed = s3v.list_vectors(indexArn=index_arn, returnMetadata=True)["vectors"]
    assert len(listed) == expected and {v["metadata"]["x-amz-bedrock-kb-source-uri"] for v in listed} == {
        f"s3://{documents}/docs/refunds.txt", f"s3://{documents}/docs/office.md"}

    runtime = aws("bedrock-agent-runtime")
    for question, uri, words in (("When are refunds paid to the card?", "docs/refunds.txt", "fourteen days"),
                                 ("What time does the Lisbon office open?", "docs/office.md", "nine in the morning")):
        results = runtime.retrieve(knowledgeBaseId=kb_id, retrievalQuery={"text": question},
                                   retrievalConfiguration={"vectorSearchConfiguration": {"numberOfResults": 2}}
                                   )["retrievalResults"]
        assert len(results) == 2 and results[0]["score"] >= results[1]["score"]
        assert all(r["location"]["s3Location"]["uri"] == f"s3://{documents}/{uri}" for r in results), results
        assert any(words in r["content"]["text"] for r in results)

    s3.delete_object(Bucket=documents, Key="docs/office.md")
    s3.put_object(Bucket=documents, Key="docs/refunds.txt", Body=b"Refunds now take three days.")
    again = agent.start_ingestion_job(knowledgeBaseId=kb_id, dataSourceId=source["dataSourceId"])["ingestionJob"]
    time.sleep(0.6)
    again = agent.get_ingestion_job(knowledgeBaseId=kb_id, dataSourceId=source["dataSourceId"],
                                    ingestionJobId=again["ingestionJobId"])["ingestionJob"]
    assert again["status"] == "COMPLETE"
    assert (again["statistics"]["numberOfModifiedDocumentsIndexed"], again["statistics"]["numberOfDocumentsDeleted"]) \
        == (1, 1)
    remaining = s3v.list_vectors(indexArn=index_arn, returnMetadata=True)["vectors"]
    assert [v["metadata"]["AMAZON_BEDROCK_TEXT"] for v in remaining] == ["Refunds now take three days."]


def test_a_knowledge_base_needs_its_vector_index(aws: Aws) -> None:
    with pytest.raises(ClientError) as refused:
        aws("bedrock-agent").create_knowledge_base(
            name=unique("kb"), roleArn="arn:aws:iam::000000000000:role/kb-role",
            knowledgeBaseConfiguration={"type": "VECTOR", "vectorKnowledgeBaseConfiguration": {
                "embeddingModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"}},
            storageConfiguration={"type": "S3_VECTORS", "s3VectorsConfiguration": {
                "indexArn": "arn:aws:s3vectors:us-east-1:000000000000:bucket/none-here/index/none"}})
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "vector index does not exist" in refused.value.response["Error"]["Message"]


# --- CloudFormation ---------------------------------------------------------------------------------------------
def test_a_stack_with_a_runtime_a_vector_bucket_and_an_index_creates_them_for_real(aws: Aws, code_bucket: str) -> None:
    bucket_name, runtime_name = unique("stack-vectors-"), unique("stack_agent_")
    template = {"Resources": {
        "Vectors": {"Type": "AWS::S3Vectors::VectorBucket", "Properties": {"VectorBucketName": bucket_name}},
        "Index": {"Type": "AWS::S3Vectors::Index", "Properties": {
            "VectorBucketArn": {"Ref": "Vectors"}, "IndexName": "agents", "DataType": "float32", "Dimension": 256,
            "DistanceMetric": "cosine",
            "MetadataConfiguration": {"NonFilterableMetadataKeys": ["AMAZON_BEDROCK_TEXT"]}}},
        "Agent": {"Type": "AWS::BedrockAgentCore::Runtime", "Properties": {
            "AgentRuntimeName": runtime_name, "RoleArn": ROLE, "NetworkConfiguration": {"NetworkMode": "PUBLIC"},
            "EnvironmentVariables": {"GREETING": "from a stack", "INDEX": {"Fn::GetAtt": ["Index", "IndexArn"]}},
            "AgentRuntimeArtifact": {"CodeConfiguration": {
                "Code": {"S3": {"Bucket": code_bucket, "Prefix": "agent.zip"}}, "Runtime": "PYTHON_3_12",
                "EntryPoint": ["main.py"]}}}}},
        "Outputs": {name: {"Value": value} for name, value in {
            "RuntimeId": {"Ref": "Agent"}, "RuntimeArn": {"Fn::GetAtt": ["Agent", "AgentRuntimeArn"]},
            "RuntimeVersion": {"Fn::GetAtt": ["Agent", "AgentRuntimeVersion"]},
            "BucketArn": {"Fn::GetAtt": ["Vectors", "VectorBucketArn"]}, "IndexArn": {"Ref": "Index"}}.items()}}
    cloudformation, stack = aws("cloudformation"), unique("ai-layer-")
    cloudformation.create_stack(StackName=stack, TemplateBody=json.dumps(template))
    cloudformation.get_waiter("stack_create_complete").wait(StackName=stack, WaiterConfig={"Delay": 1})
    outputs = {o["OutputKey"]: o["OutputValue"]
               for o in cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]}
    assert outputs["BucketArn"] == f"arn:aws:s3vectors:us-east-1:000000000000:bucket/{bucket_name}"
    assert outputs["IndexArn"] == f"{outputs['BucketArn']}/index/agents"
    assert outputs["RuntimeId"].startswith(f"{runtime_name}-") and outputs["RuntimeVersion"] == "1"
    assert outputs["RuntimeArn"].endswith(f":runtime/{outputs['RuntimeId']}")
    index = aws("s3vectors").get_index(indexArn=outputs["IndexArn"])["index"]
    assert (index["dimension"], index["distanceMetric"]) == (256, "cosine")
    runtime = aws("bedrock-agentcore-control").get_agent_runtime(agentRuntimeId=outputs["RuntimeId"])
    assert runtime["status"] == "READY" and runtime["environmentVariables"]["INDEX"] == outputs["IndexArn"]
    answer = json.loads(invoke(aws, outputs["RuntimeArn"], {}, session_id())["body"])
    assert answer["greeting"] == "from a stack"

    cloudformation.delete_stack(StackName=stack)
    cloudformation.get_waiter("stack_delete_complete").wait(StackName=stack, WaiterConfig={"Delay": 1})
    with pytest.raises(ClientError):
        aws("s3vectors").get_vector_bucket(vectorBucketName=bucket_name)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        ids = [r["agentRuntimeId"] for r in aws("bedrock-agentcore-control").list_agent_runtimes()["agentRuntimes"]]
        if outputs["RuntimeId"] not in ids:
            break
        time.sleep(0.2)
    assert outputs["RuntimeId"] not in ids


# --- Last: processes after a stop -------------------------------------------------------------------------------
def test_every_agent_process_is_gone_after_localstack_stop(aws: Aws, code_bucket: str, localstack: Any) -> None:
    """Last in this module: it restarts the embedded LocalStack."""
    if not localstack.embedded:
        pytest.fail("this test needs the embedded LocalStack (unset LOCALSTACK_ENDPOINT/AWS_ENDPOINT_URL)")
    created = create_runtime(aws, code_bucket)
    assert wait_status(aws, created["agentRuntimeId"], {"READY", "CREATE_FAILED"})["status"] == "READY"
    pids = [json.loads(invoke(aws, created["agentRuntimeArn"], {}, session_id())["body"])["pid"] for _ in range(2)]
    layout = Layout.default()
    assert set(pids) <= set(agent_processes(layout))
    assert process.stop(layout) is True
    assert agent_processes(layout) == [] and not any(Path(f"/proc/{pid}").exists() for pid in pids)
    assert process.start(layout).running
