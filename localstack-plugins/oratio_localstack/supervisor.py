"""One Lambda execution environment, run as a local process: the stand-in for Lambda's runtime init.

Runs under the function's own interpreter, standard library only. It speaks LocalStack's internal runtime
protocol (post ``/status/<id>/ready``; receive ``POST /invoke``; post ``/invocations/<req>/logs`` then
``/response`` or ``/error``) and keeps the handler in a worker process (``worker.py``), so that it can enforce
the function's timeout as Lambda does: the invocation fails with "Task timed out after N seconds", the worker
is killed and the next invocation gets a fresh one (a cold start).
"""

from __future__ import annotations

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
WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "worker.py")
_no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def post(path: str, body: Any) -> None:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(ENDPOINT + path, data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    _no_proxy.open(request, timeout=30).read()


class Worker:
    """The handler's process, with its output collected line by line for the current invocation's logs."""

    def __init__(self) -> None:
        read_fd, write_fd = os.pipe()
        env = {**os.environ, "ORATIO_RESULT_FD": str(write_fd)}
        self.process = subprocess.Popen([sys.executable, WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, env=env, pass_fds=(write_fd,),
                                        cwd=os.environ["LAMBDA_TASK_ROOT"])
        os.close(write_fd)
        self.results = os.fdopen(read_fd, "r")
        self.output: list[str] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.decode(errors="replace")
            sys.stdout.write(line)  # the executor keeps these as the environment's logs
            sys.stdout.flush()
            with self._lock:
                self.output.append(line)

    def take_output(self) -> str:
        time.sleep(0.01)  # let the collector catch the last lines written before the result
        with self._lock:
            text, self.output = "".join(self.output), []
        return text

    def read_result(self, timeout_s: float) -> dict[str, Any] | None:
        """The next result line, or None when the deadline passes or the worker dies first."""
        ready, _, _ = select.select([self.results], [], [], max(0.0, timeout_s))
        if not ready:
            return None
        line = self.results.readline()
        return json.loads(line) if line else None

    def send(self, request: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        self.process.stdin.flush()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class Environment:
    def __init__(self) -> None:
        self.worker = self._start_worker()
        self.invocations: queue.Queue[dict[str, Any]] = queue.Queue()

    @staticmethod
    def _start_worker() -> Worker:
        worker = Worker()
        first = worker.read_result(60)
        if first is None or "init_error" in first:
            error = (first or {}).get("init_error") or {"errorType": "Runtime.ExitError",
                                                         "errorMessage": "the handler's process exited while starting"}
            sys.stdout.write(worker.take_output())
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
            self.worker = self._start_worker()
        self.worker.send({**invocation, "deadline": started + TIMEOUT_S})
        outcome = self.worker.read_result(TIMEOUT_S - (time.time() - started))
        elapsed_ms = (time.time() - started) * 1000
        if outcome is None and self.worker.process.poll() is None:
            self.worker.kill()  # the timeout: this environment's handler process is replaced
            message = f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {request_id} Task timed out after " \
                      f"{TIMEOUT_S:.2f} seconds"
            outcome = {"error": {"errorMessage": message, "errorType": "Sandbox.Timedout"}}
            logs = self.worker.take_output() + message + "\n"
            self.worker = Worker()
            self.worker.read_result(60)  # its "ready" line (an import error shows at the next invocation)
        elif outcome is None:
            code = self.worker.process.returncode
            outcome = {"error": {"errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
                                                 f"exit status {code}", "errorType": "Runtime.ExitError"}}
            logs = self.worker.take_output()
        else:
            logs = self.worker.take_output()
        version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        memory = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        report = (f"START RequestId: {request_id} Version: {version}\n{logs}END RequestId: {request_id}\n"
                  f"REPORT RequestId: {request_id}\tDuration: {elapsed_ms:.2f} ms\tBilled Duration: "
                  f"{int(elapsed_ms) + 1} ms\tMemory Size: {memory} MB\n")
        post(f"/invocations/{request_id}/logs", {"logs": report})
        if "error" in outcome:
            post(f"/invocations/{request_id}/error", outcome["error"])
        else:
            post(f"/invocations/{request_id}/response", json.dumps(outcome["result"]).encode())


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
