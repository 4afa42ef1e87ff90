"""Workflow states: one attrs base for the fields every state has (name; next and end for flowing states)."""

from __future__ import annotations

import attrs
import pytest

from oratio.model import (
    Branch,
    Catch,
    Choice,
    Condition,
    Fail,
    ModelError,
    Pass,
    Retry,
    Succeed,
    Task,
    Wait,
    deferred_validation,
)
from oratio.model.workflow import STATE_TYPES


def test_every_state_has_the_common_fields_from_its_base() -> None:
    for state_type in STATE_TYPES:
        fields = attrs.fields(state_type)
        assert fields[0].name == "name" and not fields[0].kw_only, state_type
    for state_type in (Task, Wait, Pass):
        next_field, end_field = attrs.fields(state_type).next, attrs.fields(state_type).end
        assert (next_field.default, end_field.default) == (None, False)
        assert next_field.kw_only and end_field.kw_only, "next/end are keywords, after each kind's own fields"


def test_states_are_built_positionally_as_before() -> None:
    task = Task("Read", "reader", {"id": 1}, "$.read", next="Done", retries=[Retry()], catches=[Catch("Failed")])
    assert (task.name, task.function, task.payload, task.result_path, task.next) == (
        "Read", "reader", {"id": 1}, "$.read", "Done")
    assert Wait("Pause", 10, end=True).seconds == 10
    assert Pass("Shape", {"a": 1}, "$.shaped", next="Done").result_path == "$.shaped"
    choice = Choice("Decide", [Branch(Condition("$.ok", "BooleanEquals", True), "Done")], "Done")
    assert choice.default == "Done"
    assert (Fail("Failed", "E", "why").error, Fail("Failed", "E", "why").cause) == ("E", "why")
    assert Succeed("Done").terminal and Fail("Failed", "E").terminal and Wait("W", 1, end=True).terminal
    # next and end are keywords only: a positional one is refused rather than taken for another field
    with pytest.raises(TypeError):
        Wait("Pause", 10, "Done")  # type: ignore[misc]


def test_states_are_frozen_values() -> None:
    wait = Wait("Pause", 10, next="Done")
    assert wait == Wait("Pause", 10, next="Done") and hash(wait) == hash(Wait("Pause", 10, next="Done"))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        wait.next = "Elsewhere"  # type: ignore[misc]


def test_problems_come_in_field_order() -> None:
    with deferred_validation():
        retry = Retry(max_attempts=-1)
    with pytest.raises(ModelError) as raised:
        Task("s" * 81, "Bad", result_path="x", retries=[retry], timeout_s=0)
    assert raised.value.paths == ("name", "function", "result_path", "next", "retries[0].max_attempts", "timeout_s")
    assert raised.value.rule_ids == ("W102", "N103", "W109", "W113", "W108", "W114")
