"""Least privilege decided in the model: which actions each grant allows, on which ARNs (AWS's formats)."""

from __future__ import annotations

from oratio.model import Bucket, Function, GlobalIndex, Key, StreamView, System, Table, Workflow, bedrock
from oratio.model.permissions import (
    Kind,
    Place,
    ResourceArn,
    allowed,
    arn,
    function_statements,
    workflow_statements,
)
from oratio.model.workflow import Succeed, Task

PLACE = Place("aws", "eu-west-1", "123456789012")
ORDERS = Table("orders", Key("id"), global_indexes=[GlobalIndex("by-user", Key("user"))], stream=StreamView.NEW_IMAGE)
FILES = Bucket("files")
READER = Function("reader", code="src", grants=[ORDERS.read(), FILES.read()])
WRITER = Function("writer", code="src", grants=[ORDERS.write(), FILES.write(),
                                               bedrock("InvokeAgent", reason="agents are created at run time")])
FLOW = Workflow("flow", "Read", [Task("Read", "reader", next="Done"), Succeed("Done")])
SYSTEM = System("shop", "dev", tables=[ORDERS], buckets=[FILES], functions=[READER, WRITER], workflows=[FLOW])


def test_arns_follow_aws_formats() -> None:
    # Formats from AWS's Service Authorization Reference, written out by hand here.
    assert arn(ResourceArn(Kind.TABLE, "orders"), SYSTEM, PLACE) == \
        "arn:aws:dynamodb:eu-west-1:123456789012:table/shop-dev-orders"
    assert arn(ResourceArn(Kind.TABLE_INDEX, "orders", "by-user"), SYSTEM, PLACE) == \
        "arn:aws:dynamodb:eu-west-1:123456789012:table/shop-dev-orders/index/by-user"
    assert arn(ResourceArn(Kind.TABLE_STREAM, "orders"), SYSTEM, PLACE) == \
        "arn:aws:dynamodb:eu-west-1:123456789012:table/shop-dev-orders/stream/*"
    assert arn(ResourceArn(Kind.BUCKET, "files"), SYSTEM, PLACE) == "arn:aws:s3:::shop-dev-files-123456789012"
    assert arn(ResourceArn(Kind.BUCKET_OBJECTS, "files"), SYSTEM, PLACE) == "arn:aws:s3:::shop-dev-files-123456789012/*"
    assert arn(ResourceArn(Kind.FUNCTION, "reader"), SYSTEM, PLACE) == \
        "arn:aws:lambda:eu-west-1:123456789012:function:shop-dev-reader"
    assert arn(ResourceArn(Kind.FUNCTION_LOGS, "reader"), SYSTEM, PLACE) == \
        "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/shop-dev-reader:*"


def test_a_read_grant_reads_and_never_writes() -> None:
    pairs = allowed(function_statements(READER))
    actions = {action for action, _ in pairs}
    assert {"dynamodb:GetItem", "dynamodb:Query", "s3:GetObject", "s3:ListBucket"} <= actions
    assert not actions & {"dynamodb:PutItem", "dynamodb:DeleteItem", "s3:PutObject", "s3:DeleteObject"}
    assert ("dynamodb:Query", "table:orders/index/by-user") in pairs
    assert ("dynamodb:GetRecords", "table-stream:orders") in pairs  # a read grant on a table with a stream


def test_a_write_grant_writes_and_never_reads() -> None:
    actions = {action for action, _ in allowed(function_statements(WRITER))}
    assert {"dynamodb:PutItem", "dynamodb:DeleteItem", "s3:PutObject", "bedrock:InvokeAgent"} <= actions
    assert not actions & {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "s3:GetObject", "s3:ListBucket"}


def test_wildcards_come_with_reasons_and_actions_never_have_one() -> None:
    for statement in (*function_statements(READER), *function_statements(WRITER), *workflow_statements(FLOW)):
        assert not any("*" in action for action in statement.actions)
        assert bool(statement.wildcard_resources) == bool(statement.reason)


def test_a_workflow_invokes_exactly_its_task_functions() -> None:
    invoke = [s for s in workflow_statements(FLOW) if s.actions == ("lambda:InvokeFunction",)]
    assert [str(r) for s in invoke for r in s.resources] == ["function:reader"]
