"""The platform's tables rendered by the CDK backend (``oratio/backends/cdk/table.py``); expectations come from
the model."""

from __future__ import annotations

from aws_cdk.assertions import Template

from oratio.backends.cdk.common import construct_id
from oratio.model import Retention, System
from tests.backends.cdk.reader import construct_resource


def test_every_table_as_the_model_says(system: System, templates: dict[str, Template]) -> None:
    template = templates["database"]
    template.resource_count_is("AWS::DynamoDB::Table", len(system.tables))
    for table in system.tables:
        resource = construct_resource(template.find_resources("AWS::DynamoDB::Table"), construct_id(table.name))
        props = resource["Properties"]
        assert props["TableName"] == system.physical_name(table)
        assert props["KeySchema"] == [{"AttributeName": k.name, "KeyType": role}
                                      for k, role in zip(table.keys, ("HASH", "RANGE"), strict=False)]
        assert {d["AttributeName"]: d["AttributeType"] for d in props["AttributeDefinitions"]} == {
            name: kind.value for name, kind in table.attribute_definitions().items()}
        assert props["BillingMode"] == table.billing.value
        assert props["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": table.point_in_time_recovery}
        expected_policy = "Retain" if table.retention is Retention.RETAIN else "Delete"
        assert resource["DeletionPolicy"] == expected_policy
        indexes = props.get("GlobalSecondaryIndexes", [])
        assert [(i["IndexName"], i["KeySchema"], i["Projection"]["ProjectionType"]) for i in indexes] == [
            (i.name, [{"AttributeName": k.name, "KeyType": role}
                      for k, role in zip(i.keys, ("HASH", "RANGE"), strict=False)], i.projection.value)
            for i in table.global_indexes]
        assert {"Key": "oratio:stage", "Value": "dev"} in props["Tags"]
