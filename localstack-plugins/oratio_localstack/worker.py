"""The handler's process: imports the handler once (a warm environment), then runs one invocation per request.

Runs under the function's own interpreter (python3.9 and later), with the standard library only. Requests arrive
on stdin as JSON lines; each result goes back as one JSON line on the file descriptor named by ORATIO_RESULT_FD.
Whatever the handler prints or logs goes to stdout, which the supervisor collects as the invocation's logs.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import time
import traceback
from typing import Any

REQUEST_ID = {"current": ""}
LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"
LOG_LEVELS = {"TRACE": logging.DEBUG, "DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARN": logging.WARNING,
              "ERROR": logging.ERROR, "FATAL": logging.CRITICAL}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = REQUEST_ID["current"]
        return True


def install_lambda_logging() -> None:
    """The root handler AWS's Python runtime installs: Lambda's format with the request id, times in UTC, to the
    invocation's log. The root level is left at Python's default (WARNING) unless AWS_LAMBDA_LOG_LEVEL (the
    function's LoggingConfig ApplicationLogLevel) sets it, as on AWS: handlers call ``logger.setLevel``."""
    formatter = logging.Formatter(LOG_FORMAT, "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = LOG_LEVELS.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper())
    if level is not None:
        root.setLevel(level)


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
    install_lambda_logging()
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
        REQUEST_ID["current"] = request["invoke-id"]
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
