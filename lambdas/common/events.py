"""Validating events and specifications before any side effect."""

from __future__ import annotations

import re
from typing import Any

from common.errors import InvalidRequest

ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
MIN_INSTRUCTIONS = 40  # Bedrock's minimum for an agent's instruction


def require_ids(event: Any) -> tuple[str, str]:
    """``userId`` and ``agentId``: 1-64 letters, digits, '_' or '-' (they become S3 prefixes and names)."""
    if not isinstance(event, dict):
        raise InvalidRequest(f"expected an object with userId and agentId, got {type(event).__name__}")
    ids = []
    for field in ("userId", "agentId"):
        value = event.get(field)
        if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
            raise InvalidRequest(f"{field} must be 1-64 letters, digits, '_' or '-', got {value!r}")
        ids.append(value)
    return ids[0], ids[1]


def require_string(event: dict[str, Any], field: str) -> str:
    value = event.get(field)
    if not isinstance(value, str) or not value:
        raise InvalidRequest(f"{field} must be a non-empty string, got {value!r}")
    return value


def check_specification(specification: Any) -> dict[str, Any]:
    """What an agent needs to be generated and deployed: a name and instructions Bedrock accepts."""
    if not isinstance(specification, dict):
        raise InvalidRequest("the agent's record has no specification object")
    name = specification.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 _-]{0,63}", name):
        raise InvalidRequest(f"specification.name must be 1-64 letters, digits, spaces, '_' or '-', got {name!r}")
    instructions = specification.get("instructions")
    if not isinstance(instructions, str) or len(instructions.strip()) < MIN_INSTRUCTIONS:
        raise InvalidRequest(f"specification.instructions must be at least {MIN_INSTRUCTIONS} characters "
                             "(Bedrock's minimum for an agent)")
    return specification
