"""A table as a DynamoDB construct: every property from the model, nothing from defaults we did not choose."""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from oratio.backends.cdk.common import REMOVAL, construct_id, tag
from oratio.model import Billing, Key, Projection, System, Table


def _attribute(key: Key) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=getattr(dynamodb.AttributeType, key.type.name))


def render_table(scope: Construct, system: System, table: Table) -> dynamodb.Table:
    provisioned = table.billing is Billing.PROVISIONED
    construct = dynamodb.Table(
        scope, construct_id(table.name),
        table_name=system.physical_name(table),
        partition_key=_attribute(table.partition_key),
        sort_key=_attribute(table.sort_key) if table.sort_key else None,
        billing_mode=dynamodb.BillingMode.PROVISIONED if provisioned else dynamodb.BillingMode.PAY_PER_REQUEST,
        read_capacity=table.read_capacity if provisioned else None,
        write_capacity=table.write_capacity if provisioned else None,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=table.point_in_time_recovery),
        removal_policy=REMOVAL[table.retention],
        time_to_live_attribute=table.ttl_attribute,
        stream=getattr(dynamodb.StreamViewType, table.stream.name) if table.stream else None,
    )
    for index in table.global_indexes:
        construct.add_global_secondary_index(
            index_name=index.name,
            partition_key=_attribute(index.partition_key),
            sort_key=_attribute(index.sort_key) if index.sort_key else None,
            projection_type=getattr(dynamodb.ProjectionType, index.projection.name),
            non_key_attributes=list(index.non_key_attributes) if index.projection is Projection.INCLUDE else None,
        )
    tag(construct, system)
    return construct
