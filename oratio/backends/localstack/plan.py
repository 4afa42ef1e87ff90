"""Preview, Pulumi style: what exists is read from LocalStack (in parallel) and compared with the model, field by
field. Nothing is remembered between runs except the tags on the resources themselves."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import attrs
from botocore.exceptions import ClientError

from oratio.backends.localstack.providers import (
    PROVIDERS,
    RETAIN_TAG,
    SPEC_TAG,
    Live,
    Provider,
    Spec,
    service_unavailable,
)
from oratio.backends.localstack.target import Target
from oratio.errors import OratioError

PARALLELISM = 8  # changes at once: LocalStack is one process, and more changes at once mostly queue
READ_PARALLELISM = 16  # reads only wait on LocalStack's answers


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    RETAIN = "retain"  # destroy (or removal from the model) keeps a retained resource and its data
    UNCHANGED = "unchanged"


SYMBOLS = {Action.CREATE: "+", Action.UPDATE: "~", Action.REPLACE: "+-", Action.DELETE: "-", Action.RETAIN: "=",
           Action.UNCHANGED: " "}


@attrs.frozen
class Change:
    action: Action
    kind: str
    name: str  # the model's name, or the physical name of a resource the model no longer has
    physical: str
    fields: dict[str, tuple[Any, Any]] = attrs.field(factory=dict)  # field: (what exists, what the model says)
    drift: bool = False  # the resource was changed behind our back since we applied this same spec
    spec: Spec | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"

    @property
    def level(self) -> int:
        return PROVIDERS[self.kind].level

    def as_json(self) -> dict[str, Any]:
        return {"action": self.action.value, "kind": self.kind, "name": self.name, "physical": self.physical,
                "drift": self.drift,
                "fields": {k: {"current": old, "wanted": new} for k, (old, new) in self.fields.items()}}


@attrs.frozen
class Plan:
    system: str
    stage: str
    endpoint: str
    changes: tuple[Change, ...]

    @property
    def pending(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action not in (Action.UNCHANGED, Action.RETAIN))

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for change in self.changes:
            counts[change.action.value] = counts.get(change.action.value, 0) + 1
        return counts

    def as_json(self) -> dict[str, Any]:
        return {"system": self.system, "stage": self.stage, "endpoint": self.endpoint, "summary": self.counts(),
                "changes": [c.as_json() for c in self.changes]}

    def render(self, verbose: bool = False) -> str:
        lines = [f"preview of {self.system} ({self.stage}) on {self.endpoint}:"]
        for change in sorted(self.changes, key=lambda c: (c.level, c.kind, c.name)):
            if change.action is Action.UNCHANGED and not verbose:
                continue
            note = "  (drift: changed outside oratio)" if change.drift else ""
            if change.action is Action.RETAIN:
                note = "  (retained: kept with its data)"
            lines.append(f"  {SYMBOLS[change.action]:<2} {change.action.value:<9} {change.kind:<16} "
                         f"{change.name:<34} {change.physical}{note}")
            for field, (old, new) in change.fields.items():
                lines += [f"        {line}" for line in _field_diff(field, old, new)]
        summary = ", ".join(f"{n} {a}" for a, n in sorted(self.counts().items()))
        lines.append(f"  {summary}" if self.pending or verbose else f"  no changes ({summary})")
        return "\n".join(lines)


def _field_diff(field: str, old: Any, new: Any) -> list[str]:
    """One line per changed field; mappings (indexes, environment) one line per changed key."""
    if isinstance(old, dict) and isinstance(new, dict):
        lines = []
        for key in sorted(set(old) | set(new)):
            if key not in old:
                lines.append(f"{field}[{key!r}]: added {_short(new[key])}")
            elif key not in new:
                lines.append(f"{field}[{key!r}]: removed")
            elif old[key] != new[key]:
                lines += _field_diff(f"{field}[{key!r}]", old[key], new[key])
        return lines
    return [f"{field}: {_short(old)} => {_short(new)}"]


def _short(value: Any, limit: int = 100) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _compare(spec: Spec, live: Live | None, owner: tuple[str, str]) -> Change:
    if live is None:
        return Change(Action.CREATE, spec.kind, spec.name, spec.physical, spec=spec)
    found_owner = live.owner()
    provider = PROVIDERS[spec.kind]
    if provider.taggable and found_owner is not None and found_owner != owner:
        raise OratioError(f"{spec.kind} {spec.physical} exists and belongs to {found_owner[0]} ({found_owner[1]}), "
                          f"not to {owner[0]} ({owner[1]})", "rename the system or stage, or destroy that one first")
    fields = {f: (live.props.get(f), v) for f, v in spec.props.items() if live.props.get(f) != v}
    if not fields:
        return Change(Action.UNCHANGED, spec.kind, spec.name, spec.physical, spec=spec)
    drift = provider.taggable and live.tags.get(SPEC_TAG) == spec.spec_hash
    action = Action.REPLACE if set(fields) & provider.replace_fields else Action.UPDATE
    return Change(action, spec.kind, spec.name, spec.physical, fields, drift, spec=spec)


def _listing(target: Target, provider: Provider, prefix: str, known: frozenset[str]
             ) -> list[tuple[str, dict[str, str]]]:
    try:
        return list(provider.list_owned(target, prefix, known))
    except ClientError as error:
        if service_unavailable(error):  # a service this LocalStack does not serve holds nothing of ours
            return []
        raise


def _orphans(listings: dict[str, list[tuple[str, dict[str, str]]]], owner: tuple[str, str]) -> list[Change]:
    """Resources this system owns among those listed: deleted, or kept when retained."""
    found: list[Change] = []
    for kind, owned in listings.items():
        for physical, tags in owned:
            if (tags.get("oratio:system"), tags.get("oratio:stage")) != owner:
                continue
            keep = PROVIDERS[kind].holds_data and tags.get(RETAIN_TAG) == "true"
            found.append(Change(Action.RETAIN if keep else Action.DELETE, kind, physical, physical))
    return found


def make_plan(target: Target, system_name: str, stage: str, specs: Iterable[Spec], *, destroy: bool = False,
              progress: Callable[[str], None] | None = None) -> Plan:
    """Read every spec's resource and list what the system owns besides, all at once (the calls wait on
    LocalStack, not on this process); a destroy plans every owned resource away."""
    owner, prefix = (system_name, stage), f"{system_name}-{stage}-"
    specs = [] if destroy else list(specs)
    say = progress or (lambda message: None)
    if specs:
        say(f"reading {len(specs)} resources from {target.endpoint}")
    known = {kind: frozenset(s.physical for s in specs if s.kind == kind) for kind in PROVIDERS}
    with ThreadPoolExecutor(READ_PARALLELISM) as pool:
        listed = {kind: pool.submit(_listing, target, provider, prefix, known[kind])
                  for kind, provider in PROVIDERS.items()}
        lives = list(pool.map(lambda s: PROVIDERS[s.kind].read(target, s), specs))
        listings = {kind: future.result() for kind, future in listed.items()}
    changes = [_compare(spec, live, owner) for spec, live in zip(specs, lives, strict=True)]
    return Plan(system_name, stage, target.endpoint, tuple(changes + _orphans(listings, owner)))
