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


# What a user may put in an agent's specification through the API (the workflow reads name, instructions and
# documents; the model and the rest are the platform's choice).
SPECIFICATION_FIELDS = ("name", "description", "instructions", "documents")
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _-]{0,63}")
MAX_DESCRIPTION = 500
MAX_INSTRUCTIONS = 4000
MAX_DOCUMENTS = 20
# A document's file name: it becomes the last part of an S3 key under the agent's prefix, so no '/' and no leading
# dot; the suffixes are the text formats Bedrock knowledge bases ingest.
FILE_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._ -]{0,99}")
DOCUMENT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".csv", ".pdf", ".doc", ".docx")


def file_name_problem(name: Any) -> str | None:
    """Why ``name`` cannot be a document's file name, or None."""
    if not isinstance(name, str) or not FILE_NAME_PATTERN.fullmatch(name) or ".." in name:
        return (f"{name!r} is not a file name: 1-100 letters, digits, '.', '_', '-' or spaces, starting with a letter "
                "or digit, no '/' and no '..'")
    if not name.lower().endswith(DOCUMENT_SUFFIXES):
        return f"{name!r} is not a document type knowledge bases ingest: {', '.join(DOCUMENT_SUFFIXES)}"
    return None


def specification_problems(specification: Any, *, strict: bool = True) -> list[dict[str, str]]:
    """Every problem of a specification at once, as ``{"field", "message"}``. ``strict`` (the API) also refuses
    fields it does not know; the workflow reads records the API wrote, and tests' own fields (``localStandIn``)."""
    if not isinstance(specification, dict):
        return [{"field": "specification", "message": f"expected an object, got {type(specification).__name__}"}]
    problems: list[dict[str, str]] = []

    def problem(field: str, message: str) -> None:
        problems.append({"field": f"specification.{field}", "message": message})

    if strict:
        for field in specification:
            if field not in SPECIFICATION_FIELDS:
                hint = " (the user is the signed-in caller)" if field in ("userId", "user", "owner") else ""
                problem(str(field), f"unknown field{hint}; allowed: {', '.join(SPECIFICATION_FIELDS)}")
    name = specification.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        problem("name", f"must be 1-64 letters, digits, spaces, '_' or '-', starting with a letter or digit; "
                        f"got {name!r}")
    instructions = specification.get("instructions")
    if not isinstance(instructions, str) or len(instructions.strip()) < MIN_INSTRUCTIONS:
        problem("instructions", f"must be at least {MIN_INSTRUCTIONS} characters (Bedrock's minimum for an agent)")
    elif strict and len(instructions) > MAX_INSTRUCTIONS:
        problem("instructions", f"has {len(instructions)} characters; at most {MAX_INSTRUCTIONS}")
    if not strict:
        return problems
    description = specification.get("description", "")
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        problem("description", f"must be a string of at most {MAX_DESCRIPTION} characters")
    documents = specification.get("documents", [])
    if not isinstance(documents, list) or len(documents) > MAX_DOCUMENTS:
        problem("documents", f"must be a list of at most {MAX_DOCUMENTS} file names")
    else:
        for index, document in enumerate(documents):
            why = file_name_problem(document)
            if why:
                problem(f"documents[{index}]", why)
        if len(set(map(str, documents))) != len(documents):
            problem("documents", "names a file twice")
    return problems


def check_specification(specification: Any) -> dict[str, Any]:
    """What an agent needs to be generated and deployed: a name and instructions Bedrock accepts."""
    if not isinstance(specification, dict):
        raise InvalidRequest("the agent's record has no specification object")
    problems = specification_problems(specification, strict=False)
    if problems:
        raise InvalidRequest("; ".join(f"{p['field']} {p['message']}" for p in problems))
    return specification
