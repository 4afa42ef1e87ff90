"""Workflows (Step Functions state machines): task, wait, pass, choice, succeed and fail states,
retries and catches, validated as a graph when built."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from oratio.model import rules
from oratio.model.common import (
    FrozenMap,
    Validated,
    check_enum,
    check_exemptions,
    check_identifier,
    check_int_range,
    check_items,
    check_json,
    check_length,
    check_nested,
    check_number,
    check_type,
    check_unique,
    exemptions_field,
    to_enum,
    to_map,
    to_tuple,
)
from oratio.model.errors import Problem
from oratio.model.grants import Named, TargetGrant

# Lambda's transient errors: the retry Step Functions' own documentation recommends for every Lambda task.
TRANSIENT_LAMBDA_ERRORS = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)


@attrs.frozen
class Dynamic:
    """A value taken from the state's input at run time: a JSONPath (``$.agentId``) or an intrinsic
    function (``States.MathAdd($.checks, 1)``). Rendered as ``"key.$": expression``."""

    expression: str

    @property
    def valid(self) -> bool:
        return isinstance(self.expression, str) and self.expression.startswith(("$", "States."))


def path(expression: str) -> Dynamic:
    return Dynamic(expression)


def asl_parameters(values: Mapping[str, Any]) -> dict[str, Any]:
    """A payload as Amazon States Language writes it: a Dynamic value ``v`` under ``key`` becomes
    ``"key.$": v.expression``; nested mappings likewise. Both backends render payloads with this."""
    rendered: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Dynamic):
            rendered[f"{key}.$"] = value.expression
        elif isinstance(value, Mapping):
            rendered[key] = asl_parameters(value)
        else:
            rendered[key] = value
    return rendered


def _payload_problems(field: str, payload: Any) -> Iterator[Problem]:
    if payload is None:
        return
    if not isinstance(payload, Mapping):
        yield Problem(field, rules.TYPE, f"expected a mapping, got {payload!r}")
        return
    for key, value in payload.items():
        where = f"{field}[{key!r}]"
        if not isinstance(key, str) or not key or key.endswith(".$"):
            yield Problem(where, rules.TYPE, "keys are plain names (use Dynamic values, not '.$')")
        if isinstance(value, Dynamic):
            if not value.valid:
                yield Problem(where, rules.SFN_PATH,
                              f"{value.expression!r} is neither a JSONPath ('$...') nor an intrinsic ('States.')")
        elif isinstance(value, Mapping):
            yield from _payload_problems(where, value)
        else:  # a Dynamic value is a mapping's value (rendered "key.$"): inside a list it is not JSON
            yield from check_json(where, value)


def _json_path_problems(field: str, value: Any, optional: bool = True) -> Iterator[Problem]:
    if value is None and optional:
        return
    if not isinstance(value, str) or not value.startswith("$"):
        yield Problem(field, rules.SFN_PATH, f"{value!r} is not a JSONPath starting with '$'")


def _result_path_problems(field: str, value: Any) -> Iterator[Problem]:
    """A result path (None: discard the result) is a reference path: it names one node, to be written."""
    problems = list(_json_path_problems(field, value))
    yield from problems
    if not problems and value is not None and not rules.SFN_REFERENCE_PATH_PATTERN.fullmatch(value):
        yield Problem(field, rules.SFN_RESULT_PATH,
                      f"{value!r} is not a reference path: use '$', '.name', \"['name']\" or '[0]' steps, without "
                      "'*', '..', slices, unions or filters")


def _states_all_last(field: str, handlers: Any, kind: type) -> Iterator[Problem]:
    """A retrier or catcher matching 'States.ALL' must come last in its list (ASL: error handling)."""
    if not isinstance(handlers, tuple):
        return
    for index, handler in enumerate(handlers[:-1]):
        if isinstance(handler, kind) and isinstance(handler.errors, tuple) and "States.ALL" in handler.errors:
            yield Problem(f"{field}[{index}].errors", rules.SFN_ERROR_NAME,
                          f"the {kind.__name__.lower()} matching 'States.ALL' must be the last of {field}")


def _error_names_problems(field: str, errors: Any) -> Iterator[Problem]:
    if not isinstance(errors, tuple) or not errors or not all(isinstance(e, str) and e for e in errors):
        yield Problem(field, rules.SFN_ERROR_NAME, f"expected a non-empty list of error names, got {errors!r}")
    elif "States.ALL" in errors and errors != ("States.ALL",):
        yield Problem(field, rules.SFN_ERROR_NAME, "'States.ALL' must be the only error name of its retrier/catcher")


@attrs.frozen
class Retry(Validated):
    _subject = "retry"
    errors: tuple[str, ...] = attrs.field(default=TRANSIENT_LAMBDA_ERRORS, converter=to_tuple)
    interval_s: int = 2
    max_attempts: int = 3
    backoff_rate: float = 2.0

    def problems(self) -> Iterator[Problem]:
        yield from _error_names_problems("errors", self.errors)
        yield from check_int_range("interval_s", self.interval_s, rules.SFN_RETRY_INTERVAL_S, rules.SFN_RETRY)
        yield from check_int_range("max_attempts", self.max_attempts, rules.SFN_RETRY_ATTEMPTS, rules.SFN_RETRY)
        backoff = list(check_number("backoff_rate", self.backoff_rate))
        yield from backoff
        if not backoff and self.backoff_rate not in rules.SFN_BACKOFF_RATE:
            yield Problem("backoff_rate", rules.SFN_RETRY,
                          f"{self.backoff_rate} is below {rules.SFN_BACKOFF_RATE.low}")


@attrs.frozen
class Catch(Validated):
    _subject = "catch"
    next: str
    errors: tuple[str, ...] = attrs.field(default=("States.ALL",), converter=to_tuple)
    result_path: str | None = "$.error"

    def problems(self) -> Iterator[Problem]:
        yield from check_type("next", self.next, str, "a state name")
        yield from _error_names_problems("errors", self.errors)
        yield from _result_path_problems("result_path", self.result_path)


@attrs.frozen
class _State(Validated):
    """What every state has: a ``name``, unique within its workflow.

    Problems come in field order: the name, then the fields each kind of state adds (``_field_problems``).
    """

    name: str

    def transitions(self) -> Iterator[tuple[str, str]]:
        """(field path, target state name) for every transition out of this state."""
        return iter(())

    @property
    def terminal(self) -> bool:
        return False

    def problems(self) -> Iterator[Problem]:
        yield from check_type("name", self.name, str, "a state name")
        yield from check_length("name", self.name, rules.SFN_STATE_NAME_LENGTH, rules.SFN_STATE_NAME, "state name")
        yield from self._field_problems()

    def _field_problems(self) -> Iterator[Problem]:
        """The problems of the fields this kind of state adds to the common ones."""
        return iter(())


@attrs.frozen
class _Flow(_State):
    """A state that goes on to ``next`` or ends the workflow (``end=True``): exactly one of the two.

    Both are keyword-only, so that each kind of state keeps its own fields first: ``Wait("Pause", 10, next=...)``.
    """

    next: str | None = attrs.field(default=None, kw_only=True)
    end: bool = attrs.field(default=False, kw_only=True)

    def transitions(self) -> Iterator[tuple[str, str]]:
        if self.next is not None:
            yield "next", self.next

    @property
    def terminal(self) -> bool:
        return self.end is True

    def problems(self) -> Iterator[Problem]:
        yield from super().problems()
        yield from check_type("end", self.end, bool, "True or False")
        if self.next is not None and self.end is True:
            yield Problem("end", rules.SFN_NEXT_OR_END, "give exactly one of next=... or end=True, not both")
        elif self.next is None and self.end is not True:
            yield Problem("next", rules.SFN_NEXT_OR_END, "give exactly one of next=... or end=True")
        if self.next is not None:
            yield from check_type("next", self.next, str, "a state name")


def _function_name(value: Any) -> Any:
    name = getattr(value, "name", None)
    return name if isinstance(name, str) and not isinstance(value, str) else value


@attrs.frozen
class Task(_Flow):
    """Invokes a function of the system with ``payload`` (the state's whole input when None); the function's
    result replaces the state's data at ``result_path`` ('$': the result becomes the state).

    ``Task(name, function, payload=None, result_path="$", *, next=None, end=False, retries=(), catches=(),
    timeout_s=None)``.
    """

    _subject = "task state"
    function: str = attrs.field(converter=_function_name)
    payload: FrozenMap | None = attrs.field(default=None, converter=to_map)
    result_path: str | None = "$"
    retries: tuple[Retry, ...] = attrs.field(default=(), converter=to_tuple, kw_only=True)
    catches: tuple[Catch, ...] = attrs.field(default=(), converter=to_tuple, kw_only=True)
    timeout_s: int | None = attrs.field(default=None, kw_only=True)

    def transitions(self) -> Iterator[tuple[str, str]]:
        yield from super().transitions()
        for index, catch in enumerate(self.catches if isinstance(self.catches, tuple) else ()):
            if isinstance(catch, Catch):
                yield f"catches[{index}].next", catch.next

    def _field_problems(self) -> Iterator[Problem]:
        yield from check_identifier("function", self.function, rules.LOGICAL)
        yield from _payload_problems("payload", self.payload)
        yield from _result_path_problems("result_path", self.result_path)

    def problems(self) -> Iterator[Problem]:
        yield from super().problems()  # name, function, payload, result_path, next/end
        yield from check_items("retries", self.retries, Retry, "a Retry")
        yield from check_items("catches", self.catches, Catch, "a Catch")
        yield from _states_all_last("retries", self.retries, Retry)
        yield from _states_all_last("catches", self.catches, Catch)
        if self.timeout_s is not None:
            yield from check_int_range("timeout_s", self.timeout_s, rules.SFN_TIMEOUT_S, rules.SFN_TIMEOUT)


@attrs.frozen
class Wait(_Flow):
    """Waits ``seconds`` before going on: ``Wait(name, seconds, *, next=None, end=False)``."""

    _subject = "wait state"
    seconds: int

    def _field_problems(self) -> Iterator[Problem]:
        yield from check_int_range("seconds", self.seconds, rules.SFN_WAIT_S, rules.SFN_WAIT)


@attrs.frozen
class Pass(_Flow):
    """Shapes data without a task: ``parameters`` (with Dynamic values) placed at ``result_path``.

    ``Pass(name, parameters={}, result_path="$", *, next=None, end=False)``.
    """

    _subject = "pass state"
    parameters: FrozenMap = attrs.field(factory=FrozenMap, converter=to_map)
    result_path: str | None = "$"

    def _field_problems(self) -> Iterator[Problem]:
        yield from _payload_problems("parameters", self.parameters)
        yield from _result_path_problems("result_path", self.result_path)


class Operator(enum.StrEnum):
    STRING_EQUALS = "StringEquals"
    STRING_MATCHES = "StringMatches"
    NUMERIC_EQUALS = "NumericEquals"
    NUMERIC_LESS_THAN = "NumericLessThan"
    NUMERIC_LESS_THAN_EQUALS = "NumericLessThanEquals"
    NUMERIC_GREATER_THAN = "NumericGreaterThan"
    NUMERIC_GREATER_THAN_EQUALS = "NumericGreaterThanEquals"
    BOOLEAN_EQUALS = "BooleanEquals"
    IS_PRESENT = "IsPresent"
    IS_NULL = "IsNull"

    @property
    def value_types(self) -> tuple[type, ...]:
        if self.value.startswith("String"):
            return (str,)
        if self.value.startswith("Numeric"):
            return (int, float)
        return (bool,)


@attrs.frozen
class Condition(Validated):
    """``Condition("$.codeReady", Operator.BOOLEAN_EQUALS, True)``: one ASL comparison."""

    _subject = "condition"
    variable: str
    operator: Operator = attrs.field(converter=to_enum(Operator))
    value: Any

    def problems(self) -> Iterator[Problem]:
        yield from _json_path_problems("variable", self.variable, optional=False)
        yield from check_enum("operator", self.operator, Operator)
        if isinstance(self.operator, Operator):
            types = self.operator.value_types
            wrong_bool = isinstance(self.value, bool) and bool not in types
            if wrong_bool or not isinstance(self.value, types):
                kind = " or ".join(t.__name__ for t in types)
                yield Problem("value", rules.SFN_CONDITION,
                              f"{self.operator} compares with a {kind}, got {self.value!r}")
            elif isinstance(self.value, float):
                yield from check_number("value", self.value)


@attrs.frozen
class Branch(Validated):
    _subject = "choice branch"
    condition: Condition
    next: str

    def problems(self) -> Iterator[Problem]:
        yield from check_nested("condition", self.condition, Condition, "a Condition")
        yield from check_type("next", self.next, str, "a state name")


@attrs.frozen
class Choice(_State):
    """Goes to the first branch whose condition holds, else to ``default``:
    ``Choice(name, branches, default=None)``."""

    _subject = "choice state"
    branches: tuple[Branch, ...] = attrs.field(converter=to_tuple)
    default: str | None = None

    def transitions(self) -> Iterator[tuple[str, str]]:
        for index, branch in enumerate(self.branches if isinstance(self.branches, tuple) else ()):
            if isinstance(branch, Branch):
                yield f"branches[{index}].next", branch.next
        if self.default is not None:
            yield "default", self.default

    def _field_problems(self) -> Iterator[Problem]:
        yield from check_items("branches", self.branches, Branch, "a Branch")
        if isinstance(self.branches, tuple) and not self.branches:
            yield Problem("branches", rules.SFN_CHOICE_DEFAULT, "a choice needs at least one branch")
        if self.default is None:
            yield Problem("default", rules.SFN_CHOICE_DEFAULT,
                          "a choice needs a default state (otherwise an unmatched input fails the execution)")
        else:
            yield from check_type("default", self.default, str, "a state name")


@attrs.frozen
class Succeed(_State):
    """Ends the workflow successfully: ``Succeed(name)``."""

    _subject = "succeed state"

    @property
    def terminal(self) -> bool:
        return True


@attrs.frozen
class Fail(_State):
    """Ends the workflow with an ``error`` (and a ``cause``): ``Fail(name, error, cause="")``."""

    _subject = "fail state"
    error: str
    cause: str = ""

    @property
    def terminal(self) -> bool:
        return True

    def _field_problems(self) -> Iterator[Problem]:
        yield from check_type("error", self.error, str, "an error name")
        yield from check_type("cause", self.cause, str, "a string")


State = Task | Wait | Pass | Choice | Succeed | Fail
STATE_TYPES = (Task, Wait, Pass, Choice, Succeed, Fail)


def check_state_machine_name(field: str, name: Any) -> Iterator[Problem]:
    if not isinstance(name, str):
        yield Problem(field, rules.TYPE, f"expected a name, got {name!r}")
        return
    yield from check_length(field, name, rules.SFN_NAME_LENGTH, rules.SFN_NAME, "state machine name")
    bad = sorted({c for c in name if c in rules.SFN_FORBIDDEN_CHARS or c.isspace()
                  or any(ord(c) in control for control in rules.SFN_CONTROL_CHARS)})
    if bad:
        yield Problem(field, rules.SFN_NAME, f"state machine name {name!r} has forbidden {''.join(bad)!r}")


@attrs.frozen
class Workflow(Named, Validated):
    """A state machine: ``states`` in any order, entered at ``start``. ``start_executions()`` grants starting it
    (its ARN reaches the grantee's environment as ``{NAME}_STATE_MACHINE_ARN``)."""

    _subject = "workflow"
    kind = "workflow"
    env_suffix = "STATE_MACHINE_ARN"
    grant_actions = ("start_execution",)
    name: str
    start: str
    states: tuple[State, ...] = attrs.field(converter=to_tuple)
    timeout_s: int | None = None
    tracing: bool = True
    logging: bool = True
    exemptions: tuple = exemptions_field()

    def start_executions(self, env_var: str | None = None) -> TargetGrant:
        """``states:StartExecution`` on this state machine only."""
        return TargetGrant(self, "start_execution", env_var)

    def state(self, name: str) -> State:
        for state in self.states:
            if state.name == name:
                return state
        raise KeyError(name)

    @property
    def tasks(self) -> tuple[Task, ...]:
        return tuple(s for s in self.states if isinstance(s, Task))

    def problems(self) -> Iterator[Problem]:
        yield from check_identifier("name", self.name, rules.LOGICAL)
        yield from check_type("start", self.start, str, "a state name")
        yield from check_items("states", self.states, STATE_TYPES, "a state (Task, Wait, Pass, Choice, ...)")
        if self.timeout_s is not None:
            yield from check_int_range("timeout_s", self.timeout_s, rules.SFN_TIMEOUT_S, rules.SFN_TIMEOUT)
        for field in ("tracing", "logging"):
            yield from check_type(field, getattr(self, field), bool, "True or False")
        yield from check_exemptions(self.exemptions)
        if isinstance(self.states, tuple):
            yield from self._graph_problems([s for s in self.states if isinstance(s, STATE_TYPES)])

    def _graph_problems(self, states: list[State]) -> Iterator[Problem]:
        # Names of another type than str are their own fields' problems: the graph is made of the others.
        states = [s for s in states if isinstance(s.name, str)]
        yield from check_unique("states", (s.name for s in states), "state")
        index_of = {s.name: i for i, s in reversed(list(enumerate(self.states)))
                    if isinstance(s, STATE_TYPES) and isinstance(s.name, str)}
        if isinstance(self.start, str) and self.start not in index_of:
            yield Problem("start", rules.SFN_NEXT, f"start state {self.start!r} does not exist")
        edges: dict[str, list[str]] = {}
        for state in states:
            where = f"states[{index_of[state.name]}]"
            for field, target in state.transitions():
                if not isinstance(target, str):
                    continue
                edges.setdefault(state.name, []).append(target)
                if target not in index_of:
                    yield Problem(f"{where}.{field}", rules.SFN_NEXT, f"state {target!r} does not exist")
        if not any(s.terminal for s in states):
            yield Problem("states", rules.SFN_TERMINAL, "no Succeed or Fail state and no state with end=True")
        reached: set[str] = set()
        start = self.start if isinstance(self.start, str) else None
        frontier = [start] if start in index_of else []
        while frontier:
            name = frontier.pop()
            if name not in reached:
                reached.add(name)
                frontier.extend(t for t in edges.get(name, ()) if t in index_of)
        if start in index_of:
            for name, index in index_of.items():
                if name not in reached:
                    yield Problem(f"states[{index}]", rules.SFN_REACHABLE,
                                  f"state {name!r} cannot be reached from {self.start!r}")
