"""A fix to LocalStack's DynamoDB provider: whether a table exists is one DescribeTable, not every ListTables page.

LocalStack's ``DynamoDBProvider.table_exists`` pages through ListTables (100 names a page) and looks for the name:
each CreateTable, DeleteTable, DescribeTimeToLive and UpdateTimeToLive costs ``n / 100`` more calls to DynamoDB
Local with ``n`` tables, so deploying, reading back or destroying ``n`` tables costs O(n^2) (oratio's
``bench/model_scale.py``: 69 ms a table at 250 tables, 93 ms at 500, 121 ms a table destroyed at 500). DescribeTable
answers the same question in one call: DynamoDB Local answers ResourceNotFoundException for a table that does not
exist, in the same namespace (account and Region) the original's ListTables used.
"""

from __future__ import annotations

import logging

from localstack.runtime import hooks

LOG = logging.getLogger(__name__)


@hooks.on_infra_start()
def find_tables_in_one_call() -> None:
    from botocore.exceptions import ClientError
    from localstack.aws.connect import connect_to
    from localstack.services.dynamodb.provider import INTERNAL_AWS_SECRET_ACCESS_KEY, DynamoDBProvider

    def table_exists(account_id: str, region_name: str, table_name: str) -> bool:
        client = connect_to(
            aws_access_key_id=account_id,
            aws_secret_access_key=INTERNAL_AWS_SECRET_ACCESS_KEY,
            region_name=DynamoDBProvider.ddb_region_name(region_name),
        ).dynamodb
        try:
            client.describe_table(TableName=table_name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return False
            raise
        return True

    DynamoDBProvider.table_exists = staticmethod(table_exists)
    LOG.info("oratio: DynamoDB asks whether a table exists with one DescribeTable, not every ListTables page")
