"""What every kind's rendering shares: construct ids from model names, where a stack is, retention, tags, logs."""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, RemovalPolicy, Tags, Token
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from oratio.model import Retention, System
from oratio.model.permissions import Place

# CloudFormation's pseudo parameters: the stack's own partition, region and account, resolved at deploy time.
PLACE = Place(Aws.PARTITION, Aws.REGION, Aws.ACCOUNT_ID)

REMOVAL = {Retention.RETAIN: RemovalPolicy.RETAIN, Retention.DESTROY: RemovalPolicy.DESTROY}

# Log groups are made explicit so that their retention and removal are ours, not a default. Logs go with
# their function or state machine (DESTROY): a retained group with a fixed name would block the next deploy.
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS


def construct_id(name: str) -> str:
    """``api-keys`` → ``ApiKeys``: the construct id (and so the logical id's stem) of a model resource.

    One-to-one on the model's names ([a-z0-9-], starting with a letter), so that distinct names never share an id.
    A name whose every '-'-separated part starts with a letter reads back from its capitals (``ApiKeys``: these
    ids start with a capital). Any other name (``a-1``, ``a--b``, which capitalizing would merge with ``a1`` and
    ``a-b``) keeps its letters and digits and writes each '-' as ``X``: ``aX1``, ``aXXb`` (these ids start with a
    small letter, so the two forms never meet).
    """
    parts = name.split("-")
    if all(part[:1].isalpha() for part in parts):
        return "".join(part.capitalize() for part in parts)
    return name.replace("-", "X")


def part_id(owner_id: str, part: str) -> str:
    """The id of a construct made for a model resource beside its main one (``Role``, ``Logs``): ``Owner-Role``.
    The '-' never occurs in a ``construct_id``, so no model name can produce it (a function ``x-role`` is
    ``XRole``, the role of a function ``x`` is ``X-Role``); logical ids stay readable (the CDK drops the '-')."""
    return f"{owner_id}-{part}"


# What the CDK reads as a token inside a string: ``${Token[...]}``.
_TOKEN_MARK = "${Token["


def literal(text: str) -> Any:
    """A user's string as CloudFormation must receive it: as is, even when it looks like a CDK token.

    The CDK replaces every ``${Token[...]}`` in a string it resolves (or fails on an unknown one). A string holding
    that mark is handed over as an ``Fn::Join`` of its pieces around each mark, the mark itself written as
    ``Fn::Select`` of a one-element list: an intrinsic the CDK cannot merge with the pieces beside it (it merges
    adjacent plain strings, and would rebuild the mark) and CloudFormation evaluates to the mark. CloudFormation
    thus joins back the very text, also when the result is spliced into a longer string (a state machine's
    definition). Other strings are returned unchanged.
    """
    if _TOKEN_MARK not in text:
        return text
    pieces = text.split(_TOKEN_MARK)
    parts: list[Any] = [pieces[0]]
    for piece in pieces[1:]:
        parts += [{"Fn::Select": [0, [_TOKEN_MARK]]}, piece]
    return Token.as_string({"Fn::Join": ["", [p for p in parts if p != ""]]})


def tag(construct: IConstruct, system: System) -> None:
    """The system's tags (``oratio:system``, ``oratio:stage`` and the model's own) on a construct and its children."""
    for key, value in system.tags.items():
        Tags.of(construct).add(key, value)


def log_group(scope: Construct, log_id: str, name: str) -> logs.LogGroup:
    """A function's or state machine's own log group: kept three months, removed with its owner."""
    return logs.LogGroup(scope, log_id, log_group_name=name, retention=LOG_RETENTION,
                         removal_policy=RemovalPolicy.DESTROY)
