"""The role provider: IAM's 64-character limit on role names, and a role's policy following the model."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from oratio.backends.localstack import Target
from oratio.backends.localstack.providers import ownership_tags
from oratio.backends.localstack.providers.base import Context
from oratio.backends.localstack.providers.role import RoleProvider, role_name
from oratio.model import Function, System
from oratio.model.permissions import function_statements
from oratio.testing.strategies import FUNCTION_CODE


def test_a_long_role_name_keeps_64_characters_and_a_hash_of_the_whole() -> None:
    first, second = role_name("a" * 70 + "-one", "function"), role_name("a" * 70 + "-two", "function")
    assert len(first) == len(second) == 64
    assert first.endswith("-function") and second.endswith("-function") and first != second
    assert role_name("oratio-dev-writer", "function") == "oratio-dev-writer-function"  # short names as they are


@pytest.mark.localstack
def test_a_role_losing_its_statements_loses_its_policy(target: Target) -> None:
    """A workflow without tasks has nothing to allow: its role then has no inline policy at all."""
    system = System(f"r{uuid.uuid4().hex[:8]}", "dev", functions=[Function("writer", code=FUNCTION_CODE)])
    context = Context(system, target.place, Path.cwd())  # a role's spec needs no code
    (function,) = system.functions
    provider = RoleProvider()
    with_policy = provider.spec(context, "writer", system.physical_name(function), "function",
                                "lambda.amazonaws.com", function_statements(function))
    without = provider.spec(context, "writer", system.physical_name(function), "function",
                            "lambda.amazonaws.com", ())
    provider.create(target, with_policy, ownership_tags((system.name, system.stage), with_policy))
    live = provider.read(target, with_policy)
    assert live is not None and live.props == with_policy.props and live.owner() == (system.name, system.stage)
    provider.update(target, without, {"policy"}, ownership_tags((system.name, system.stage), without))
    live = provider.read(target, without)
    assert live is not None and live.props == without.props and live.props["policy"] is None
    provider.delete(target, with_policy.physical)
    assert provider.read(target, with_policy) is None
