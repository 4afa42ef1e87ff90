"""The model's contract, fuzzed: whatever goes into any field of any public class, only ``ModelError`` comes out
(or Python's own ``TypeError`` for a wrong number of positional arguments), naming the field, in immediate mode and
in deferred mode (``deferred_validation()`` + ``System.check()``, what the command line uses).

The classes are found, not listed: every ``Validated`` attrs class of ``oratio.model.__all__``, so that a new kind
of resource is covered the day it is exported. Valid instances to break come from walking generated systems
(``oratio.testing.strategies.systems``) and from a few hand-written ones for classes no system holds by default.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oratio.model
from oratio.model import (
    Bucket,
    Catch,
    Exemption,
    Key,
    ModelError,
    Problem,
    ResourceGrant,
    Retry,
    ServiceGrant,
    System,
    Table,
    Transition,
    deferred_validation,
)
from oratio.model.common import Validated
from oratio.testing.strategies import systems

MODEL_CLASSES = sorted(
    (c for c in (getattr(oratio.model, n) for n in oratio.model.__all__)
     if isinstance(c, type) and attrs.has(c) and issubclass(c, Validated)),
    key=lambda c: c.__name__)


class _Opaque:
    """An object no rule knows: neither JSON nor a model value."""

    def __repr__(self) -> str:
        return "<opaque>"


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 0, -1, 10**30, "", "$", "States.ALL", "*"]),
    st.text(max_size=30), st.binary(max_size=8), st.just(_Opaque()), st.just(object),
    st.sampled_from([Key("k"), Bucket("b"), Table("t", Key("k")), Retry(), Catch("x")]),
)
GARBAGE = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.tuples(inner, inner), st.frozensets(st.integers(), max_size=3),
        st.sets(st.text(max_size=3), max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=5), st.integers(), st.none()), inner, max_size=3),
    ),
    max_leaves=6,
)

# Instances of classes a generated system does not hold (or not always): one valid value each.
EXTRA_INSTANCES: tuple[Validated, ...] = (
    Exemption("access-logs", "a reason long enough"),
    Transition("GLACIER", 30),
    ServiceGrant("bedrock", ["InvokeAgent"], ["arn:aws:bedrock:us-east-1:123456789012:agent/a"]),
)


def _children(value: Any) -> Iterator[tuple[Any, Callable[[Any], Any]]]:
    """(child, rebuild) for every model value directly inside ``value``: ``rebuild(new)`` is ``value`` with that
    child replaced (built under the current validation mode). A grant's target is a reference to the system's
    table or bucket, not a value of the grant: it is not walked into."""
    if not (attrs.has(type(value)) and isinstance(value, Validated)):
        return
    for field in attrs.fields(type(value)):
        if isinstance(value, ResourceGrant) and field.name == "target":
            continue
        current = getattr(value, field.name)
        name = field.alias or field.name
        if isinstance(current, Validated):
            yield current, lambda new, n=name: attrs.evolve(value, **{n: new})
        elif isinstance(current, tuple):
            for index, item in enumerate(current):
                if isinstance(item, Validated):
                    yield item, lambda new, n=name, i=index, items=current: attrs.evolve(
                        value, **{n: (*items[:i], new, *items[i + 1:])})


def _walk(value: Any, rebuild: Callable[[Any], Any]) -> Iterator[tuple[Any, Callable[[Any], Any]]]:
    """Every model value inside ``value`` (itself included), with how to rebuild the whole from a replacement."""
    yield value, rebuild
    for child, rebuild_parent in _children(value):
        yield from _walk(child, lambda new, r=rebuild_parent, up=rebuild: up(r(new)))


def _names_field(problems: Iterable[Problem], field: str) -> bool:
    """Whether a problem is at ``field`` (or inside it), or at the value itself (a rule of the whole value)."""
    segment = re.compile(rf"(^|[.\]]){re.escape(field)}($|[.\[])")
    return any(segment.search(p.path) or p.path == "" for p in problems)


def _fields(value: Any) -> list[str]:
    return [f.alias or f.name for f in attrs.fields(type(value)) if f.init]


def _retyped(value: Any, field: str, garbage: Any) -> tuple[Any, bool]:
    """``value`` with ``field`` set to ``garbage`` (deferred), and whether the field's type changed: then the
    field itself must be named. (A value of the right type may break rules elsewhere: a state nothing reaches,
    a grant whose table is gone.)"""
    with deferred_validation():
        broken = attrs.evolve(value, **{field: garbage})
    before, after = getattr(value, _attribute(value, field)), getattr(broken, _attribute(value, field))
    return broken, type(before) is not type(after)


def _attribute(value: Any, field: str) -> str:
    return next(f.name for f in attrs.fields(type(value)) if (f.alias or f.name) == field)


def _check(value: Any, rebuild: Callable[[Any], Any], field: str, garbage: Any) -> None:
    broken, retyped = _retyped(value, field, garbage)
    own = list(broken.problems())
    assert all(isinstance(p, Problem) for p in own)
    if retyped and own:
        assert _names_field(own, field), (type(value).__name__, field, garbage, [str(p) for p in own])
    # Immediate mode: the same problems, raised as one ModelError (and nothing else).
    try:
        attrs.evolve(value, **{field: garbage})
    except ModelError as error:
        assert [str(p) for p in error.problems] == [str(p) for p in own]
    else:
        assert not own
    # Deferred mode, as the command line does it: the whole system built, then checked; the value's own
    # problems are among the system's, under the value's path.
    with deferred_validation():
        whole = rebuild(broken)
    if not isinstance(whole, System):
        return
    try:
        whole.check()
    except ModelError as error:
        found = [str(p) for p in error.problems]
        for problem in own:
            assert any(text.endswith(str(problem).split(": ", 1)[1]) for text in found), (str(problem), found)
    else:
        assert not own, [str(p) for p in own]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(systems(), st.data())
def test_any_value_in_any_field_gives_only_a_model_error_naming_it(system: System, data: st.DataObject) -> None:
    values = list(_walk(system, lambda new: new)) + [(v, lambda new: new) for v in EXTRA_INSTANCES]
    value, rebuild = data.draw(st.sampled_from(values), label="value")
    field = data.draw(st.sampled_from(_fields(value)), label="field")
    _check(value, rebuild, field, data.draw(GARBAGE, label="garbage"))


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda c: c.__name__)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_every_public_class_refuses_garbage_with_a_model_error(cls: type, data: st.DataObject) -> None:
    """Every field garbage at once, for every class (new kinds included): a ModelError, in both modes."""
    fields = [f for f in attrs.fields(cls) if f.init]
    arguments = {f.alias or f.name: data.draw(GARBAGE, label=f.alias or f.name) for f in fields}
    try:
        cls(**arguments)
    except ModelError as error:
        assert error.problems
    with deferred_validation():
        value = cls(**arguments)
    problems = list(value.problems())
    assert all(isinstance(p, Problem) for p in problems)
    if isinstance(value, System):
        with pytest.raises(ModelError) if problems else _nothing():
            value.check()


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False


def test_every_model_class_is_fuzzed() -> None:
    """The classes above are found from ``oratio.model.__all__``: at least today's kinds."""
    names = {c.__name__ for c in MODEL_CLASSES}
    assert {"System", "Table", "Bucket", "Function", "Workflow", "UserPool", "Task", "Transition"} <= names

