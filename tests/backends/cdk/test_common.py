"""Construct ids: readable, and one-to-one on the model's names."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from oratio.backends.cdk.common import construct_id, part_id

# Every name the model accepts for a resource (N103), '--' and digit-first parts included.
model_names = st.from_regex(r"[a-z][a-z0-9-]{0,38}[a-z0-9]|[a-z]", fullmatch=True)


def test_construct_ids_are_the_model_names_in_pascal_case() -> None:
    assert construct_id("api-keys") == "ApiKeys"
    assert construct_id("kb-provisioner") == "KbProvisioner"
    assert construct_id("agents") == "Agents"


def test_names_that_capitalizing_would_merge_keep_their_dashes_as_x() -> None:
    assert (construct_id("a-1"), construct_id("a1")) == ("aX1", "A1")
    assert (construct_id("a--b"), construct_id("a-b"), construct_id("ab")) == ("aXXb", "AB", "Ab")


def test_parts_of_a_resource_never_meet_another_resources_id() -> None:
    assert part_id(construct_id("x"), "Role") == "X-Role" != construct_id("x-role") == "XRole"


@given(model_names, model_names)
def test_distinct_names_give_distinct_ids(first: str, second: str) -> None:
    assert (construct_id(first) == construct_id(second)) == (first == second)
