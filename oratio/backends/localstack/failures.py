"""What an SDK error that escaped a LocalStack command means to the user: one line and a hint, never a traceback.

The apply phase reports its own failures (``apply.py``: which change failed); these are the rest: LocalStack
dying while the plan is read or the outputs are gathered (``EndpointConnectionError``, a dropped connection, a
read timeout), and an endpoint answering with a server error (HTTP 5xx) once botocore's retries are spent.
"""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from oratio.errors import OratioError

RERUN = "up and destroy pick up from what exists, so running the command again is safe"


def describe(error: Exception) -> OratioError | None:
    """The error as an ``OratioError``, or None for one that is not the SDK's."""
    if isinstance(error, EndpointConnectionError | ConnectionClosedError | ConnectTimeoutError):
        return OratioError(f"LocalStack stopped answering: {error}",
                           f"start it ('oratio localstack start', or your own) and run the command again; {RERUN}")
    if isinstance(error, ReadTimeoutError):
        return OratioError(f"LocalStack did not answer in time: {error}",
                           f"see its log ('oratio localstack logs'), then run the command again; {RERUN}")
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        code = error.response.get("Error", {}).get("Code", "?")
        if status >= 500:
            return OratioError(f"LocalStack failed to answer {error.operation_name} (HTTP {status}, {code}): "
                               f"{error.response.get('Error', {}).get('Message') or 'no message'}",
                               f"see its log ('oratio localstack logs'); restart it if it keeps failing; {RERUN}")
        return OratioError(f"LocalStack refused {error.operation_name} ({code}): {error}",
                           "see its log ('oratio localstack logs') for why")
    if isinstance(error, BotoCoreError):
        return OratioError(f"the AWS SDK failed talking to LocalStack: {error}",
                           f"check that LocalStack runs ('oratio localstack status'); {RERUN}")
    return None
