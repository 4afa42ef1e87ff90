"""What every provider shares, written once: the desired state (``Spec``) and what exists (``Live``), the
``Provider`` base class whose subclasses register themselves, how AWS says "missing", "already exists" and "not
served here", tags as AWS's lists of pairs, ownership tags and the spec hash, and waiting for a status.

A spec's properties are plain JSON values written the way each service reads them back, so that the plan compares
the model with what LocalStack reports field by field. Each spec's hash is stored on the resource as a tag; with it
a difference is told apart: the model changed (hash differs) or the resource drifted (hash equal).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import attrs
from botocore.exceptions import ClientError

from oratio.backends.localstack.target import Target
from oratio.model import System
from oratio.model.permissions import Place

SYSTEM_TAG, STAGE_TAG = "oratio:system", "oratio:stage"
SPEC_TAG = "oratio:spec"
RETAIN_TAG = "oratio:retain"

Answer = TypeVar("Answer")


# --- Desired state and what exists ---------------------------------------------------------------------------
@attrs.frozen
class Spec:
    """One resource as the model wants it."""

    kind: str
    name: str  # the model's name (for a client: "pool/client"; for a role or log group: "function/<name>")
    physical: str
    props: dict[str, Any] = attrs.field(eq=False)
    retain: bool = False
    artifact: Path | None = None  # a function's code zip

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"

    @property
    def spec_hash(self) -> str:
        return spec_hash(self.props)


def spec_hash(props: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(props, sort_keys=True, default=str).encode()).hexdigest()[:16]


@attrs.frozen
class Live:
    """What exists: normalized properties (compared with a ``Spec``'s), and the tags that say who owns it and from
    which spec. ``problems`` is where a read reports what makes the resource unhealthy as it stands (empty: healthy):
    the plan shows them, and ``up`` repairs the resource (``Provider.update`` with the field ``health``) or fails
    saying what is wrong."""

    props: dict[str, Any]
    tags: dict[str, str] = attrs.field(factory=dict)
    problems: tuple[str, ...] = ()
    blockers: tuple[str, ...] = ()  # what up must not repair, as it would lose data no flag can allow: it refuses

    def owner(self) -> tuple[str, str] | None:
        if SYSTEM_TAG in self.tags:
            return self.tags[SYSTEM_TAG], self.tags.get(STAGE_TAG, "")
        return None


def ownership_tags(owner: tuple[str, str], spec: Spec) -> dict[str, str]:
    """The tags that mark a resource as the system's (and stage's), made from this spec, and retained or not."""
    tags = {SYSTEM_TAG: owner[0], STAGE_TAG: owner[1], SPEC_TAG: spec.spec_hash}
    if spec.retain:
        tags[RETAIN_TAG] = "true"
    return tags


@attrs.frozen
class Measure:
    """How much data a resource holds, counted up to a bound: ``count`` of ``noun``s, more when ``at_least``."""

    count: int
    noun: str
    at_least: bool = False

    def __str__(self) -> str:
        plural = self.noun if self.count == 1 else PLURALS.get(self.noun, self.noun + "s")
        return f"{'at least ' if self.at_least else ''}{self.count} {plural}"


PLURALS = {"old object version": "old object versions", "vector index": "vector indexes"}
MEASURE_BOUND = 1000  # data is counted up to this many (items, objects, users): enough to say what is at stake


@attrs.frozen
class Context:
    """What a desired state is made from besides the model resource: its system, where it goes, where its code is."""

    system: System
    place: Place
    project_root: Path
    progress: Callable[[str], None] | None = None


# --- AWS's answers -------------------------------------------------------------------------------------------
def _code(error: ClientError) -> str | None:
    return error.response.get("Error", {}).get("Code")


def _status(error: ClientError) -> int | None:
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def missing(error: ClientError, *codes: str) -> bool:
    """The resource is not there: one of the service's ``codes`` for it, or any 404."""
    return _code(error) in codes or _status(error) == 404


def exists(error: ClientError, *codes: str) -> bool:
    """A create found the resource already there (the service's ``codes`` for it)."""
    return _code(error) in codes


def service_unavailable(error: ClientError) -> bool:
    """LocalStack's answer for a service it does not emulate (501, "not included in your current license")."""
    return _status(error) == 501 or "not yet been emulated" in str(error) or \
        "not included in your current license" in str(error)


def unless_missing(call: Callable[[], Answer], *codes: str) -> Answer | None:
    """The call's answer, or None when the service says what it asks for is not there (see ``missing``)."""
    try:
        return call()
    except ClientError as error:
        if missing(error, *codes):
            return None
        raise


def create_unless_exists(call: Callable[[], object], *codes: str) -> bool:
    """Make the call; True when it created, False when the service says it already exists (see ``exists``)."""
    try:
        call()
    except ClientError as error:
        if exists(error, *codes):
            return False
        raise
    return True


def listed(client: Any, operation: str, key: str, **arguments: Any) -> Iterator[Any]:
    """Every item of a paginated listing (``key`` names the items in each page)."""
    for page in client.get_paginator(operation).paginate(**arguments):
        yield from page.get(key, [])


# A resource's reads that do not depend on each other run at once (a table's backups, TTL and tags), on a pool of
# their own: the plan's pool runs the resources' reads, and a read waiting on its own pool's threads could starve it.
SUB_READ_PARALLELISM = 16
_sub_reads: list[ThreadPoolExecutor] = []
_sub_reads_lock = threading.Lock()


def concurrently(*calls: Callable[[], Any]) -> list[Any]:
    """Every call's answer, in order, the calls made at once; the first failure is raised (after all have ended,
    so none is left running unseen)."""
    with _sub_reads_lock:
        if not _sub_reads:
            _sub_reads.append(ThreadPoolExecutor(SUB_READ_PARALLELISM, thread_name_prefix="oratio-sub-read"))
    futures = [_sub_reads[0].submit(call) for call in calls]
    errors = [future.exception() for future in futures]
    for error in errors:
        if error is not None:
            raise error
    return [future.result() for future in futures]


WAIT_FIRST_S, WAIT_MAX_S = 0.05, 0.25  # LocalStack is local: a short poll costs little, a long one wastes the wait


def wait(check: Callable[[], bool], what: str, timeout_s: float = 120.0) -> None:
    """Poll ``check`` (backing off from 50 to 250 ms) until it is true; TimeoutError after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    delay = WAIT_FIRST_S
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not finish within {timeout_s:.0f} s")
        time.sleep(delay)
        delay = min(delay * 2, WAIT_MAX_S)


# --- Tags ----------------------------------------------------------------------------------------------------
@attrs.frozen
class TagPairs:
    """Tags as a list of pairs, the shape most AWS APIs take and give (services that use a plain mapping, Lambda,
    CloudWatch Logs and Cognito, need no conversion)."""

    key: str = "Key"
    value: str = "Value"

    def to_list(self, tags: dict[str, str]) -> list[dict[str, str]]:
        return [{self.key: k, self.value: v} for k, v in tags.items()]

    def to_dict(self, pairs: Iterable[dict[str, str]] | None) -> dict[str, str]:
        return {pair[self.key]: pair[self.value] for pair in pairs or ()}


PAIRS = TagPairs()  # {"Key": ..., "Value": ...}: IAM, DynamoDB, S3
LOWER_CASE_PAIRS = TagPairs("key", "value")  # {"key": ..., "value": ...}: Step Functions


# --- Providers -----------------------------------------------------------------------------------------------
_registered: list[Provider] = []


class Provider:
    """One resource kind on LocalStack: its desired state from the model, and read, create, update, delete and
    list-owned against what exists. Providers hold no state: what they know comes from the spec they are given or
    from LocalStack itself.

    What the plan needs to know about a kind is said by class attributes; defining a subclass registers it (the
    package's ``PROVIDERS`` is made from these registrations, never listed by hand).

    Where a kind says more: whether what it holds is lost with it is ``holds_data`` (with ``Spec.retain``, what
    the plan's data rules read); what makes a resource unhealthy is reported by ``read`` in ``Live.problems``;
    everything ``read`` reads (settings, policies, tags) is read in the plan's one parallel pass.
    """

    kind: ClassVar[str]  # the plan's name for the kind ("table", "state-machine", ...)
    level: ClassVar[int]  # apply order: a resource needs only resources of lower levels
    collection: ClassVar[str | None] = None  # the System field whose resources this kind deploys (None: a kind
    #                                          made only for other kinds' resources, as a function's role)
    output_group: ClassVar[str | None] = None  # the key of its outputs (default: ``collection``)
    holds_data: ClassVar[bool] = False  # what it holds is lost with it: a retained one outlives its system, and
    #                                    the plan never replaces or deletes one holding data without a flag
    #                                    (``measure`` must then count what it holds)
    replace_fields: ClassVar[frozenset[str]] = frozenset()  # fields that cannot be updated in place
    taggable: ClassVar[bool] = True  # it carries ownership tags (if not, it belongs to whoever owns its parent)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if not kind or not isinstance(cls.__dict__.get("level"), int):
            raise TypeError(f"provider {cls.__name__} must set the class attributes kind and level")
        if any(p.kind == kind for p in _registered):
            raise TypeError(f"two providers for kind {kind!r}: {cls.__name__} and "
                            f"{next(type(p).__name__ for p in _registered if p.kind == kind)}")
        if cls.holds_data and cls.measure is Provider.measure:
            raise TypeError(f"provider {cls.__name__} holds data: it must define measure() (what a change would lose)")
        if cls.collection and cls.output_group is None:
            cls.output_group = cls.collection
        _registered.append(cls())

    # --- The desired state ---------------------------------------------------------------------------------
    def desired(self, resource: Any, context: Context) -> list[Spec]:
        """The specs of one model resource of this kind's ``collection``: its own, and those of the resources
        made for it (a function's role and log group), in the order they are listed."""
        raise NotImplementedError(f"{self.kind} is not a kind of the model: other providers make its specs")

    # --- Against what exists -------------------------------------------------------------------------------
    def read(self, target: Target, spec: Spec) -> Live | None:
        """What exists under the spec's physical name, normalized like the spec's properties; None if nothing."""
        raise NotImplementedError

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        raise NotImplementedError

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        """Bring the ``fields`` that differ to the spec's values, and set the tags."""
        raise NotImplementedError

    def delete(self, target: Target, physical: str) -> None:
        raise NotImplementedError

    def needs(self, spec: Spec) -> frozenset[str] | None:
        """The physical names of the lower-level resources that creating or updating this one needs: ``apply``
        starts it as soon as those are done, without waiting for the rest of the lower levels. None (the default):
        it needs every resource of every lower level."""
        return None

    def measure(self, target: Target, physical: str) -> Measure:
        """What a ``holds_data`` resource holds (items, objects, users), counted up to ``MEASURE_BOUND``: read only
        for a resource whose change would lose it, or that exists without this system's tags."""
        raise NotImplementedError(f"{self.kind} holds data: its provider must say how to measure it")

    def list_owned(self, target: Target, prefix: str, known: frozenset[str] = frozenset()
                   ) -> Iterator[tuple[str, dict[str, str]]]:
        """(physical name, tags) of every resource of this kind whose name starts with ``prefix``, except the
        ``known`` ones (the plan reads those anyway: their tags are not fetched twice)."""
        for physical, item in self.listing(target, prefix):
            if self.named_for(physical, prefix) and physical not in known:
                yield physical, self.listed_tags(target, physical, item)

    def named_for(self, physical: str, prefix: str) -> bool:
        """Whether a physical name is one the system with this prefix gives."""
        return physical.startswith(prefix)

    def listing(self, target: Target, prefix: str) -> Iterable[tuple[str, Any]]:
        """(physical name, the listing's item) of resources of this kind: at least those ``named_for`` the
        prefix (the others are left out by ``list_owned``)."""
        raise NotImplementedError

    def listed_tags(self, target: Target, physical: str, item: Any) -> dict[str, str]:
        """The tags of a resource found by ``listing``."""
        raise NotImplementedError

    # --- Outputs -------------------------------------------------------------------------------------------
    def output(self, target: Target, system: System, resource: Any) -> Any:
        """What a client of the system needs of one model resource (None: nothing, it does not exist)."""
        raise NotImplementedError

    def output_lines(self, name: str, value: Any) -> list[tuple[str, str, str]]:
        """(label, name, value) lines that show one output to a person."""
        assert self.output_group is not None
        return [(self.output_group[:-1].replace("_", " "), name, str(value))]


def registered() -> tuple[Provider, ...]:
    """Every provider defined so far."""
    return tuple(_registered)
