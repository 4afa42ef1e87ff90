"""Pieces every model class shares: the validation base, converters, checks, retention and exemptions."""

from __future__ import annotations

import enum
import ipaddress
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar, TypeVar

import attrs

from oratio.model import rules
from oratio.model.errors import Problem, raise_problems
from oratio.model.rules import Limit, NameRule, Rule

E = TypeVar("E", bound=enum.Enum)


class Validated:
    """Base of every model class: validates the whole value when it is built (see ``problems``)."""

    _subject: ClassVar[str] = "value"

    def problems(self) -> Iterator[Problem]:
        """Every rule this value breaks, with paths relative to the value."""
        return iter(())

    def __attrs_post_init__(self) -> None:
        raise_problems(self.problems(), self._subject)


class FrozenMap(Mapping[str, Any]):
    """An immutable, hashable mapping, so that frozen model values holding one stay hashable."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> None:
        self._items = dict(items)

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(sorted((repr(k), repr(v)) for k, v in self._items.items())))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self._items) == dict(other)

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"


# --- Converters: they never raise; a value they cannot convert is kept, and its check reports it. -------

def to_tuple(value: Any) -> Any:
    if isinstance(value, (list, tuple)) or (
        isinstance(value, Iterable) and not isinstance(value, (str, bytes, Mapping))
    ):
        return tuple(value)
    return value


def to_map(value: Any) -> Any:
    if isinstance(value, Mapping) and not isinstance(value, FrozenMap):
        return FrozenMap(value)
    return value


def to_enum(enum_type: type[E]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, enum_type):
            return value
        try:
            return enum_type(value)
        except (ValueError, TypeError):
            return value

    return convert


# --- Reusable checks: each yields Problems for one field (like attrs validators, but collecting). --------

def check_type(path: str, value: Any, types: type | tuple[type, ...], what: str) -> Iterator[Problem]:
    if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        yield Problem(path, rules.TYPE, f"expected {what}, got {value!r}")
    elif not isinstance(value, types):
        yield Problem(path, rules.TYPE, f"expected {what}, got {type(value).__name__} {value!r}")


def check_enum(path: str, value: Any, enum_type: type[enum.Enum], rule: Rule = rules.TYPE) -> Iterator[Problem]:
    if not isinstance(value, enum_type):
        allowed = ", ".join(str(m.value) for m in enum_type)
        yield Problem(path, rule, f"{value!r} is not one of {allowed}")


def check_int_range(path: str, value: Any, limit: Limit, rule: Rule) -> Iterator[Problem]:
    """A whole number within ``limit`` (a bounded one: the message names both ends)."""
    if isinstance(value, bool) or not isinstance(value, int):
        yield Problem(path, rules.TYPE, f"expected a whole number, got {value!r}")
    elif value not in limit:
        yield Problem(path, rule, f"{value}{limit.suffix} is outside {limit.bounds}")


def check_length(path: str, value: Any, limit: Limit, rule: Rule, what: str) -> Iterator[Problem]:
    """The length of a string within ``limit`` (other types are left to the field's type check)."""
    if isinstance(value, str) and len(value) not in limit:
        yield Problem(path, rule, f"{what} has {len(value)} characters; allowed {limit.span}")


def check_name(path: str, value: Any, rule: NameRule) -> Iterator[Problem]:
    """Length and characters of a name, as the rule table states them."""
    if not isinstance(value, str):
        yield Problem(path, rules.TYPE, f"expected a {rule.what} (a string), got {value!r}")
        return
    if len(value) not in rule.length:
        yield Problem(
            path, rule.length_rule,
            f"{rule.what} {value!r} has {len(value)} characters; allowed {rule.length.span}",
        )
    if not rule.char_pattern.fullmatch(value):
        bad = sorted({c for c in value if not rule.char_pattern.fullmatch(c)})
        yield Problem(path, rule.chars_rule,
                      f"{rule.what} {value!r} has {''.join(bad)!r}; allowed: {rule.chars_text}")


def check_identifier(path: str, value: Any, rule: NameRule) -> Iterator[Problem]:
    """A name of ours (system, stage, resource): also starts with a letter and does not end with '-'."""
    problems = list(check_name(path, value, rule))
    yield from problems
    if not problems and (not value[0].isalpha() or value.endswith("-")):
        yield Problem(path, rule.chars_rule,
                      f"{rule.what} {value!r} must start with a letter and not end with '-'")


def check_bucket_name(path: str, name: Any) -> Iterator[Problem]:
    """S3's general purpose bucket naming rules (S3 user guide, "Bucket naming rules")."""
    problems = list(check_name(path, name, rules.S3_BUCKET))
    yield from problems
    if any(p.rule is rules.TYPE for p in problems) or not name:
        return
    if not (name[0].isalnum() and name[-1].isalnum()):
        yield Problem(path, rules.S3_NAME_EDGES, f"bucket name {name!r} must start and end with a letter or digit")
    if ".." in name:
        yield Problem(path, rules.S3_NAME_DOTS, f"bucket name {name!r} has two adjacent periods")
    try:
        ipaddress.IPv4Address(name)
        yield Problem(path, rules.S3_NAME_IP, f"bucket name {name!r} is formatted as an IP address")
    except ValueError:
        pass
    for prefix in rules.S3_RESERVED_PREFIXES:
        if name.startswith(prefix):
            yield Problem(path, rules.S3_NAME_PREFIX, f"bucket name {name!r} starts with reserved {prefix!r}")
    for suffix in rules.S3_RESERVED_SUFFIXES:
        if name.endswith(suffix):
            yield Problem(path, rules.S3_NAME_SUFFIX, f"bucket name {name!r} ends with reserved {suffix!r}")


def check_unique(path: str, names: Iterable[Any], what: str) -> Iterator[Problem]:
    """Repeated names (only strings are compared: a name of another type is its own field's type problem)."""
    seen: set[str] = set()
    for index, name in enumerate(names):
        if not isinstance(name, str):
            continue
        if name in seen:
            yield Problem(f"{path}[{index}]", rules.UNIQUE, f"{what} {name!r} is defined more than once")
        seen.add(name)


def check_number(path: str, value: Any, what: str = "a number") -> Iterator[Problem]:
    """A number (int or float, not bool) that JSON can carry: finite."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        yield Problem(path, rules.TYPE, f"expected {what}, got {type(value).__name__} {value!r}")
    elif isinstance(value, float) and not math.isfinite(value):
        yield Problem(path, rules.FINITE, f"{value!r} is not a finite number")


def check_json(path: str, value: Any, extra: tuple[type, ...] = ()) -> Iterator[Problem]:
    """A JSON value (RFC 8259): null, booleans, finite numbers, strings, lists, and mappings with string keys.
    ``extra`` types are accepted as leaves (e.g. a workflow's run-time values)."""
    if value is None or isinstance(value, (bool, int, str, *extra)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            yield Problem(path, rules.FINITE, f"{value!r} is not a finite number")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from check_json(f"{path}[{index}]", item, extra)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                yield Problem(f"{path}[{key!r}]", rules.JSON_VALUE, f"the key {key!r} is not a string")
            else:
                yield from check_json(f"{path}[{key!r}]", item, extra)
    else:
        yield Problem(path, rules.JSON_VALUE,
                      f"{type(value).__name__} {_short(value)} is not a JSON value (null, true/false, a number, a "
                      "string, a list or a mapping)")


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # a repr that fails must not hide the problem being reported
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def check_items(path: str, values: Any, item_type: type, what: str) -> Iterator[Problem]:
    """A tuple of model values: its type, and each item's own problems under ``path[i]``."""
    if not isinstance(values, tuple):
        yield Problem(path, rules.TYPE, f"expected a list of {what}, got {values!r}")
        return
    for index, item in enumerate(values):
        if not isinstance(item, item_type):
            yield Problem(f"{path}[{index}]", rules.TYPE, f"expected {what}, got {type(item).__name__} {item!r}")
        elif isinstance(item, Validated):
            for problem in item.problems():
                yield problem.under(f"{path}[{index}]")


def check_nested(path: str, value: Any, item_type: type, what: str, optional: bool = False) -> Iterator[Problem]:
    if value is None and optional:
        return
    if not isinstance(value, item_type):
        yield Problem(path, rules.TYPE, f"expected {what}, got {type(value).__name__} {value!r}")
    elif isinstance(value, Validated):
        for problem in value.problems():
            yield problem.under(path)


# --- Shared value types -----------------------------------------------------------------------------------

class Retention(enum.StrEnum):
    """What happens to a resource's data when the system is destroyed (the CDK's RemovalPolicy)."""

    RETAIN = "RETAIN"
    DESTROY = "DESTROY"


@attrs.frozen
class Exemption(Validated):
    """A backend check this resource is knowingly exempt from, and why (carried to e.g. cdk-nag)."""

    check: str
    reason: str

    def problems(self) -> Iterator[Problem]:
        if not isinstance(self.check, str) or self.check not in rules.EXEMPTABLE_CHECKS:
            known = ", ".join(sorted(rules.EXEMPTABLE_CHECKS))
            yield Problem("check", rules.EXEMPTION, f"unknown check {self.check!r}; known: {known}")
        if not isinstance(self.reason, str) or len(self.reason.strip()) not in rules.REASON_LENGTH:
            yield Problem("reason", rules.EXEMPTION,
                          f"give a reason of {rules.REASON_LENGTH.bounds}")


def exemptions_field() -> Any:
    return attrs.field(default=(), converter=to_tuple, kw_only=True)


def check_exemptions(value: Any) -> Iterator[Problem]:
    yield from check_items("exemptions", value, Exemption, "an Exemption")
    if isinstance(value, tuple):
        yield from check_unique("exemptions", (e.check for e in value if isinstance(e, Exemption)), "exemption")
