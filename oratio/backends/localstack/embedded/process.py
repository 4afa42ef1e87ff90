"""Running the embedded LocalStack: start on 127.0.0.1 only, wait for health, stop every process it made.

LocalStack runs in its own session (so a stop reaches its whole process group), with its data, logs, caches
and temporary files in the layout's folder. Its children (the DynamoDB Local JVM, Lambda processes in their
own groups) are found by their command lines, which all name that folder, or, for every process a Lambda handler
starts (in any session), by the owner variable in their environment; they are stopped by PID at ``stop`` and,
left over from a LocalStack that crashed, at the next ``start``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import attrs

from oratio.backends.localstack.embedded.layout import Layout
from oratio.errors import OratioError

START_TIMEOUT_S = 60.0
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")  # in either case
STOP_GRACE_S = 10.0


@attrs.frozen
class Status:
    running: bool
    pid: int | None
    url: str
    health: dict[str, Any] | None = None
    uptime_s: float | None = None
    healthy_after_s: float | None = None  # for a start: from the process's start to its first healthy answer


def health(url: str, timeout_s: float = 1.0) -> dict[str, Any] | None:
    """LocalStack's health document, or None when nothing (or not LocalStack) answers."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/_localstack/health", timeout=timeout_s) as response:
            document = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None
    return document if isinstance(document, dict) and "services" in document else None


def _port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is not alive
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def recorded_pid(layout: Layout) -> int | None:
    """The PID in the pid file when that process still runs; a stale file is removed."""
    try:
        pid = int(layout.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    if _alive(pid):
        return pid
    layout.pid_file.unlink(missing_ok=True)
    return None


def environment(layout: Layout) -> dict[str, str]:
    # No AWS settings, and no proxy: LocalStack and its Lambda processes talk to 127.0.0.1, never through a proxy.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AWS_", "LOCALSTACK_")) and key.lower() not in PROXY_VARIABLES}
    env.update({
        # These machines have /.dockerenv: without this LocalStack believes it runs in its own container.
        "OVERRIDE_IN_DOCKER": "0",
        # hypercorn binds the host given here; the default server binds 0.0.0.0 whatever the host says.
        "GATEWAY_LISTEN": f"127.0.0.1:{layout.port}",
        "GATEWAY_SERVER": "hypercorn",
        "DNS_ADDRESS": "0",  # no DNS server (it would listen on 0.0.0.0:53)
        "DISABLE_EVENTS": "1",  # nothing sent home
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "FILESYSTEM_ROOT": str(layout.filesystem),
        "XDG_CACHE_HOME": str(layout.cache),  # plux's entry-point cache, ours alone
        "TMPDIR": str(layout.tmp),
        "LAMBDA_RUNTIME_EXECUTOR": "oratio-local",
        "ORATIO_LAMBDA_RUNTIMES": str(layout.runtimes_file),
        "ORATIO_LAMBDA_SITE": str(layout.lambda_site),
        "ORATIO_LAMBDA_NODE_SITE": str(layout.lambda_node_sdk / "node_modules"),
        "PERSISTENCE": "0",
        # kinesis-mock (Node, behind DynamoDB streams) would listen on all interfaces: this makes it loopback.
        "NODE_OPTIONS": f"--require {layout.node_loopback}",
        "DDB_LOCAL_TELEMETRY": "0",  # DynamoDB Local sends usage telemetry unless told not to
    })
    return env


def start(layout: Layout, progress: Callable[[str], None] | None = None) -> Status:
    say = progress or (lambda message: None)
    pid = recorded_pid(layout)
    if pid is not None and health(layout.url) is not None:
        return status(layout)
    if pid is not None:  # ours, but not answering: a start that hung, or a LocalStack dying
        stop(layout)
    if health(layout.url) is not None:
        raise OratioError(f"a LocalStack that oratio did not start already answers at {layout.url}",
                          f"to use it, set LOCALSTACK_ENDPOINT={layout.url}; or stop it, or choose another port "
                          "with ORATIO_LOCALSTACK_PORT")
    if _port_taken(layout.port):
        raise OratioError(f"port {layout.port} on 127.0.0.1 is taken by another program",
                          "stop that program, or choose another port with ORATIO_LOCALSTACK_PORT")
    for folder in (layout.filesystem, layout.cache, layout.tmp):
        folder.mkdir(parents=True, exist_ok=True)
    orphans = stop_strays(layout)  # a crashed run's DynamoDB Local JVM or Lambda processes
    if orphans:
        say(f"stopped {orphans} process(es) left over from a LocalStack that did not stop cleanly")
    say(f"starting LocalStack on {layout.url} (logs: {layout.log_file})")
    started = time.monotonic()
    with open(layout.log_file, "ab") as log:
        process = subprocess.Popen([str(layout.python), "-m", "localstack.runtime.main"], env=environment(layout),
                                   cwd=layout.root, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    layout.pid_file.write_text(f"{process.pid}\n")
    while time.monotonic() - started < START_TIMEOUT_S:
        if process.poll() is not None:
            layout.pid_file.unlink(missing_ok=True)
            stop_strays(layout)
            raise OratioError(f"LocalStack exited during start (code {process.returncode}): {_last_error(layout)}",
                              f"see {layout.log_file}; 'python app.py localstack logs' shows its end")
        if health(layout.url) is not None:
            healthy_after = time.monotonic() - started
            say(f"LocalStack is up ({healthy_after:.1f} s)")
            warm_services(layout.url, say)
            return attrs.evolve(status(layout), healthy_after_s=healthy_after)
        time.sleep(0.2)
    stop(layout)
    raise OratioError(f"LocalStack did not answer within {START_TIMEOUT_S:.0f} s; it was stopped",
                      f"see {layout.log_file}")


PLUGINS_PATH = "/_oratio/plugins"  # oratio_localstack.plugin_info.PATH


def loaded_plugins(url: str, timeout_s: float = 5.0) -> str | None:
    """The fingerprint of the oratio plug-ins the LocalStack at ``url`` loaded when it started; ``""`` when it answers
    without one (no oratio plug-ins, or plug-ins older than 0.4.4, which had no such endpoint); None when it does not
    answer at all (then nothing can be told)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{url}{PLUGINS_PATH}", timeout=timeout_s) as response:
            document = json.loads(response.read())
    except urllib.error.HTTPError:
        return ""
    except (urllib.error.URLError, OSError, ValueError):
        return None
    value = document.get("fingerprint") if isinstance(document, dict) else None
    return value if isinstance(value, str) else ""


# LocalStack loads a service on its first request (0.1-1 s each under load, DynamoDB Local's JVM 2-8 s): asking
# each service the backends and tools use once, at start, keeps that wait out of the first deploy or test (the
# same for every client: oratio's backend, cdklocal through CloudFormation, the tests). This is LocalStack's
# EAGER_SERVICE_LOADING done for our services only, as part of start: loading all of LocalStack's would be slower.
WARM_CALLS = (("dynamodb", "list_tables"), ("s3", "list_buckets"), ("iam", "list_roles"), ("sts",
              "get_caller_identity"), ("lambda", "list_functions"), ("logs", "describe_log_groups"),
              ("stepfunctions", "list_state_machines"), ("cognito-idp", "list_user_pools"),
              ("bedrock-agent", "list_agents"), ("cloudformation", "list_stacks"), ("ssm", "describe_parameters"),
              ("apigatewayv2", "get_apis"), ("s3vectors", "list_vector_buckets"),
              ("bedrock-agentcore-control", "list_agent_runtimes"))


def warm_services(url: str, say: Callable[[str], None]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from oratio.backends.localstack.target import Target

    started = time.monotonic()
    target = Target(url)  # no proxy, no profile: what every command's clients do
    clients = {service: target.client(service) for service, _ in WARM_CALLS}

    def call(service: str, operation: str) -> str | None:
        try:
            getattr(clients[service], operation)(**({"MaxResults": 1} if service == "cognito-idp" else {}))
        except Exception as error:
            return f"{service}: {error}"
        return None

    with ThreadPoolExecutor(len(WARM_CALLS)) as pool:
        problems = [p for p in pool.map(lambda pair: call(*pair), WARM_CALLS) if p]
    say(f"services loaded, DynamoDB Local's JVM included ({time.monotonic() - started:.1f} s)"
        + (f"; not yet: {'; '.join(problems)}" if problems else ""))


def _last_error(layout: Layout) -> str:
    try:
        lines = [line for line in layout.log_file.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no log"
    errors = [line for line in lines if "Error" in line or "ERROR" in line]
    return (errors or lines or ["no log"])[-1].strip()[:300]


# Set by the Lambda executor plug-in (oratio_localstack.executor.OWNER_VARIABLE) in every Lambda process's
# environment, to LocalStack's FILESYSTEM_ROOT: a handler's child in its own session is found by it.
LAMBDA_OWNER_VARIABLE = "ORATIO_LAMBDA_OWNER"


def _strays(layout: Layout) -> list[int]:
    """Processes whose command line names the layout's folder (the JVM, Lambda processes, LocalStack itself) or
    whose environment names it as their Lambda owner (whatever a handler started)."""
    root = str(layout.root)
    owner = f"{LAMBDA_OWNER_VARIABLE}={layout.filesystem}".encode()
    found = []
    for entry in os.listdir("/proc"):
        # A zombie is already stopped (its parent has not reaped it yet; in a container, pid 1 may never do it).
        if not entry.isdigit() or int(entry) == os.getpid() or not _alive(int(entry)):
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                arguments = cmdline.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        # An interpreter, script or jar under the folder (a viewer of its log names a file, not a program).
        if any((a.startswith(root) and not a.endswith(".log")) or f"={root}" in a for a in arguments[:3]) or \
                any(a.startswith(root) and a.endswith(".jar") for a in arguments):
            found.append(int(entry))
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as environ:
                if owner in environ.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def stop_strays(layout: Layout) -> int:
    strays = [pid for pid in _strays(layout) if _alive(pid)]
    for pid in strays:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 2.0  # SIGKILL is delivered asynchronously: let them finish dying
    while any(_alive(pid) for pid in strays) and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(strays)


def stop(layout: Layout) -> bool:
    """SIGTERM to LocalStack's group, SIGKILL after STOP_GRACE_S, then every stray child by PID."""
    pid = recorded_pid(layout)
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):  # hypercorn sometimes hangs in shutdown
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)
    strays = stop_strays(layout)
    layout.pid_file.unlink(missing_ok=True)
    return pid is not None or strays > 0


def status(layout: Layout) -> Status:
    pid = recorded_pid(layout)
    document = health(layout.url) if pid is not None else None
    uptime = None
    if pid is not None:
        with contextlib.suppress(OSError):
            uptime = time.time() - os.stat(f"/proc/{pid}").st_mtime
    return Status(running=pid is not None and document is not None, pid=pid, url=layout.url, health=document,
                  uptime_s=uptime)
