"""boto3 clients (one per service and process) and facts about where the function runs."""

from __future__ import annotations

import json
import time
from functools import cache
from typing import Any


@cache
def client(service: str) -> Any:
    import boto3

    return boto3.client(service)


def account_of(context: Any) -> str:
    """The account the function runs in: the fifth field of its ARN."""
    return str(getattr(context, "invoked_function_arn", "") or "").split(":")[4] or "000000000000"


def partition_region(context: Any) -> tuple[str, str]:
    """The partition and Region the function runs in: the second and fourth fields of its ARN."""
    fields = str(getattr(context, "invoked_function_arn", "") or "").split(":")
    return (fields[1], fields[3]) if len(fields) > 4 else ("aws", "us-east-1")


def log(step: str, **fields: Any) -> None:
    """One structured line per step, for CloudWatch Logs Insights."""
    print(json.dumps({"step": step, "time": round(time.time(), 3), **fields}, default=str))
