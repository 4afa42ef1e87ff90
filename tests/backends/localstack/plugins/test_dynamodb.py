"""The DynamoDB fix on the embedded LocalStack (``oratio_localstack/dynamodb.py``): whether a table exists is one
DescribeTable. The operations that ask it answer as before, for tables that exist and tables that do not; that it
made deploying many tables linear is ``bench/model_scale.py``'s figure (README: The CDK backend)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from oratio.backends.localstack.embedded.layout import Layout
from oratio.backends.localstack.target import Target

pytestmark = pytest.mark.localstack


def _code(call: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


def test_the_operations_that_ask_whether_a_table_exists_answer_as_before(localstack: Any) -> None:
    if localstack.embedded:  # the user's own LocalStack has not got oratio's plug-ins, nor this log
        # The log of the running LocalStack: the file keeps every start's, each after its version line.
        current = Layout.default().log_file.read_text(errors="replace").rsplit("LocalStack version", 1)[-1]
        assert "oratio: DynamoDB asks whether a table exists with one DescribeTable" in current, (
            "the running LocalStack has not got the plug-in: stop it (python app.py localstack stop) to reinstall")
    ddb = Target(localstack.url).client("dynamodb")
    name, missing = f"exists-{uuid.uuid4().hex[:8]}", f"missing-{uuid.uuid4().hex[:8]}"
    schema = {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
              "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
              "BillingMode": "PAY_PER_REQUEST"}
    ddb.create_table(TableName=name, **schema)
    try:
        assert _code(lambda: ddb.create_table(TableName=name, **schema)) == "ResourceInUseException"
        assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"
        ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
        assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
            "TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}
    finally:
        ddb.delete_table(TableName=name)
    for call in (lambda: ddb.describe_time_to_live(TableName=missing),
                 lambda: ddb.update_time_to_live(TableName=missing, TimeToLiveSpecification={
                     "Enabled": True, "AttributeName": "ttl"}),
                 lambda: ddb.delete_table(TableName=missing),
                 lambda: ddb.delete_table(TableName=name)):  # deleted above
        assert _code(call) == "ResourceNotFoundException"
