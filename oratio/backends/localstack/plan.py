"""Preview, Pulumi style: what exists is read from LocalStack (in parallel) and compared with the model, field by
field. Nothing is remembered between runs except the tags on the resources themselves.

The plan's data rules (for every kind whose provider ``holds_data``): a change that would replace a retained
resource, replace or delete one that holds data, or take over one that exists without this system's tags and holds
data, is marked with what it would lose (counted) and the flag that allows it; ``up`` refuses the whole plan until
every such change is allowed (``Allow``). An untagged resource that is empty is an interrupted create of ours: it is
adopted, with a note. Unhealthy resources (``Live.problems``) are changes too: nothing is "up to date" while one is."""

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
    Measure,
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
# The flags that allow a change the data rules stop, and what each allows.
REPLACE_FLAG, ADOPT_FLAG, FORCE_DELETE_FLAG = "--replace", "--adopt", "--force-delete"
HEALTH_FIELD, OWNERSHIP_FIELD = "health", "ownership"  # pseudo-fields: a repair, and tags to write on adoption


@attrs.frozen
class Allow:
    """The names (model name, physical name or kind:name) the user allows each guarded change for."""

    replace: frozenset[str] = frozenset()
    adopt: frozenset[str] = frozenset()
    force_delete: frozenset[str] = frozenset()

    def grants(self, flag: str, change: Change) -> bool:
        if not flag:  # a refusal no flag lifts
            return False
        names = {REPLACE_FLAG: self.replace, ADOPT_FLAG: self.adopt, FORCE_DELETE_FLAG: self.force_delete}[flag]
        return bool({change.name, change.physical, change.key} & names)


@attrs.frozen
class Guard:
    """Why a change is not applied implicitly (``reason``, with what it would lose), and the flag that allows it."""

    flag: str
    reason: str
    granted: bool = False


@attrs.frozen
class Change:
    action: Action
    kind: str
    name: str  # the model's name, or the physical name of a resource the model no longer has
    physical: str
    fields: dict[str, tuple[Any, Any]] = attrs.field(factory=dict)  # field: (what exists, what the model says)
    drift: bool = False  # the resource was changed behind our back since we applied this same spec
    spec: Spec | None = attrs.field(default=None, eq=False, repr=False)
    guards: tuple[Guard, ...] = ()  # what stops ``up`` unless its flag is given
    loss: str | None = None  # what the change deletes with the resource ("1 item"), when it was measured
    notes: tuple[str, ...] = ()  # said with the change, stops nothing
    unowned: bool = False  # it exists without this system's tags

    @property
    def blocked(self) -> tuple[Guard, ...]:
        return tuple(g for g in self.guards if not g.granted)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"

    @property
    def level(self) -> int:
        return PROVIDERS[self.kind].level

    def as_json(self) -> dict[str, Any]:
        return {"action": self.action.value, "kind": self.kind, "name": self.name, "physical": self.physical,
                "drift": self.drift, "unowned": self.unowned, "loss": self.loss, "notes": list(self.notes),
                "guards": [{"flag": g.flag, "reason": g.reason, "granted": g.granted} for g in self.guards],
                "fields": {k: {"current": old, "wanted": new} for k, (old, new) in self.fields.items()}}


@attrs.frozen
class Plan:
    system: str
    stage: str
    endpoint: str
    changes: tuple[Change, ...]
    destroy: bool = False

    @property
    def pending(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action not in (Action.UNCHANGED, Action.RETAIN))

    @property
    def blocked(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.blocked)

    def refuse_if_blocked(self, verb: str = "up") -> None:
        """Stop before any change while a guarded change is not allowed: one line each, and the flags that allow."""
        blocked = self.blocked
        if not blocked:
            return
        lines = [f"{change.kind} {change.name}: {guard.reason}" for change in blocked for guard in change.blocked]
        flags = " ".join(f"{guard.flag} {change.name}" for change in blocked for guard in change.blocked if guard.flag)
        hint = f"if that is what you want, run again with {flags} (oratio preview shows what is at stake)" if flags \
            else "resolve it by hand, then run again (oratio preview shows what is at stake)"
        raise OratioError(f"{verb} refused, nothing was changed: " + "; ".join(lines), hint)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for change in self.changes:
            counts[change.action.value] = counts.get(change.action.value, 0) + 1
        return counts

    def as_json(self) -> dict[str, Any]:
        return {"system": self.system, "stage": self.stage, "endpoint": self.endpoint, "summary": self.counts(),
                "changes": [c.as_json() for c in self.changes]}

    def render(self, verbose: bool = False) -> str:
        what = "destroy of" if self.destroy else "preview of"
        lines = [f"{what} {self.system} ({self.stage}) on {self.endpoint}:"]
        for change in sorted(self.changes, key=lambda c: (c.level, c.kind, c.name)):
            if change.action is Action.UNCHANGED and not verbose:
                continue
            note = "  (drift: changed outside oratio)" if change.drift else ""
            if change.unowned:
                note = "  (exists, not owned: no oratio tags)"
            if change.action is Action.RETAIN:
                note = "  (retained: kept with its data)"
            lines.append(f"  {SYMBOLS[change.action]:<2} {change.action.value:<9} {change.kind:<16} "
                         f"{change.name:<34} {change.physical}{note}")
            for field, (old, new) in change.fields.items():
                if field == HEALTH_FIELD:
                    lines += [f"        unhealthy: {problem}" for problem in old]
                elif field != OWNERSHIP_FIELD:
                    lines += [f"        {line}" for line in _field_diff(field, old, new)]
            if change.loss and not change.guards and change.action in (Action.DELETE, Action.REPLACE):
                lines.append(f"        deleted with its data: {change.loss}")
            for guard in change.guards:
                allowed = f"allowed by {guard.flag} {change.name}" if guard.granted else \
                    f"up refuses it without {guard.flag} {change.name}" if guard.flag else "up refuses it"
                lines.append(f"        !! {change.kind} {change.name}: {guard.reason} ({allowed})")
            lines += [f"        note: {note}" for note in change.notes]
        summary = ", ".join(f"{n} {a}" for a, n in sorted(self.counts().items()))
        lines.append(f"  {summary}" if self.pending or verbose else f"  no changes ({summary})")
        if self.blocked:
            lines.append(f"  {len(self.blocked)} change(s) marked !! would lose data or take over what is not ours: "
                         "up refuses them without their flags")
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
    if isinstance(old, list) and new == []:  # what the model does not have, one line each (security drift)
        return [f"{field}: not in the model: {_short(item, 200)}" for item in old]
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
    if live.problems:
        fields[HEALTH_FIELD] = (list(live.problems), [])
    unowned = provider.taggable and found_owner is None
    if unowned:
        fields[OWNERSHIP_FIELD] = (None, f"{owner[0]} ({owner[1]})")
    if not fields:
        return Change(Action.UNCHANGED, spec.kind, spec.name, spec.physical, spec=spec)
    drift = provider.taggable and not unowned and live.tags.get(SPEC_TAG) == spec.spec_hash
    action = Action.REPLACE if set(fields) & provider.replace_fields else Action.UPDATE
    guards = tuple(Guard("", blocker) for blocker in live.blockers)
    return Change(action, spec.kind, spec.name, spec.physical, fields, drift, spec=spec, unowned=unowned,
                  guards=guards)


def _at_stake(change: Change) -> bool:
    """Whether what the resource holds must be counted: the change may lose it, or take it over."""
    return PROVIDERS[change.kind].holds_data and (
        change.unowned or change.action in (Action.REPLACE, Action.DELETE))


def _guarded(change: Change, measure: Measure | None, destroy: bool, allow: Allow) -> Change:
    """The data rules, applied to one change whose data was measured (see the module's docstring)."""
    if measure is None:
        return change
    retained = change.spec.retain if change.spec is not None else False
    guards: list[Guard] = list(change.guards)
    notes = list(change.notes)
    kind = change.kind

    def guard(flag: str, reason: str) -> None:
        guards.append(Guard(flag, reason, allow.grants(flag, change)))

    if change.unowned:
        if measure.count:
            guard(ADOPT_FLAG, f"exists, not owned (no oratio tags), and holds {measure}: not taken over silently")
        else:
            notes.append("exists without oratio tags and empty (an interrupted create): adopted, tags added")
    if change.action is Action.REPLACE:
        replaced = ", ".join(f for f in change.fields if f in PROVIDERS[kind].replace_fields)
        if measure.count:
            verb = "would be" if not allow.grants(REPLACE_FLAG, change) else "will be"
            guard(REPLACE_FLAG, f"{measure} {verb} deleted: {replaced} cannot change in place, the {kind} is "
                                f"deleted and made again{' (retained)' if retained else ''}")
        elif retained:
            guard(REPLACE_FLAG, f"retained {kind}, empty now: {replaced} cannot change in place, the {kind} is "
                                "deleted and made again")
    if change.action is Action.DELETE and not destroy and measure.count:
        guard(FORCE_DELETE_FLAG, f"no longer in the model and holds {measure}, which would be deleted with it")
    return attrs.evolve(change, guards=tuple(guards), notes=tuple(notes), loss=str(measure))


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
              progress: Callable[[str], None] | None = None, allow: Allow | None = None) -> Plan:
    """Read every spec's resource and list what the system owns besides, all at once (the calls wait on
    LocalStack, not on this process); a destroy plans every owned resource away. What a change would lose is
    counted after, in parallel too, and only for the few changes where it is at stake. Listings several reads need
    (user pools, agent runtimes, HTTP APIs, buckets, roles) are asked once a plan (``Target.reading``)."""
    owner, prefix = (system_name, stage), f"{system_name}-{stage}-"
    specs = [] if destroy else list(specs)
    say = progress or (lambda message: None)
    if specs:
        say(f"reading {len(specs)} resources from {target.endpoint}")
    known = {kind: frozenset(s.physical for s in specs if s.kind == kind) for kind in PROVIDERS}
    with target.reading(), ThreadPoolExecutor(READ_PARALLELISM) as pool:
        listed = {kind: pool.submit(_listing, target, provider, prefix, known[kind])
                  for kind, provider in PROVIDERS.items()}
        lives = list(pool.map(lambda s: PROVIDERS[s.kind].read(target, s), specs))
        listings = {kind: future.result() for kind, future in listed.items()}
        changes = [_compare(spec, live, owner) for spec, live in zip(specs, lives, strict=True)]
        changes += _orphans(listings, owner)
        at_stake = [c for c in changes if _at_stake(c)]
        measures = dict(zip([c.key for c in at_stake], pool.map(
            lambda c: PROVIDERS[c.kind].measure(target, c.physical), at_stake), strict=True))
    allow = allow or Allow()
    changes = [_guarded(c, measures.get(c.key), destroy, allow) for c in changes]
    return Plan(system_name, stage, target.endpoint, tuple(changes), destroy)
