"""What every provider shares: tags as AWS's lists of pairs, how LocalStack's answers are told apart (missing,
already there, not served), waiting, and the refusals of a provider class that cannot be registered."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from oratio.backends.localstack import Target
from oratio.backends.localstack.providers import PROVIDERS
from oratio.backends.localstack.providers.base import (
    LOWER_CASE_PAIRS,
    PAIRS,
    Provider,
    create_unless_exists,
    registered,
    service_unavailable,
    unless_missing,
    wait,
)
from oratio.backends.localstack.providers.role import trust_policy


def test_tags_go_to_and_from_both_pair_shapes() -> None:
    tags = {"oratio:system": "oratio", "oratio:stage": "dev"}
    assert PAIRS.to_list(tags) == [{"Key": "oratio:system", "Value": "oratio"}, {"Key": "oratio:stage", "Value": "dev"}]
    assert LOWER_CASE_PAIRS.to_list(tags)[0] == {"key": "oratio:system", "value": "oratio"}
    assert PAIRS.to_dict(PAIRS.to_list(tags)) == tags == LOWER_CASE_PAIRS.to_dict(LOWER_CASE_PAIRS.to_list(tags))
    assert PAIRS.to_dict(None) == {}  # an untagged resource's answer may have no list at all


@pytest.mark.localstack
def test_missing_is_none_and_other_errors_are_raised(target: Target) -> None:
    ddb, iam = target.client("dynamodb"), target.client("iam")
    assert unless_missing(lambda: ddb.describe_table(TableName=f"missing-{uuid.uuid4().hex}"),
                          "ResourceNotFoundException") is None
    role = f"oratio-test-{uuid.uuid4().hex[:8]}"

    def create() -> object:
        return iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust_policy("lambda.amazonaws.com")))

    create()
    with pytest.raises(ClientError) as raised:  # a second create is refused, and that is not "missing"
        unless_missing(create, "NoSuchEntity")
    assert raised.value.response["Error"]["Code"] == "EntityAlreadyExists"
    iam.delete_role(RoleName=role)


@pytest.mark.localstack
def test_already_there_is_told_from_created(target: Target) -> None:
    logs, group = target.client("logs"), f"/oratio/test/{uuid.uuid4().hex[:8]}"

    def create() -> object:
        return logs.create_log_group(logGroupName=group)

    assert create_unless_exists(create, "ResourceAlreadyExistsException") is True
    assert create_unless_exists(create, "ResourceAlreadyExistsException") is False
    with pytest.raises(ClientError):  # another code is not taken for "already there"
        create_unless_exists(create, "SomeOtherException")
    logs.delete_log_group(logGroupName=group)


@pytest.mark.localstack
def test_a_service_localstack_does_not_serve_is_recognized(target: Target) -> None:
    with pytest.raises(ClientError) as unserved:
        target.client("appsync").list_graphql_apis()
    with pytest.raises(ClientError) as missing_table:
        target.client("dynamodb").describe_table(TableName=f"missing-{uuid.uuid4().hex}")
    assert service_unavailable(unserved.value) and not service_unavailable(missing_table.value)


def test_waiting_gives_up_with_what_did_not_finish() -> None:
    with pytest.raises(TimeoutError, match=r"^creating table t did not finish within 0 s$"):
        wait(lambda: False, "creating table t", timeout_s=0.2)
    answers = iter([False, False, True])
    wait(lambda: next(answers), "settling")  # returns once the check is true
    assert next(answers, "done") == "done"


def test_a_provider_needs_a_kind_and_level_and_a_kind_of_its_own() -> None:
    before = registered()
    with pytest.raises(TypeError, match="must set the class attributes kind and level"):
        class Nameless(Provider):
            level = 0
    with pytest.raises(TypeError, match="two providers for kind 'table': Twin and TableProvider"):
        class Twin(Provider):
            kind = "table"
            level = 0
    assert registered() == before and type(PROVIDERS["table"]).__name__ == "TableProvider"
