"""AgentCore Runtime sessions as local processes: one process per runtime session, as AgentCore gives each session
its own microVM.

THE LOCAL AGENT CONTRACT (what agent code must do to run here, and what it gets):
- The entry point (the ``.py`` file in ``codeConfiguration.entryPoint``; a wrapper before it, such as
  ``opentelemetry-instrument``, is not run locally) is started as ``<python> <code folder>/<entry point>`` under the
  interpreter for the runtime (``PYTHON_3_13`` -> ``python3.13`` from ``runtimes.json``, the interpreters the
  Lambda executor uses), with the unpacked code folder as working directory and first on ``PYTHONPATH`` (then
  boto3, as for Lambda).
- It must serve AgentCore's HTTP contract, ``GET /ping`` (200, ``{"status": "Healthy"}``) and
  ``POST /invocations``, on 127.0.0.1 at the port in the environment variable ``PORT`` (also given as
  ``AGENTCORE_PORT``; the address is also given as ``HOST``), defaulting to 8080 on every address when they are
  unset, which is what it gets on AWS. Every local
  session has its own free port: code that hard-codes 8080 runs one session at a time at best.
- Environment: the runtime's ``environmentVariables``; ``AWS_ENDPOINT_URL`` = this LocalStack, the runtime's
  account as access key (LocalStack's account id) with a dummy secret, ``AWS_REGION``/``AWS_DEFAULT_REGION``;
  ``ORATIO_AGENTCORE_RUNTIME_ARN``, ``ORATIO_AGENTCORE_SESSION_ID``; ``ORATIO_LOCAL_STAND_IN=1``.
- Its stdout and stderr go to CloudWatch Logs, log group ``/aws/bedrock-agentcore/runtimes/<agentRuntimeId>-<endpoint>``
  (endpoint ``DEFAULT``), log stream ``<yyyy/mm/dd>/[runtime-logs]<uuid>``, as on AWS.
- Lifetime: stopped after the idle timeout (``lifecycleConfiguration.idleRuntimeSessionTimeout``, default 900 s as
  on AWS; ``ORATIO_AGENTCORE_IDLE_TIMEOUT_S`` in LocalStack's environment overrides it for every runtime, and the
  same variable among a runtime's own ``environmentVariables`` sets it for that runtime, below AWS's 60 s minimum
  if wanted), after ``maxLifetime`` (default 28,800 s), on StopRuntimeSession, when the runtime is updated or
  deleted, and when LocalStack stops (each process leads its own process group, and its command line names a
  file under LocalStack's folder, so that ``python app.py localstack stop`` finds leftovers after a hard kill).
- Start timeout: ``ORATIO_AGENTCORE_START_TIMEOUT_S`` (default 30 s, AgentCore's initialization limit); at most
  ``ORATIO_AGENTCORE_MAX_SESSIONS`` processes at once (default 16).
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import http.client
import json
import logging
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from typing import Any

import attrs
from localstack.aws.api import CommonServiceException

LOG = logging.getLogger(__name__)
IDLE_TIMEOUT_VARIABLE = "ORATIO_AGENTCORE_IDLE_TIMEOUT_S"
START_TIMEOUT_VARIABLE = "ORATIO_AGENTCORE_START_TIMEOUT_S"
MAX_SESSIONS_VARIABLE = "ORATIO_AGENTCORE_MAX_SESSIONS"
INVOKE_TIMEOUT_S = 900.0  # AgentCore's limit for a synchronous request: 15 minutes
DEFAULT_IDLE_TIMEOUT_S = 900.0
DEFAULT_MAX_LIFETIME_S = 28800.0
LOG_FLUSH_S = 0.5


@attrs.frozen
class RuntimeVersion:
    """What a session needs of one runtime version: resolved by the control plane."""

    account: str
    region: str
    runtime_id: str
    runtime_arn: str
    version: str
    code_dir: str
    entry_point: str
    python: str
    environment: dict[str, str]
    idle_timeout_s: float
    max_lifetime_s: float
    endpoint_name: str = "DEFAULT"

    @property
    def log_group(self) -> str:
        return f"/aws/bedrock-agentcore/runtimes/{self.runtime_id}-{self.endpoint_name}"


def runtime_client_error(message: str) -> CommonServiceException:
    return CommonServiceException("RuntimeClientError", message, status_code=424)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _gateway_url() -> str:
    from localstack import config

    return f"http://127.0.0.1:{config.GATEWAY_LISTEN[0].port}"


class CloudWatchWriter:
    """Lines of one process to its log stream, in batches."""

    def __init__(self, runtime: RuntimeVersion) -> None:
        self.group = runtime.log_group
        self.stream = f"{time.strftime('%Y/%m/%d', time.gmtime())}/[runtime-logs]{uuid.uuid4()}"
        self.account, self.region = runtime.account, runtime.region
        self.pending: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.created = False

    def add(self, line: str) -> None:
        with self.lock:
            self.pending.append({"timestamp": int(time.time() * 1000), "message": line})

    def flush(self) -> None:
        with self.lock:
            events, self.pending = self.pending, []
        if not events:
            return
        try:
            from localstack.aws.connect import connect_to

            logs = connect_to(aws_access_key_id=self.account, region_name=self.region).logs
            if not self.created:
                with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
                    logs.create_log_group(logGroupName=self.group)
                with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
                    logs.create_log_stream(logGroupName=self.group, logStreamName=self.stream)
                self.created = True
            logs.put_log_events(logGroupName=self.group, logStreamName=self.stream, logEvents=events)
        except Exception as error:  # logs must never break an agent's invocation
            LOG.warning("oratio agentcore: could not write %d log lines to %s: %s", len(events), self.group, error)


class AgentSession:
    def __init__(self, runtime: RuntimeVersion, session_id: str) -> None:
        self.runtime, self.session_id = runtime, session_id
        self.port = _free_port()
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.output: collections.deque[str] = collections.deque(maxlen=40)
        self.logs = CloudWatchWriter(runtime)
        self.started = time.monotonic()
        self.last_used = time.monotonic()
        self.active = 0
        self.ready = False

    # -- start ---------------------------------------------------------------------------------------------------
    def environment(self) -> dict[str, str]:
        runtime = self.runtime
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
               "LANG": "C.UTF-8", "AWS_REGION": runtime.region, "AWS_DEFAULT_REGION": runtime.region}
        env.update(runtime.environment)
        site = os.environ.get("ORATIO_LAMBDA_SITE", "")
        env.update({
            "PORT": str(self.port), "AGENTCORE_PORT": str(self.port), "HOST": "127.0.0.1",
            "AWS_ENDPOINT_URL": _gateway_url(),
            "AWS_ACCESS_KEY_ID": runtime.account, "AWS_SECRET_ACCESS_KEY": "test",
            "ORATIO_AGENTCORE_RUNTIME_ARN": runtime.runtime_arn, "ORATIO_AGENTCORE_SESSION_ID": self.session_id,
            "ORATIO_LOCAL_STAND_IN": "1",
            "PYTHONPATH": os.pathsep.join(p for p in (runtime.code_dir, site) if p),
            "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1", "NO_PROXY": "*",
        })
        env.pop("AWS_SESSION_TOKEN", None)
        env.pop("AWS_PROFILE", None)
        return env

    def start(self, start_timeout_s: float) -> None:
        script = os.path.join(self.runtime.code_dir, self.runtime.entry_point)
        self.process = subprocess.Popen([self.runtime.python, script], cwd=self.runtime.code_dir,
                                        env=self.environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        threading.Thread(target=self._collect, daemon=True, name=f"agentcore-log-{self.process.pid}").start()
        deadline = time.monotonic() + start_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                time.sleep(0.05)  # the collector's last lines
                self.logs.flush()
                raise runtime_client_error(
                    f"Runtime initialization failed: the agent's process exited with code {self.process.returncode} "
                    f"before answering GET /ping. Please check your CloudWatch logs for more information "
                    f"(log group {self.runtime.log_group}). Last output: {self.tail()}")
            if self._pings():
                self.ready = True
                return
            time.sleep(0.05)
        self.stop()
        raise runtime_client_error(
            f"Runtime initialization time exceeded. Please make sure that initialization completes in "
            f"{start_timeout_s:.0f}s: the agent must answer GET /ping on the port in the PORT environment variable "
            f"({self.port} here; it is 8080 on AWS). Last output: {self.tail()}")

    def _pings(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/ping")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def _collect(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        last_flush = time.monotonic()
        for raw in self.process.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            self.output.append(line)
            self.logs.add(line)
            if time.monotonic() - last_flush > LOG_FLUSH_S:
                self.logs.flush()
                last_flush = time.monotonic()
        self.logs.flush()

    def tail(self) -> str:
        return " | ".join(list(self.output)[-10:]) or "(no output)"

    # -- invoke --------------------------------------------------------------------------------------------------
    def invoke(self, body: bytes, headers: dict[str, str]) -> tuple[int, str, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=INVOKE_TIMEOUT_S)
        try:
            connection.request("POST", "/invocations", body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type") or "application/json", response.read()
        except OSError as error:
            exited = self.process is not None and self.process.poll() is not None
            time.sleep(0.05)
            self.logs.flush()
            what = (f"the agent's process exited with code {self.process.returncode} during the invocation"
                    if exited and self.process else f"the connection to the agent failed ({error})")
            raise runtime_client_error(f"Received error from runtime: {what}. Please check your CloudWatch logs "
                                       f"for more information. Last output: {self.tail()}") from None
        finally:
            connection.close()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(2)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self.logs.flush()


class SessionManager:
    def __init__(self) -> None:
        self.sessions: dict[tuple[str, str, str, str], AgentSession] = {}
        self.lock = threading.Lock()
        self.reaper: threading.Thread | None = None

    @staticmethod
    def _key(runtime: RuntimeVersion, session_id: str) -> tuple[str, str, str, str]:
        return runtime.account, runtime.region, runtime.runtime_id, session_id

    def invoke(self, runtime: RuntimeVersion, session_id: str, body: bytes, headers: dict[str, str]
               ) -> tuple[int, str, bytes]:
        session = self._session(runtime, session_id)
        try:
            return session.invoke(body, headers)
        finally:
            with self.lock:
                session.active -= 1
                session.last_used = time.monotonic()

    def _session(self, runtime: RuntimeVersion, session_id: str) -> AgentSession:
        key = self._key(runtime, session_id)
        with self.lock:
            self._start_reaper()
            session = self.sessions.get(key)
            if session is not None and (session.runtime.version != runtime.version or
                                        (session.ready and not session.alive())):
                self._discard(key)  # a new version, or a process that died: this session gets a fresh one
                session = None
            if session is None:
                limit = int(os.environ.get(MAX_SESSIONS_VARIABLE) or 16)
                if len(self.sessions) >= limit:
                    raise CommonServiceException(
                        "ServiceQuotaExceededException",
                        f"{len(self.sessions)} agent runtime sessions already run locally (the limit is {limit}, "
                        f"set by {MAX_SESSIONS_VARIABLE}); wait for idle sessions to stop or raise the limit",
                        status_code=402)
                session = AgentSession(runtime, session_id)
                self.sessions[key] = session
            session.active += 1
            session.last_used = time.monotonic()
        with session.lock:
            if not session.ready:
                try:
                    session.start(float(os.environ.get(START_TIMEOUT_VARIABLE) or 30))
                except Exception:
                    with self.lock:
                        session.active -= 1
                        if self.sessions.get(key) is session:
                            del self.sessions[key]
                    session.stop()
                    raise
        return session

    def _discard(self, key: tuple[str, str, str, str]) -> None:
        session = self.sessions.pop(key, None)
        if session is not None:
            threading.Thread(target=session.stop, daemon=True).start()

    def stop_runtime(self, account: str, region: str, runtime_id: str, keep_version: str | None = None) -> None:
        """Stops the runtime's sessions (those of other versions than ``keep_version``, when given)."""
        with self.lock:
            doomed = [key for key, session in self.sessions.items() if key[:3] == (account, region, runtime_id)
                      and session.runtime.version != keep_version]
            stopping = [self.sessions.pop(key) for key in doomed]
        for session in stopping:
            session.stop()

    def stop_session(self, account: str, region: str, runtime_id: str, session_id: str) -> bool:
        """Stops one session's process; False when there is no such session."""
        with self.lock:
            session = self.sessions.pop((account, region, runtime_id, session_id), None)
        if session is None:
            return False
        session.stop()
        return True

    def sessions_of(self, account: str, region: str, runtime_id: str) -> list[AgentSession]:
        with self.lock:
            return [s for key, s in self.sessions.items() if key[:3] == (account, region, runtime_id)]

    def stop_all(self) -> None:
        with self.lock:
            stopping = list(self.sessions.values())
            self.sessions.clear()
        for session in stopping:
            session.stop()

    def _start_reaper(self) -> None:
        if self.reaper is None or not self.reaper.is_alive():
            self.reaper = threading.Thread(target=self._reap, daemon=True, name="agentcore-idle-reaper")
            self.reaper.start()

    def _reap(self) -> None:
        while True:
            time.sleep(LOG_FLUSH_S)
            override = os.environ.get(IDLE_TIMEOUT_VARIABLE)
            now = time.monotonic()
            with self.lock:
                expired = []
                for key, session in self.sessions.items():
                    idle_limit = float(override) if override else session.runtime.idle_timeout_s
                    idle = session.active == 0 and session.ready and now - session.last_used > idle_limit
                    if idle or now - session.started > session.runtime.max_lifetime_s or \
                            (session.ready and not session.alive() and session.active == 0):
                        expired.append(key)
                stopping = [self.sessions.pop(key) for key in expired]
            for session in list(self.sessions.values()):  # output waiting in a buffer reaches its log stream
                session.logs.flush()
            for session in stopping:
                LOG.info("oratio agentcore: stopping session %s of %s (idle or ended)", session.session_id,
                         session.runtime.runtime_id)
                session.stop()


MANAGER = SessionManager()
atexit.register(MANAGER.stop_all)


def describe_sessions() -> str:
    """For diagnostics: the running sessions, one JSON line."""
    with MANAGER.lock:
        return json.dumps([{"runtime": s.runtime.runtime_id, "session": s.session_id, "port": s.port,
                            "pid": s.process.pid if s.process else None} for s in MANAGER.sessions.values()])
