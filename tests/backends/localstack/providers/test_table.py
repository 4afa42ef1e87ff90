"""The table provider: every table of the platform has the model's keys, indexes, billing, recovery and tags."""

from __future__ import annotations

import pytest

from oratio.backends.localstack import Target
from oratio.model import System

pytestmark = pytest.mark.localstack


def test_every_table_has_the_models_keys_indexes_and_recovery(target: Target, deployed: System) -> None:
    ddb = target.client("dynamodb")
    for table in deployed.tables:
        described = ddb.describe_table(TableName=deployed.physical_name(table))["Table"]
        assert [(k["AttributeName"], k["KeyType"]) for k in described["KeySchema"]] == [
            (k.name, role) for k, role in zip(table.keys, ("HASH", "RANGE"), strict=False)]
        assert {i["IndexName"]: [k["AttributeName"] for k in i["KeySchema"]]
                for i in described.get("GlobalSecondaryIndexes", [])} == {
            i.name: [k.name for k in i.keys] for i in table.global_indexes}
        assert described["BillingModeSummary"]["BillingMode"] == table.billing.value
        backups = ddb.describe_continuous_backups(TableName=deployed.physical_name(table))
        status = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
        assert status == ("ENABLED" if table.point_in_time_recovery else "DISABLED")
        tags = {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=described["TableArn"])["Tags"]}
        assert tags["oratio:system"] == deployed.name and tags["oratio:stage"] == deployed.stage
