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


def role_arn(context: Any, role_name: str) -> str:
    return f"arn:aws:iam::{account_of(context)}:role/{role_name}"


def log(step: str, **fields: Any) -> None:
    """One structured line per step, for CloudWatch Logs Insights."""
    print(json.dumps({"step": step, "time": round(time.time(), 3), **fields}, default=str))
