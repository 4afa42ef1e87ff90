"""AgentCore Runtime's service contract without dependencies: ``GET /ping`` and ``POST /invocations`` (JSON) on
0.0.0.0:8080 (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/runtime-service-contract.html).

The port is ``PORT`` and the address ``HOST`` when the environment sets them: AgentCore does not (8080 on every
address of the microVM), oratio's local AgentCore does (a free port on 127.0.0.1 per session)."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PORT = 8080
HOST = "0.0.0.0"  # AgentCore reaches the agent from outside its microVM
Handler = Callable[[dict[str, Any]], dict[str, Any]]


class AgentError(Exception):
    """A request the agent refuses: answered with 400 and the reason."""


def _handler_class(handle: Handler) -> type[BaseHTTPRequestHandler]:
    started = int(time.time())

    class Contract(BaseHTTPRequestHandler):
        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, default=str).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/ping":
                self._send(200, {"status": "Healthy", "time_of_last_update": started})
            else:
                self._send(404, {"error": f"no route {self.path}"})

        def do_POST(self) -> None:
            if self.path != "/invocations":
                self._send(404, {"error": f"no route {self.path}"})
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                if not isinstance(payload, dict):
                    raise AgentError("the payload must be a JSON object")
                self._send(200, handle(payload))
            except (AgentError, ValueError) as error:
                self._send(400, {"error": str(error)})
            except Exception as error:  # the agent's failure, reported to the caller and the runtime's log
                print(json.dumps({"step": "invocation-failed", "error": repr(error)}), file=sys.stderr)
                self._send(500, {"error": f"{type(error).__name__}: {error}"})

        def log_message(self, format: str, *args: Any) -> None:  # one JSON line per request, in the runtime's log
            print(json.dumps({"step": "request", "line": format % args}))

    return Contract


def serve(handle: Handler, port: int | None = None) -> None:
    """Serve AgentCore's contract until the process is stopped."""
    address = (os.environ.get("HOST") or HOST, port or int(os.environ.get("PORT") or PORT))
    ThreadingHTTPServer(address, _handler_class(handle)).serve_forever()
