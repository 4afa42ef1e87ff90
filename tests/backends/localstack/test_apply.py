"""The order of an apply and the read pass's sharing: what each change waits for (``apply._prerequisites``), one
call per listing while a plan reads (``Target.once``), and a resource's reads made at once (``concurrently``)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from oratio.backends.localstack import Action, Change, Target
from oratio.backends.localstack.apply import _prerequisites
from oratio.backends.localstack.providers import desired_state
from oratio.backends.localstack.providers.base import concurrently
from oratio.backends.localstack.target import LOCALSTACK_ACCOUNT
from oratio.model.permissions import Place
from oratio.platform import platform

PROJECT_ROOT = Path(__file__).resolve().parents[3]  # where the platform's code is



def _creations() -> list[Change]:
    system = platform("order")
    specs = desired_state(system, Place("aws", "us-east-1", LOCALSTACK_ACCOUNT), PROJECT_ROOT)
    return [Change(Action.CREATE, s.kind, s.name, s.physical, spec=s) for s in specs]


def test_a_function_waits_for_its_role_log_group_and_runtimes_only() -> None:
    changes = _creations()
    by_key = {c.key: c for c in changes}
    invoker = by_key["function:agentcreator-invoker"]
    assert _prerequisites(invoker, changes) == {"role:function/agentcreator-invoker",
                                                "log-group:function/agentcreator-invoker",
                                                "agent-runtime:agentcreator"}
    provisioner = by_key["function:kb-provisioner"]
    assert _prerequisites(provisioner, changes) == {"role:function/kb-provisioner", "log-group:function/kb-provisioner"}
    runtime = by_key["agent-runtime:agentcreator"]
    assert _prerequisites(runtime, changes) == {"role:runtime/agentcreator", "runtime-code:agent-runtimes"}


def test_a_kind_that_names_no_needs_waits_for_every_lower_level() -> None:
    changes = _creations()
    machine = next(c for c in changes if c.kind == "state-machine")
    assert _prerequisites(machine, changes) == {c.key for c in changes if c.level < machine.level}
    assert any(c.kind == "function" for c in changes if c.key in _prerequisites(machine, changes))
    table = next(c for c in changes if c.kind == "table")
    assert _prerequisites(table, changes) == frozenset()


def test_a_listing_is_asked_once_while_a_plan_reads_and_again_after() -> None:
    target = Target("http://127.0.0.1:1")
    calls: list[int] = []

    def listing() -> list[int]:
        time.sleep(0.05)  # slow enough that the other threads ask while the first call is made
        calls.append(1)
        return [len(calls)]

    with target.reading():
        answers: list[Any] = []
        threads = [threading.Thread(target=lambda: answers.append(target.once("k", listing))) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert answers == [[1]] * 5 and len(calls) == 1
    assert target.once("k", listing) == [2] and target.once("k", listing) == [3]


def test_a_failed_listing_fails_every_reader_and_is_not_kept() -> None:
    target = Target("http://127.0.0.1:1")

    def failing() -> None:
        raise RuntimeError("LocalStack said no")

    with target.reading():
        for _ in range(2):
            with pytest.raises(RuntimeError, match="LocalStack said no"):
                target.once("k", failing)
    assert target.once("k", lambda: "asked again") == "asked again"


def test_concurrent_reads_answer_in_order_at_once_and_raise_a_failure() -> None:
    started = time.monotonic()
    assert concurrently(lambda: (time.sleep(0.2), 1)[1], lambda: (time.sleep(0.2), 2)[1], lambda: 3) == [1, 2, 3]
    assert time.monotonic() - started < 0.39

    def failing() -> None:
        raise ValueError("no such table")

    with pytest.raises(ValueError, match="no such table"):
        concurrently(lambda: 1, failing)
