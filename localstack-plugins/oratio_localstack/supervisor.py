"""One Lambda execution environment, run as a local process: the stand-in for Lambda's runtime init.

Runs under LocalStack's own Python, standard library only. It speaks LocalStack's internal runtime protocol
(post ``/status/<id>/ready``; receive ``POST /invoke``; post ``/invocations/<req>/logs`` then ``/response`` or
``/error``) and keeps the handler in a worker process (``worker.py`` under the runtime's Python, ``worker.js``
under its Node: the command is in ``ORATIO_WORKER_COMMAND``), so that it can hold the handler to Lambda's limits:

- the timeout: "Task timed out after N seconds" (``Sandbox.Timedout``);
- the memory size: the worker's resident memory, its children's included, is watched; past the function's
  memory size the worker is killed and the invocation fails with ``Runtime.OutOfMemory`` ("Runtime exited with
  error: signal: killed"), as Lambda's cgroup does;
- a worker that exits fails the invocation at once with ``Runtime.ExitError`` and its exit status.

After any of these, every process the handler started, in whatever session or process group, is killed (they
all carry this environment's marker variable, ``ORATIO_LAMBDA_ENVIRONMENT``) and the next invocation gets a
fresh worker (a cold start).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ENDPOINT = os.environ["LOCALSTACK_RUNTIME_ENDPOINT"]
RUNTIME_ID = os.environ["LOCALSTACK_RUNTIME_ID"]
PORT = int(os.environ["ORATIO_LAMBDA_PORT"])
TIMEOUT_S = float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "3"))
MEMORY_MB = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
WORKER_COMMAND: list[str] = json.loads(os.environ["ORATIO_WORKER_COMMAND"])
MARKER = "ORATIO_LAMBDA_ENVIRONMENT"
MEMORY_POLL_S = 0.05
_no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def post(path: str, body: Any) -> None:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(ENDPOINT + path, data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    _no_proxy.open(request, timeout=30).read()


def marked_processes(marker: str) -> list[int]:
    """Every process whose environment carries ``marker`` (``NAME=value``), whatever its session or parent."""
    needle = marker.encode()
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


def kill_marked(marker: str) -> None:
    for pid in marked_processes(marker):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                found += [int(child) for child in children.read().split()]
    except OSError:
        pass
    return found


def resident_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its descendants, in MB (what Lambda's memory cgroup counts, roughly)."""
    total_kb, pending, seen = 0, [pid], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
                        break
        except OSError:
            continue
        pending += _children(current)
    return total_kb / 1024


class Worker:
    """The handler's process, with its output collected line by line for the current invocation's logs."""

    def __init__(self) -> None:
        read_fd, write_fd = os.pipe()
        self.marker = f"{MARKER}={RUNTIME_ID}-{time.monotonic_ns()}"
        name, value = self.marker.split("=", 1)
        env = {**os.environ, "ORATIO_RESULT_FD": str(write_fd), name: value}
        self.process = subprocess.Popen(WORKER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, env=env, pass_fds=(write_fd,),
                                        cwd=os.environ["LAMBDA_TASK_ROOT"])
        os.close(write_fd)
        self.results = os.fdopen(read_fd, "r")
        self.output: list[str] = []
        self._lock = threading.Lock()
        self._collector = threading.Thread(target=self._collect, daemon=True)
        self._collector.start()

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.decode(errors="replace")
            sys.stdout.write(line)  # the executor keeps these as the environment's logs
            sys.stdout.flush()
            with self._lock:
                self.output.append(line)

    def take_output(self, finished: bool = False) -> str:
        if finished:  # the worker is gone: its last lines are in the pipe until the collector reaches the end
            self._collector.join(1.0)
        else:
            time.sleep(0.01)  # let the collector catch the last lines written before the result
        with self._lock:
            text, self.output = "".join(self.output), []
        return text

    def read_result(self, timeout_s: float, memory_mb: float | None = None) -> tuple[str, dict[str, Any] | None]:
        """("result", the next result line), ("timeout", None), ("exit", None) when the worker ends first, or
        ("memory", None) when its resident memory passes ``memory_mb``."""
        deadline = time.monotonic() + max(0.0, timeout_s)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout", None
            ready, _, _ = select.select([self.results], [], [], min(left, MEMORY_POLL_S))
            if ready:
                line = self.results.readline()
                return ("result", json.loads(line)) if line else ("exit", None)
            if memory_mb is not None and resident_mb(self.process.pid) > memory_mb:
                return "memory", None

    def send(self, request: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        self.process.stdin.flush()

    def exit_status(self) -> int | None:
        try:
            return self.process.wait(2.0)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """The worker and every process it started, in any session."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        kill_marked(self.marker)


def exit_description(code: int | None) -> str:
    if code is None:
        return "unknown"
    if code < 0:
        name = {signal.SIGKILL: "killed", signal.SIGSEGV: "segmentation fault", signal.SIGABRT: "aborted",
                signal.SIGTERM: "terminated"}.get(signal.Signals(-code), signal.Signals(-code).name)
        return f"signal: {name}"
    return f"exit status {code}"


class Environment:
    def __init__(self) -> None:
        self.worker = self._start_worker()
        self.invocations: queue.Queue[dict[str, Any]] = queue.Queue()

    @staticmethod
    def _start_worker() -> Worker:
        worker = Worker()
        kind, first = worker.read_result(60)
        if kind != "result" or first is None or "init_error" in first:
            code = worker.exit_status() if kind == "exit" else None
            error = (first or {}).get("init_error") or {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"Runtime exited with error: {exit_description(code)} while starting"}
            sys.stdout.write(worker.take_output(finished=True))
            worker.kill()
            post(f"/status/{RUNTIME_ID}/error", error)
            raise SystemExit(1)
        return worker

    def run(self) -> None:
        while True:
            self.invoke(self.invocations.get())

    def invoke(self, invocation: dict[str, Any]) -> None:
        request_id = invocation["invoke-id"]
        started = time.time()
        if self.worker.process.poll() is not None:
            self.worker.kill()
            self.worker = self._start_worker()
        self.worker.send({**invocation, "deadline": started + TIMEOUT_S})
        kind, outcome = self.worker.read_result(TIMEOUT_S - (time.time() - started), memory_mb=MEMORY_MB)
        elapsed_ms = (time.time() - started) * 1000
        logs, max_memory = "", 0
        if kind == "timeout":
            self.worker.kill()  # the timeout: this environment's handler (and its children) are replaced
            message = f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {request_id} Task timed out after " \
                      f"{TIMEOUT_S:.2f} seconds"
            outcome = {"error": {"errorMessage": message, "errorType": "Sandbox.Timedout"}}
            logs = self.worker.take_output(finished=True) + message + "\n"
        elif kind == "memory":
            max_memory = MEMORY_MB
            self.worker.kill()
            outcome = {"error": {"errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
                                                 "signal: killed", "errorType": "Runtime.OutOfMemory"}}
            logs = self.worker.take_output(finished=True) + outcome["error"]["errorMessage"] + "\n"
        elif kind == "exit":
            code = self.worker.exit_status()
            self.worker.kill()
            outcome = {"error": {"errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
                                                 f"{exit_description(code)}", "errorType": "Runtime.ExitError"}}
            logs = self.worker.take_output(finished=True) + outcome["error"]["errorMessage"] + "\n"
        else:
            max_memory = int(resident_mb(self.worker.process.pid))
            logs = self.worker.take_output()
        assert outcome is not None
        version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        report = (f"START RequestId: {request_id} Version: {version}\n{logs}END RequestId: {request_id}\n"
                  f"REPORT RequestId: {request_id}\tDuration: {elapsed_ms:.2f} ms\tBilled Duration: "
                  f"{int(elapsed_ms) + 1} ms\tMemory Size: {MEMORY_MB} MB\tMax Memory Used: {max_memory} MB\n")
        post(f"/invocations/{request_id}/logs", {"logs": report})
        if "error" in outcome:
            post(f"/invocations/{request_id}/error", outcome["error"])
        else:
            post(f"/invocations/{request_id}/response", json.dumps(outcome["result"]).encode())
        if kind != "result":
            self.worker = self._start_worker()  # a fresh worker for the next invocation (a cold start)


def main() -> None:
    environment = Environment()

    class InvokeHandler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            environment.invocations.put(json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0)))))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", PORT), InvokeHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: (environment.worker.kill(), os._exit(0)))
    post(f"/status/{RUNTIME_ID}/ready", {})
    environment.run()


if __name__ == "__main__":
    main()
