"""A LocalStack Lambda runtime executor that runs each execution environment as a local process.

Selected with ``LAMBDA_RUNTIME_EXECUTOR=oratio-local``. The interpreter for each runtime comes from the JSON file
named by ``ORATIO_LAMBDA_RUNTIMES`` (``{"python3.13": "/path/to/python"}``), written by oratio's installer with
one virtual environment per Python found on the machine, each with boto3 (as Lambda's runtimes have).
LocalStack starts one environment per concurrent invocation, so each runs in its own process group, and every
group is stopped when LocalStack stops.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import threading
from typing import Any

from localstack import config
from localstack.services.lambda_.invocation.executor_endpoint import ExecutorEndpoint
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.lambda_.invocation.runtime_executor import RuntimeExecutor
from localstack.utils.net import get_free_tcp_port

LOG = logging.getLogger(__name__)
SUPERVISOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "supervisor.py")
RUNTIMES_VARIABLE = "ORATIO_LAMBDA_RUNTIMES"
_running: set[subprocess.Popen] = set()
_running_lock = threading.Lock()


class MissingRuntime(RuntimeError):
    pass


def interpreter_for(runtime: str | None) -> str:
    path = os.environ.get(RUNTIMES_VARIABLE)
    interpreters: dict[str, str] = {}
    if path and os.path.isfile(path):
        with open(path) as file:
            interpreters = json.load(file)
    if runtime in interpreters:
        return interpreters[runtime]
    found = ", ".join(sorted(interpreters)) or "none"
    raise MissingRuntime(f"no local interpreter for runtime {runtime} (this machine has: {found}); install that "
                         "Python (e.g. with pyenv) and run 'python app.py localstack start' again, or choose a "
                         "runtime it has")


class LocalProcessExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: Any) -> None:
        super().__init__(id=id, function_version=function_version)
        self.port = get_free_tcp_port()
        self.executor_endpoint = ExecutorEndpoint(self.id, container_address="127.0.0.1", container_port=self.port)
        self.process: subprocess.Popen | None = None
        self.output: list[str] = []

    def start(self, env_vars: dict[str, str]) -> None:
        interpreter = interpreter_for(self.function_version.config.runtime)
        self.executor_endpoint.start()
        code_dir = str(self.function_version.config.code.get_unzipped_code_location())
        env = {key: str(value) for key, value in env_vars.items() if value is not None}
        env.update(
            PATH=os.environ.get("PATH", "/usr/bin:/bin"),
            HOME=os.environ.get("HOME", "/tmp"),
            LAMBDA_TASK_ROOT=code_dir,
            ORATIO_LAMBDA_PORT=str(self.port),
            PYTHONUNBUFFERED="1",
            PYTHONPATH=os.environ.get("ORATIO_LAMBDA_SITE", ""),  # boto3, as Lambda's runtimes have it
            PYTHONDONTWRITEBYTECODE="1",
            NO_PROXY="*",
        )
        self.process = subprocess.Popen([interpreter, SUPERVISOR], env=env, cwd=code_dir, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        with _running_lock:
            _running.add(self.process)
        threading.Thread(target=self._collect, daemon=True).start()
        self.executor_endpoint.wait_for_startup()

    def _collect(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for raw in self.process.stdout:
            self.output.append(raw.decode(errors="replace").rstrip("\n"))
        future = self.executor_endpoint.startup_future
        if future is not None and not future.done():  # it died before it was ready: fail the start, do not hang
            tail = "\n".join(self.output[-10:])
            future.set_exception(RuntimeError(f"the Lambda process exited with {self.process.returncode}: {tail}"))

    def stop(self) -> None:
        if self.process is not None:
            _stop_group(self.process)
            with _running_lock:
                _running.discard(self.process)
        try:
            self.executor_endpoint.shutdown()
        except Exception as error:
            LOG.debug("stopping the executor endpoint of %s: %s", self.id, error)

    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        return "127.0.0.1"

    def get_runtime_endpoint(self) -> str:
        return f"http://127.0.0.1:{config.GATEWAY_LISTEN[0].port}{self.executor_endpoint.get_endpoint_prefix()}"

    def invoke(self, payload: dict[str, str]) -> Any:
        return self.executor_endpoint.invoke(payload)

    def get_logs(self) -> str:
        return "\n".join(self.output)

    @classmethod
    def prepare_version(cls, function_version: Any) -> None:
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: Any) -> None:
        pass

    @classmethod
    def validate_environment(cls) -> bool:
        return True


def _stop_group(process: subprocess.Popen, grace_s: float = 2.0) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(grace_s)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def stop_all() -> None:
    """Every environment's process group, when LocalStack shuts down."""
    with _running_lock:
        running = list(_running)
        _running.clear()
    for process in running:
        _stop_group(process)


class LocalProcessExecutorPlugin(RuntimeExecutorPlugin):
    name = "oratio-local"

    def load(self, *args: Any, **kwargs: Any) -> type[LocalProcessExecutor]:
        import atexit

        atexit.register(stop_all)
        return LocalProcessExecutor
