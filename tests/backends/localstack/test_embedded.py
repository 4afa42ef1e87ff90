"""The embedded LocalStack and oratio's plug-ins, through plain boto3: every service the platform needs
answers for real (Lambda as local processes with timeouts, Cognito and Bedrock agents via moto, CloudFormation
Cognito providers), it listens on loopback only, and its lifecycle reports bad situations in one line."""

from __future__ import annotations

import io
import json
import socket
import time
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from oratio.backends.localstack.embedded import installer as install_module
from oratio.backends.localstack.embedded import process
from oratio.backends.localstack.embedded.layout import Layout
from oratio.backends.localstack.target import Target
from oratio.errors import OratioError

pytestmark = pytest.mark.localstack
ROLE = "arn:aws:iam::000000000000:role/test-role"

HANDLER = '''
import os, time, boto3

def lambda_handler(event, context):
    if event.get("sleep"):
        time.sleep(event["sleep"])
    boto3.client("dynamodb").put_item(TableName=os.environ["TABLE"], Item={"id": {"S": event["id"]}})
    boto3.client("s3").put_object(Bucket=os.environ["BUCKET"], Key=event["id"], Body=b"written by a Lambda")
    print("handled", event["id"])
    return {"id": event["id"], "function": context.function_name, "memory": context.memory_limit_in_mb,
            "remaining_ms": context.get_remaining_time_in_millis(), "region": os.environ["AWS_REGION"]}
'''


@pytest.fixture(scope="module")
def aws(localstack: Any) -> Callable[[str], Any]:
    return Target(localstack.url).client


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def code_zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", source)
    return buffer.getvalue()


def test_s3_versioning_and_encryption(aws: Callable[[str], Any]) -> None:
    s3, bucket = aws("s3"), unique("versioned")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"two")
    assert s3.get_object(Bucket=bucket, Key="k", VersionId=first)["Body"].read() == b"one"
    assert len(s3.list_object_versions(Bucket=bucket)["Versions"]) == 2
    assert s3.head_object(Bucket=bucket, Key="k")["ServerSideEncryption"] == "AES256"


def test_a_table_with_indexes_answers_an_index_query(aws: Callable[[str], Any]) -> None:
    ddb, table = aws("dynamodb"), unique("orders")
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("id", "user", "day")],
                     GlobalSecondaryIndexes=[{"IndexName": f"by-{a}", "Projection": {"ProjectionType": "ALL"},
                                              "KeySchema": [{"AttributeName": a, "KeyType": "HASH"}]}
                                             for a in ("user", "day")])
    ddb.get_waiter("table_exists").wait(TableName=table)
    for i, user in enumerate(["ada", "ada", "bob"]):
        ddb.put_item(TableName=table, Item={"id": {"S": str(i)}, "user": {"S": user}, "day": {"S": "mon"}})
    found = ddb.query(TableName=table, IndexName="by-user", KeyConditionExpression="#u = :u",
                      ExpressionAttributeNames={"#u": "user"}, ExpressionAttributeValues={":u": {"S": "ada"}})
    assert sorted(item["id"]["S"] for item in found["Items"]) == ["0", "1"]


@pytest.fixture(scope="module")
def function(aws: Callable[[str], Any]) -> dict[str, str]:
    names = {"function": unique("writer"), "table": unique("written"), "bucket": unique("written")}
    aws("dynamodb").create_table(TableName=names["table"], BillingMode="PAY_PER_REQUEST",
                                 KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                 AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    aws("s3").create_bucket(Bucket=names["bucket"])
    aws("lambda").create_function(FunctionName=names["function"], Runtime="python3.12", Role=ROLE,
                                  Handler="handler.lambda_handler", Code={"ZipFile": code_zip(HANDLER)}, Timeout=1,
                                  MemorySize=256, Environment={"Variables": {"TABLE": names["table"],
                                                                             "BUCKET": names["bucket"]}})
    aws("lambda").get_waiter("function_active_v2").wait(FunctionName=names["function"])
    return names


def invoke(aws: Callable[[str], Any], name: str, event: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps(event))
    return response.get("FunctionError"), json.loads(response["Payload"].read())


def test_a_lambda_writes_to_dynamodb_and_s3_with_lambdas_context(aws: Callable[[str], Any],
                                                                 function: dict[str, str]) -> None:
    error, result = invoke(aws, function["function"], {"id": "first"})
    assert error is None, result
    assert result["function"] == function["function"] and result["memory"] == "256"
    assert 0 < result["remaining_ms"] <= 1000 and result["region"] == "us-east-1"
    item = aws("dynamodb").get_item(TableName=function["table"], Key={"id": {"S": "first"}})["Item"]
    assert item == {"id": {"S": "first"}}
    assert aws("s3").get_object(Bucket=function["bucket"], Key="first")["Body"].read() == b"written by a Lambda"


def test_a_lambda_past_its_timeout_fails_as_a_timeout_and_its_environment_is_replaced(
        aws: Callable[[str], Any], function: dict[str, str]) -> None:
    error, result = invoke(aws, function["function"], {"id": "slow", "sleep": 3})
    assert error == "Unhandled"
    assert result["errorType"] == "Sandbox.Timedout"
    assert result["errorMessage"].endswith("Task timed out after 1.00 seconds")
    error, result = invoke(aws, function["function"], {"id": "after"})
    assert error is None and result["id"] == "after"


def test_a_lambdas_output_reaches_cloudwatch_logs(aws: Callable[[str], Any], function: dict[str, str]) -> None:
    invoke(aws, function["function"], {"id": "logged"})
    logs, group = aws("logs"), f"/aws/lambda/{function['function']}"
    deadline, messages = time.monotonic() + 10, []
    while time.monotonic() < deadline and not any("handled logged" in m for m in messages):
        messages = [e["message"] for e in logs.filter_log_events(logGroupName=group).get("events", [])]
        time.sleep(0.2)
    assert any("handled logged" in m for m in messages)
    assert any(m.startswith("REPORT RequestId") for m in messages)


def test_concurrent_invocations_run_in_separate_environments(aws: Callable[[str], Any]) -> None:
    """Three concurrent 0.6 s invocations take about 0.6 s, not 1.8 (a handler that only sleeps: the CPU of a
    loaded machine does not decide the outcome)."""
    from concurrent.futures import ThreadPoolExecutor

    name = unique("sleeper")
    aws("lambda").create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="handler.handler",
                                  Code={"ZipFile": code_zip("import time\n\ndef handler(event, context):\n"
                                                            "    time.sleep(event['sleep'])\n"
                                                            "    return event['id']\n")}, Timeout=10)
    aws("lambda").get_waiter("function_active_v2").wait(FunctionName=name)
    invoke(aws, name, {"id": "warm", "sleep": 0})
    started = time.monotonic()
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda i: invoke(aws, name, {"id": f"c{i}", "sleep": 0.6}), range(3)))
    assert results == [(None, "c0"), (None, "c1"), (None, "c2")]
    assert time.monotonic() - started < 1.8  # in parallel: three 0.6 s sleeps do not add up


def test_step_functions_with_a_wait_a_choice_and_a_lambda_task(aws: Callable[[str], Any],
                                                               function: dict[str, str]) -> None:
    arn = f"arn:aws:lambda:us-east-1:000000000000:function:{function['function']}"
    definition = {"StartAt": "Write", "States": {
        "Write": {"Type": "Task", "Resource": arn, "Parameters": {"id": "from-sfn"}, "ResultPath": "$.written",
                  "Next": "Pause"},
        "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Written?"},
        "Written?": {"Type": "Choice", "Choices": [
            {"Variable": "$.written.id", "StringEquals": "from-sfn", "Next": "Done"}], "Default": "Wrong"},
        "Done": {"Type": "Succeed"}, "Wrong": {"Type": "Fail", "Error": "Unexpected"}}}
    sfn = aws("stepfunctions")
    machine = sfn.create_state_machine(name=unique("flow"), definition=json.dumps(definition), roleArn=ROLE)
    execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")["executionArn"]
    deadline = time.monotonic() + 30
    while (status := sfn.describe_execution(executionArn=execution)["status"]) == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert status == "SUCCEEDED"


def test_cognito_pool_client_user_and_password_sign_in(aws: Callable[[str], Any]) -> None:
    cognito = aws("cognito-idp")
    pool = cognito.create_user_pool(PoolName=unique("pool"), UsernameAttributes=["email"])["UserPool"]
    client = cognito.create_user_pool_client(UserPoolId=pool["Id"], ClientName="web", ExplicitAuthFlows=[
        "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]
    cognito.admin_create_user(UserPoolId=pool["Id"], Username="ada@example.com", MessageAction="SUPPRESS",
                              TemporaryPassword="Temporary-Pass-1")
    cognito.admin_set_user_password(UserPoolId=pool["Id"], Username="ada@example.com", Password="Real-Pass-12",
                                    Permanent=True)
    tokens = cognito.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": "ada@example.com", "PASSWORD": "Real-Pass-12"})["AuthenticationResult"]
    assert {"AccessToken", "IdToken", "RefreshToken"} <= set(tokens)
    assert tokens["IdToken"].count(".") == 2  # a JWT


def test_bedrock_knowledge_base_data_source_and_ingestion(aws: Callable[[str], Any]) -> None:
    s3, bedrock, bucket = aws("s3"), aws("bedrock-agent"), unique("documents")
    s3.create_bucket(Bucket=bucket)
    for name in ("a.md", "b.md"):
        s3.put_object(Bucket=bucket, Key=f"agent/{name}", Body=b"text")
    s3.put_object(Bucket=bucket, Key="elsewhere.md", Body=b"not this one")
    kb = bedrock.create_knowledge_base(
        name=unique("kb"), roleArn=ROLE, knowledgeBaseConfiguration={
            "type": "VECTOR", "vectorKnowledgeBaseConfiguration": {
                "embeddingModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"}},
        storageConfiguration={"type": "OPENSEARCH_SERVERLESS", "opensearchServerlessConfiguration": {
            "collectionArn": "arn:aws:aoss:us-east-1:000000000000:collection/c", "vectorIndexName": "i",
            "fieldMapping": {"vectorField": "v", "textField": "t", "metadataField": "m"}}})["knowledgeBase"]
    source = bedrock.create_data_source(knowledgeBaseId=kb["knowledgeBaseId"], name="docs", dataSourceConfiguration={
        "type": "S3", "s3Configuration": {"bucketArn": f"arn:aws:s3:::{bucket}", "inclusionPrefixes": ["agent/"]}}
    )["dataSource"]
    assert bedrock.get_data_source(knowledgeBaseId=kb["knowledgeBaseId"],
                                   dataSourceId=source["dataSourceId"])["dataSource"]["name"] == "docs"
    job = bedrock.start_ingestion_job(knowledgeBaseId=kb["knowledgeBaseId"],
                                      dataSourceId=source["dataSourceId"])["ingestionJob"]
    deadline = time.monotonic() + 10
    while job["status"] != "COMPLETE":
        assert time.monotonic() < deadline
        time.sleep(0.2)
        job = bedrock.get_ingestion_job(knowledgeBaseId=kb["knowledgeBaseId"], dataSourceId=source["dataSourceId"],
                                        ingestionJobId=job["ingestionJobId"])["ingestionJob"]
    assert job["statistics"]["numberOfDocumentsScanned"] == 2


def test_a_cloudformation_stack_with_a_cognito_pool_creates_a_real_pool(aws: Callable[[str], Any]) -> None:
    name = unique("cfn-pool")
    template = {"Resources": {
        "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {"UserPoolName": name}},
        "Client": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {
            "UserPoolId": {"Ref": "Pool"}, "ClientName": "web"}}},
        "Outputs": {"PoolId": {"Value": {"Ref": "Pool"}}, "ClientId": {"Value": {"Ref": "Client"}}}}
    cfn, stack = aws("cloudformation"), unique("stack")
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(template))
    cfn.get_waiter("stack_create_complete").wait(StackName=stack, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    outputs = {o["OutputKey"]: o["OutputValue"] for o in cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]}
    pool = aws("cognito-idp").describe_user_pool(UserPoolId=outputs["PoolId"])["UserPool"]
    assert pool["Name"] == name
    clients = aws("cognito-idp").list_user_pool_clients(UserPoolId=pool["Id"])["UserPoolClients"]
    assert [c["ClientId"] for c in clients] == [outputs["ClientId"]]


def test_it_listens_on_loopback_only_apart_from_dynamodb_local(localstack: Any, aws: Callable[[str], Any]) -> None:
    """Every listening TCP socket of the embedded LocalStack's processes is on 127.0.0.1 (kinesis-mock, behind
    DynamoDB streams, included), except DynamoDB Local's JVM, which has no option for its address (README)."""
    layout = Layout.default()
    if not localstack.embedded:
        pytest.fail("this test needs the embedded LocalStack (unset LOCALSTACK_ENDPOINT/AWS_ENDPOINT_URL)")
    streamed = unique("streamed")  # a table with a stream starts kinesis-mock
    aws("dynamodb").create_table(TableName=streamed, BillingMode="PAY_PER_REQUEST",
                                 KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                 AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                                 StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    aws("dynamodb").get_waiter("table_exists").wait(TableName=streamed)
    sockets = _listening_sockets(process._strays(layout))
    gateway = [(pid, address) for pid, address, command in sockets if address.endswith(f":{layout.port}")]
    assert gateway and all(address.startswith("127.0.0.1:") for _, address in gateway)
    assert "node" in {command for _, _, command in sockets}  # kinesis-mock runs, and is checked below
    wide = {command for _, address, command in sockets if not address.startswith("127.0.0.1:")}
    assert wide <= {"java"}, sockets


def _listening_sockets(pids: list[int]) -> list[tuple[int, str, str]]:
    """(pid, "address:port", command) of every listening TCP socket of ``pids``, read from /proc."""
    listening: dict[str, str] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                host, port = fields[1].split(":")
                address = socket.inet_ntoa(bytes.fromhex(host)[::-1]) if len(host) == 8 else f"[{host}]"
                listening[fields[9]] = f"{address}:{int(port, 16)}"
    found = []
    for pid in pids:
        try:
            # The executable's name, not /proc/PID/comm: Node 22+ names its main thread "MainThread" there.
            command = Path(f"/proc/{pid}/exe").readlink().name
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = fd.readlink().name if fd.is_symlink() else ""
                if target.startswith("socket:[") and target[8:-1] in listening:
                    found.append((pid, listening[target[8:-1]], command))
        except OSError:
            continue
    return found


# --- Lifecycle, in a separate folder: nothing here touches the running LocalStack ----------------------------
def test_a_stale_pid_file_is_cleared(tmp_path: Path) -> None:
    layout = Layout(tmp_path, port=_free_port())
    layout.pid_file.write_text("999999\n")
    assert process.status(layout).running is False
    assert not layout.pid_file.exists()


def test_a_port_taken_by_another_program_is_reported(tmp_path: Path) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        layout = Layout(tmp_path, port=other.getsockname()[1])
        with pytest.raises(OratioError) as raised:
            process.start(layout)
    assert str(raised.value).splitlines()[0] == f"port {layout.port} on 127.0.0.1 is taken by another program"


def test_localstack_dying_during_start_is_reported_and_nothing_is_left(tmp_path: Path) -> None:
    layout = Layout(tmp_path, port=_free_port())
    layout.python.parent.mkdir(parents=True)
    layout.python.write_text("#!/bin/sh\necho 'ERROR: something broke at start' >&2\nexit 3\n")
    layout.python.chmod(0o755)
    with pytest.raises(OratioError) as raised:
        process.start(layout)
    assert str(raised.value).splitlines()[0] == (
        "LocalStack exited during start (code 3): ERROR: something broke at start")
    assert not layout.pid_file.exists() and process._strays(layout) == []


def test_no_python_313_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.delenv("ORATIO_LOCALSTACK_PYTHON", raising=False)
    with pytest.raises(OratioError) as raised:
        install_module.find_localstack_python()
    assert str(raised.value).splitlines()[0] == (
        "no Python 3.13 or newer found: LocalStack 2026.3 needs one (it runs in its own environment)")


def test_no_java_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(OratioError) as raised:
        install_module.find_java_home()
    assert str(raised.value).splitlines()[0] == (
        "Java is not installed: DynamoDB Local (LocalStack's DynamoDB) runs on it")


SPAWNING_HANDLER = """
import subprocess

def handler(event, context):
    return {"pid": subprocess.Popen(["sleep", "600"], start_new_session=True).pid}
"""


def test_stop_leaves_no_process_and_a_warm_start_is_quick(localstack: Any, aws: Callable[[str], Any]) -> None:
    """Last in this module: later modules deploy what they need again on the restarted LocalStack. A process a
    handler started in its own session (it left the environment's process group) ends with LocalStack too."""
    if not localstack.embedded:
        pytest.fail("this test needs the embedded LocalStack (unset LOCALSTACK_ENDPOINT/AWS_ENDPOINT_URL)")
    name = unique("spawner")
    aws("lambda").create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="handler.handler",
                                  Code={"ZipFile": code_zip(SPAWNING_HANDLER)})
    aws("lambda").get_waiter("function_active_v2").wait(FunctionName=name)
    error, result = invoke(aws, name, {})
    assert error is None and process._alive(result["pid"])
    layout = Layout.default()
    assert process.stop(layout) is True
    assert process._strays(layout) == [] and process.health(layout.url) is None
    assert not process._alive(result["pid"])
    started = process.start(layout)
    assert started.running and started.healthy_after_s is not None and started.healthy_after_s <= 5.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_localstack_serving_other_plug_ins_is_restarted(localstack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """After an upgrade of oratio's plug-ins, the running embedded LocalStack (still serving the ones it loaded) is
    restarted by the next command that needs it; the same plug-ins keep it as it is. After the stop test: it restarts
    LocalStack too."""
    if not localstack.embedded:
        pytest.fail("this test needs the embedded LocalStack (unset LOCALSTACK_ENDPOINT/AWS_ENDPOINT_URL)")
    from oratio.backends.localstack import embedded

    layout = Layout.default()
    before = process.recorded_pid(layout)
    current = install_module.plugins_fingerprint()
    assert before is not None and process.loaded_plugins(layout.url) == current  # what LocalStack itself says
    said: list[str] = []
    embedded.ensure_running(said.append)
    assert process.recorded_pid(layout) == before and said == []  # the same plug-ins: reused as it is

    # This oratio now has other plug-ins than the running LocalStack loaded (what an upgrade does).
    monkeypatch.setattr(embedded, "plugins_fingerprint", lambda: "9.9.9+0000000000000000")
    embedded.ensure_running(said.append)
    after = process.recorded_pid(layout)
    assert after is not None and after != before and not process._alive(before)
    assert said[0] == (f"oratio's LocalStack plug-ins changed since this LocalStack started ({current} -> "
                       "9.9.9+0000000000000000): restarting it (nothing in it is persisted: deploy again)")
    assert process.health(layout.url) is not None and process.loaded_plugins(layout.url) == current


def test_a_localstack_oratio_did_not_start_is_left_as_it_is_with_one_line(
        localstack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The user's own LocalStack (LOCALSTACK_ENDPOINT; here the embedded one, named so) serving other plug-ins: one
    line says so and what to do; it is not restarted."""
    from oratio.backends.localstack import embedded

    layout = Layout.default()
    before = process.recorded_pid(layout)
    loaded = process.loaded_plugins(localstack.url)
    monkeypatch.setenv("LOCALSTACK_ENDPOINT", localstack.url)
    monkeypatch.setattr(embedded, "plugins_fingerprint", lambda: "9.9.9+0000000000000000")
    said: list[str] = []
    assert embedded.ensure_running(said.append).embedded is False
    assert said == [f"note: the LocalStack at {localstack.url} serves oratio's plug-ins {loaded}, this oratio has "
                    f"9.9.9+0000000000000000; oratio did not start it, so it leaves it as it is: install "
                    f"{install_module.plugins_source()} into that LocalStack (pip install) and restart it"]
    assert process.recorded_pid(layout) == before


def test_the_plug_ins_fingerprint_is_their_version_and_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "localstack-plugins"
    (source / "oratio_localstack" / "__pycache__").mkdir(parents=True)
    (source / "pyproject.toml").write_text('[project]\nname = "oratio-localstack"\nversion = "9.8.7"\n')
    (source / "oratio_localstack" / "s3vectors.py").write_text("A = 1\n")
    hashing = install_module.plugins_source() / "oratio_localstack" / "code_hash.py"  # a plug-in package has it
    (source / "oratio_localstack" / "code_hash.py").write_bytes(hashing.read_bytes())
    monkeypatch.setattr(install_module, "plugins_source", lambda: source)
    first = install_module.plugins_fingerprint()
    assert first.startswith("9.8.7+") and len(first) == len("9.8.7+") + 16
    (source / "oratio_localstack" / "__pycache__" / "s3vectors.cpython-313.pyc").write_bytes(b"compiled")
    assert install_module.plugins_fingerprint() == first  # what Python caches is not code
    (source / "oratio_localstack" / "s3vectors.py").write_text("A = 2\n")  # an edit without a version bump
    second = install_module.plugins_fingerprint()
    assert second.startswith("9.8.7+") and second != first


def test_the_plug_ins_compute_the_same_fingerprint_as_oratio() -> None:
    """The plug-in's own computation (run in LocalStack's Python over the source) equals the installer's."""
    import subprocess

    source = install_module.plugins_source()
    script = ("import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
              "from oratio_localstack.plugin_info import code_hash; print(code_hash(Path(sys.argv[1]) / "
              "'oratio_localstack'))")
    computed = subprocess.run([str(Layout.default().python), "-c", script, str(source)], capture_output=True,
                              text=True, timeout=60, check=True).stdout.strip()
    assert computed == install_module.plugins_code_hash(source / "oratio_localstack")
