"""The handler's process: imports the handler once (a warm environment), then runs one invocation per request.

Runs under the function's own interpreter, with the standard library only. Requests arrive on stdin as JSON
lines; each result goes back as one JSON line on the file descriptor named by ORATIO_RESULT_FD. Whatever the
handler prints goes to stdout, which the supervisor collects as the invocation's logs.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The context object Lambda's Python runtime passes to handlers."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.aws_request_id: str = request["invoke-id"]
        self.invoked_function_arn: str = request.get("invoked-function-arn") or ""
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline: float = request["deadline"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


def error_document(error: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {"errorMessage": str(error), "errorType": error_type or type(error).__name__,
            "stackTrace": traceback.format_list(traceback.extract_tb(error.__traceback__))}


def load_handler() -> Any:
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    sys.path.insert(0, task_root)
    module_name, function_name = os.environ["_HANDLER"].rsplit(".", 1)
    module = importlib.import_module(module_name.replace("/", "."))
    return getattr(module, function_name)


def main() -> None:
    results = os.fdopen(int(os.environ["ORATIO_RESULT_FD"]), "w", buffering=1)
    try:
        handler = load_handler()
    except Exception as error:  # the import error is the environment's error, as Lambda reports it
        traceback.print_exc()
        sys.stdout.flush()
        results.write(json.dumps({"init_error": error_document(error, "Runtime.ImportModuleError")}) + "\n")
        return
    results.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        try:
            event = json.loads(request.get("payload") or "null")
            outcome: dict[str, Any] = {"result": handler(event, LambdaContext(request))}
        except Exception as error:
            print(f"[ERROR] {type(error).__name__}: {error}")
            traceback.print_exc(file=sys.stdout)
            outcome = {"error": error_document(error)}
        try:
            line = json.dumps(outcome)
        except (TypeError, ValueError) as error:  # a result Lambda could not serialize is the function's error
            line = json.dumps({"error": error_document(error, "Runtime.MarshalError")})
        sys.stdout.flush()
        sys.stderr.flush()
        results.write(line + "\n")


if __name__ == "__main__":
    main()
