"""Small sample CDK apps deployed through cdklocal onto the embedded LocalStack, as a new user would try them:
for each app, the deploy (synth included), a behaviour check against what it deployed, and the destroy.

The apps are in ``bench/cdk_apps/<name>/app.py``: written for this project, each modelled on a common public
example of its kind (public sample repositories cannot be fetched here, and fetched code must not be committed):
Lambda with DynamoDB, S3 notification to Lambda with autoDeleteObjects, SNS to SQS, an EventBridge rule to Lambda,
Step Functions, API Gateway REST with Lambda, a Cognito authorizer, a Node.js handler (with log retention) and a
Lambda layer.

Usage: .venv/bin/python bench/cdklocal_samples.py [--apps name,name] [--keep]
Uses the embedded LocalStack (started if needed) unless LOCALSTACK_ENDPOINT is set.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
APPS = ROOT / "bench" / "cdk_apps"
sys.path.insert(0, str(ROOT))

from oratio.backends.localstack import Target  # noqa: E402
from oratio.backends.localstack.embedded import ensure_running  # noqa: E402

Clients = Callable[[str], Any]


def cdklocal(arguments: list[str], endpoint: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_ENDPOINT_URL_S3": endpoint, "AWS_ACCESS_KEY_ID": "test",
           "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1", "CDK_DISABLE_CLI_TELEMETRY": "true",
           "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    env.pop("AWS_PROFILE", None)
    return subprocess.run([str(ROOT / "node_modules" / ".bin" / "cdklocal"), *arguments, "--no-notices"], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=900)


def eventually(probe: Callable[[], Any], timeout_s: float = 20) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            value = probe()
            if value:
                return value
        except Exception:
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            return None
        time.sleep(0.3)


def invoke(aws: Clients, name: str, event: dict[str, Any]) -> Any:
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps(event))
    payload = json.loads(response["Payload"].read())
    if response.get("FunctionError"):
        raise AssertionError(f"{name} failed: {payload}")
    return payload


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# --- Behaviour checks: each returns a one-line description of what it saw, or raises ---------------------------
def check_lambda_dynamodb(aws: Clients, out: dict[str, str], endpoint: str) -> str:
    assert invoke(aws, out["FunctionName"], {"pk": "a1"}) == "a1"
    item = aws("dynamodb").get_item(TableName=out["TableName"], Key={"pk": {"S": "a1"}})["Item"]
    logged = eventually(lambda: any("stored a1" in e["message"] for e in aws("logs").filter_log_events(
        logGroupName=f"/aws/lambda/{out['FunctionName']}")["events"]))
    assert logged, "the logging line did not reach CloudWatch Logs"
    return f"item {item['pk']['S']} written, logging line in CloudWatch Logs"


def check_s3_notification(aws: Clients, out: dict[str, str], endpoint: str) -> str:
    s3 = aws("s3")
    s3.put_object(Bucket=out["BucketName"], Key="in/sample.txt", Body=b"sample")
    copied = eventually(lambda: s3.get_object(Bucket=out["BucketName"], Key="out/sample.txt")["Body"].read())
    assert copied == b"SAMPLE", copied
    return "notification fired, object copied (bucket left non-empty for autoDeleteObjects)"


def check_sns_sqs(aws: Clients, out: dict[str, str], endpoint: str) -> str:
    aws("sns").publish(TopicArn=out["TopicArn"], Message="to the queue")
    messages = eventually(lambda: aws("sqs").receive_message(QueueUrl=out["QueueUrl"], WaitTimeSeconds=1).get(
        "Messages"))
    assert messages and messages[0]["Body"] == "to the queue", messages
    return "published message received raw from the queue"


def check_eventbridge_lambda(aws: Clients, out: dict[str, str], endpoint: str) -> str:
    aws("events").put_events(Entries=[{"Source": "oratio.samples", "DetailType": "OrderPlaced",
                                       "Detail": json.dumps({"id": "o-1"})}])
    item = eventually(lambda: aws("dynamodb").get_item(TableName=out["TableName"], Key={"id": {"S": "o-1"}}).get(
        "Item"))
    assert item and item["type"]["S"] == "OrderPlaced", item
    return "event routed by the rule to the function, which recorded it"


def check_step_functions(aws: Clients, out: dict[str, str], endpoint: str) -> str:
    sfn = aws("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=out["StateMachineArn"], input=json.dumps({"numbers": [5, 9]}))
    final = eventually(lambda: (d := sfn.describe_execution(executionArn=execution["executionArn"]))["status"]
                       != "RUNNING" and d, 60)
    assert final and final["status"] == "SUCCEEDED", final
    assert json.loads(final["output"])["sum"] == {"total": 14}
    return "execution SUCCEEDED with the Lambda task's result"


def _stage_url(endpoint: str, out: dict[str, str], path: str) -> str:
    return f"{endpoint}/restapis/{out['RestApiId']}/{out['StageName']}/_user_request_/{path}"


def check_apigateway_lambda(aws: Clients, out: dict[str, str], endpoint: str) -> str:
    status, body = http_get(_stage_url(endpoint, out, "hello?name=ada"))
    assert status == 200 and json.loads(body) == {"hello": "ada", "path": "/hello"}, (status, body)
    return "GET /hello answered by the function"


def check_cognito_authorizer(aws: Clients, out: dict[str, str], endpoint: str) -> str:
    status, _ = http_get(_stage_url(endpoint, out, "me"))
    assert status == 401, status
    cognito = aws("cognito-idp")
    cognito.admin_create_user(UserPoolId=out["UserPoolId"], Username="ada@example.com", MessageAction="SUPPRESS",
                              TemporaryPassword="Temporary-Pass-1")
    cognito.admin_set_user_password(UserPoolId=out["UserPoolId"], Username="ada@example.com",
                                    Password="Real-Pass-12", Permanent=True)
    token = cognito.initiate_auth(ClientId=out["ClientId"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": "ada@example.com", "PASSWORD": "Real-Pass-12"})["AuthenticationResult"]["IdToken"]
    status, body = http_get(_stage_url(endpoint, out, "me"), {"Authorization": token})
    assert status == 200 and json.loads(body) == {"email": "ada@example.com"}, (status, body)
    return "401 without a token, 200 with the user's ID token (claims passed on)"


def check_node_handler(aws: Clients, out: dict[str, str], endpoint: str) -> str:
    result = invoke(aws, out["FunctionName"], {"key": "from-node.txt"})
    assert result["written"] == "from-node.txt" and result["node"].startswith("v22."), result
    body = aws("s3").get_object(Bucket=out["BucketName"], Key="from-node.txt")["Body"].read()
    assert body == b"from node", body
    group = aws("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{out['FunctionName']}")["logGroups"]
    assert group and group[0].get("retentionInDays") == 7, group
    return f"Node {result['node']} wrote with the AWS SDK v3; log retention 7 days set by Custom::LogRetention"


def check_lambda_layer(aws: Clients, out: dict[str, str], endpoint: str) -> str:
    assert invoke(aws, out["FunctionName"], {"name": "ada"}) == "hello ada, from a layer"
    return "the function imported its layer's module"


CHECKS: dict[str, Callable[[Clients, dict[str, str], str], str]] = {
    "lambda_dynamodb": check_lambda_dynamodb, "s3_notification": check_s3_notification, "sns_sqs": check_sns_sqs,
    "eventbridge_lambda": check_eventbridge_lambda, "step_functions": check_step_functions,
    "apigateway_lambda": check_apigateway_lambda, "cognito_authorizer": check_cognito_authorizer,
    "node_handler": check_node_handler, "lambda_layer": check_lambda_layer}


def run_app(name: str, endpoint: str, aws: Clients, keep: bool) -> tuple[str, str, str]:
    app = APPS / name / "app.py"
    with tempfile.TemporaryDirectory(prefix=f"cdklocal-{name}-") as work:
        cwd = Path(work)
        started = time.perf_counter()
        deployed = cdklocal(["deploy", "--app", f"{sys.executable} {app}", "--output", str(cwd / "cdk.out"),
                             "--require-approval", "never", "--outputs-file", str(cwd / "outputs.json")], endpoint,
                            cwd)
        deploy = f"{time.perf_counter() - started:.1f} s"
        if deployed.returncode != 0:
            error = [line for line in deployed.stderr.splitlines() if "fail" in line.lower() or "error" in line.lower()]
            return f"FAILED ({deploy}): {(error or ['see cdklocal output'])[-1].strip()[:150]}", "-", "-"
        outputs = next(iter(json.loads((cwd / "outputs.json").read_text()).values()))
        try:
            behaviour = "ok: " + CHECKS[name](aws, outputs, endpoint)
        except Exception as error:
            behaviour = f"FAILED: {type(error).__name__}: {str(error)[:150]}"
        if keep:
            return f"ok ({deploy})", behaviour, "kept"
        started = time.perf_counter()
        destroyed = cdklocal(["destroy", "--app", str(cwd / "cdk.out"), "--force"], endpoint, cwd)
        took = f"{time.perf_counter() - started:.1f} s"
        destroy = f"ok ({took})" if destroyed.returncode == 0 else f"FAILED ({took}): {destroyed.stderr[-150:]}"
        return f"ok ({deploy})", behaviour, destroy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", default=",".join(CHECKS), help="comma-separated names under bench/cdk_apps/")
    parser.add_argument("--keep", action="store_true", help="do not destroy the stacks")
    options = parser.parse_args()
    endpoint = os.environ.get("LOCALSTACK_ENDPOINT") or ensure_running(print).url
    aws = Target(endpoint).client
    bootstrap = cdklocal(["bootstrap", "aws://000000000000/us-east-1"], endpoint, ROOT)
    if bootstrap.returncode != 0:
        raise SystemExit(f"cdklocal bootstrap failed: {bootstrap.stderr[-500:]}")
    names = [n for n in options.apps.split(",") if n]
    worked = 0
    for name in names:
        deploy, behaviour, destroy = run_app(name, endpoint, aws, options.keep)
        worked += all(not part.startswith("FAILED") for part in (deploy, behaviour, destroy))
        print(f"{name:20} deploy {deploy}\n{'':20} behaviour {behaviour}\n{'':20} destroy {destroy}", flush=True)
    print(f"{worked} of {len(names)} sample apps worked from deploy to destroy")


if __name__ == "__main__":
    main()
