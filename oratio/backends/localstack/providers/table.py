"""DynamoDB tables: keys, billing, global secondary indexes, point-in-time recovery, TTL and streams."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from oratio.backends.localstack.providers.base import (
    MEASURE_BOUND,
    PAIRS,
    Context,
    Live,
    Measure,
    Provider,
    Spec,
    concurrently,
    listed,
    unless_missing,
    wait,
)
from oratio.backends.localstack.target import Target
from oratio.model import Billing, Key, Projection, Retention, System, Table

KEY_ROLES = ("HASH", "RANGE")  # the partition key, then the sort key
HEALTH_WAIT_S = 60.0  # how long up waits for a table or index in a passing state before it says what is stuck


def _key_schema(keys: tuple[Key, ...] | list[Key]) -> list[list[str]]:
    return [[k.name, role, k.type.value] for k, role in zip(keys, KEY_ROLES, strict=False)]


def _keys(schema: list[dict[str, str]], types: dict[str, str]) -> list[list[str]]:
    """DynamoDB's key schema as the spec writes it: [name, role, type], partition key first."""
    return [[k["AttributeName"], k["KeyType"], types[k["AttributeName"]]]
            for k in sorted(schema, key=lambda k: KEY_ROLES.index(k["KeyType"]))]


def _attributes(keys: list[list[str]]) -> list[dict[str, str]]:
    return [{"AttributeName": name, "AttributeType": kind} for name, _, kind in keys]


def _throughput(capacity: list[int]) -> dict[str, int]:
    return {"ReadCapacityUnits": capacity[0], "WriteCapacityUnits": capacity[1]}


def _index(name: str, index: dict[str, Any], provisioned: list[int] | None) -> dict[str, Any]:
    projection: dict[str, Any] = {"ProjectionType": index["projection"]}
    if index["non_key"]:
        projection["NonKeyAttributes"] = index["non_key"]
    rendered = {"IndexName": name, "KeySchema": [{"AttributeName": k[0], "KeyType": k[1]} for k in index["keys"]],
                "Projection": projection}
    if provisioned:
        rendered["ProvisionedThroughput"] = _throughput(provisioned)
    return rendered


class TableProvider(Provider):
    kind = "table"
    level = 0
    collection = "tables"
    holds_data = True
    replace_fields = frozenset({"keys"})

    def desired(self, resource: Table, context: Context) -> list[Spec]:
        table, provisioned = resource, resource.billing is Billing.PROVISIONED
        return [Spec("table", table.name, context.system.physical_name(table), {
            "keys": _key_schema(table.keys),
            "billing": table.billing.value,
            "capacity": [table.read_capacity, table.write_capacity] if provisioned else None,
            "indexes": {i.name: {
                "keys": _key_schema(i.keys),
                "projection": i.projection.value,
                "non_key": list(i.non_key_attributes) if i.projection is Projection.INCLUDE else [],
            } for i in table.global_indexes},
            "point_in_time_recovery": table.point_in_time_recovery,
            "ttl_attribute": table.ttl_attribute,
            "stream": table.stream.value if table.stream else None,
        }, retain=table.retention is Retention.RETAIN)]

    def read(self, target: Target, spec: Spec) -> Live | None:
        ddb = target.client("dynamodb")
        table = unless_missing(lambda: ddb.describe_table(TableName=spec.physical)["Table"],
                               "ResourceNotFoundException")
        if table is None:
            return None
        if table.get("TableStatus") == "DELETING":
            wait(lambda: self.read(target, spec) is None, f"deleting table {spec.physical}")
            return None
        types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
        billing = table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
        throughput = table.get("ProvisionedThroughput", {})
        backups, ttl, tags = concurrently(
            lambda: ddb.describe_continuous_backups(TableName=spec.physical)["ContinuousBackupsDescription"],
            lambda: ddb.describe_time_to_live(TableName=spec.physical).get("TimeToLiveDescription", {}),
            lambda: self._tags(target, table["TableArn"]))
        pitr = backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus") == "ENABLED"
        stream = table.get("StreamSpecification", {})
        problems = tuple([f"table status {table['TableStatus']}"] if table.get("TableStatus") != "ACTIVE" else []) + \
            tuple(f"index {i['IndexName']} status {i['IndexStatus']}" for i in table.get("GlobalSecondaryIndexes", [])
                  if i.get("IndexStatus", "ACTIVE") != "ACTIVE")
        return Live({
            "keys": _keys(table["KeySchema"], types),
            "billing": billing,
            "capacity": [throughput.get("ReadCapacityUnits"), throughput.get("WriteCapacityUnits")]
            if billing == "PROVISIONED" else None,
            "indexes": {i["IndexName"]: {
                "keys": _keys(i["KeySchema"], types),
                "projection": i["Projection"]["ProjectionType"],
                "non_key": list(i["Projection"].get("NonKeyAttributes", [])),
            } for i in table.get("GlobalSecondaryIndexes", [])},
            "point_in_time_recovery": pitr,
            "ttl_attribute": ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
            else None,
            "stream": stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
        }, tags, problems)

    def measure(self, target: Target, physical: str) -> Measure:
        """Items, counted with Scan Select=COUNT page by page up to ``MEASURE_BOUND``."""
        ddb, count, start = target.client("dynamodb"), 0, None
        while True:
            page = ddb.scan(TableName=physical, Select="COUNT", Limit=MEASURE_BOUND,
                            **({"ExclusiveStartKey": start} if start else {}))
            count += page["Count"]
            start = page.get("LastEvaluatedKey")
            if not start or count >= MEASURE_BOUND:
                return Measure(count, "item", at_least=bool(start))

    def _active(self, target: Target, name: str) -> bool:
        table = target.client("dynamodb").describe_table(TableName=name)["Table"]
        return table["TableStatus"] == "ACTIVE" and all(
            i.get("IndexStatus", "ACTIVE") == "ACTIVE" for i in table.get("GlobalSecondaryIndexes", []))

    def _wait_active(self, target: Target, spec: Spec, what: str) -> None:
        wait(lambda: self._active(target, spec.physical), what)

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        props = spec.props
        attributes = {k[0]: k[2] for k in props["keys"]}
        for index in props["indexes"].values():
            attributes.update({k[0]: k[2] for k in index["keys"]})
        request: dict[str, Any] = {
            "TableName": spec.physical,
            "KeySchema": [{"AttributeName": k[0], "KeyType": k[1]} for k in props["keys"]],
            "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in sorted(attributes.items())],
            "BillingMode": props["billing"],
            "Tags": PAIRS.to_list(tags),
        }
        if props["capacity"]:
            request["ProvisionedThroughput"] = _throughput(props["capacity"])
        if props["indexes"]:
            request["GlobalSecondaryIndexes"] = [_index(n, i, props["capacity"]) for n, i in props["indexes"].items()]
        if props["stream"]:
            request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": props["stream"]}
        target.client("dynamodb").create_table(**request)
        self._wait_active(target, spec, f"creating table {spec.physical}")
        self._settings(target, spec, {"point_in_time_recovery", "ttl_attribute"}, creating=True)

    def _settings(self, target: Target, spec: Spec, fields: set[str], creating: bool = False) -> None:
        ddb, props = target.client("dynamodb"), spec.props
        if "point_in_time_recovery" in fields and (props["point_in_time_recovery"] or not creating):
            ddb.update_continuous_backups(TableName=spec.physical, PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": props["point_in_time_recovery"]})
        if "ttl_attribute" in fields and props["ttl_attribute"]:
            ddb.update_time_to_live(TableName=spec.physical, TimeToLiveSpecification={
                "Enabled": True, "AttributeName": props["ttl_attribute"]})

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        ddb, props = target.client("dynamodb"), spec.props
        if "health" in fields:  # a table or index in a passing state: wait for it, or say what is stuck
            wait(lambda: self._active(target, spec.physical), f"table {spec.physical} becoming ACTIVE (it was "
                 "CREATING, UPDATING or DELETING an index)", HEALTH_WAIT_S)
        live = self.read(target, spec)
        assert live is not None
        if "ttl_attribute" in fields and live.props["ttl_attribute"] and \
                live.props["ttl_attribute"] != props["ttl_attribute"]:
            ddb.update_time_to_live(TableName=spec.physical, TimeToLiveSpecification={
                "Enabled": False, "AttributeName": live.props["ttl_attribute"]})
        if fields & {"billing", "capacity"}:
            request: dict[str, Any] = {"TableName": spec.physical, "BillingMode": props["billing"]}
            if props["capacity"]:
                request["ProvisionedThroughput"] = _throughput(props["capacity"])
            ddb.update_table(**request)
            self._wait_active(target, spec, f"updating table {spec.physical}")
        if "stream" in fields:
            stream = {"StreamEnabled": True, "StreamViewType": props["stream"]} if props["stream"] else \
                {"StreamEnabled": False}
            if live.props["stream"] and props["stream"]:  # a view type changes by disabling, then enabling
                ddb.update_table(TableName=spec.physical, StreamSpecification={"StreamEnabled": False})
                self._wait_active(target, spec, f"updating table {spec.physical}")
            ddb.update_table(TableName=spec.physical, StreamSpecification=stream)
            self._wait_active(target, spec, f"updating table {spec.physical}")
        if "indexes" in fields:
            self._update_indexes(target, spec, live.props["indexes"])
        self._settings(target, spec, fields)
        table_arn = ddb.describe_table(TableName=spec.physical)["Table"]["TableArn"]
        ddb.tag_resource(ResourceArn=table_arn, Tags=PAIRS.to_list(tags))

    def _update_indexes(self, target: Target, spec: Spec, live: dict[str, Any]) -> None:
        # DynamoDB takes one index creation or deletion per UpdateTable, each after the last is ACTIVE.
        ddb, wanted = target.client("dynamodb"), spec.props["indexes"]
        for name, index in live.items():
            if wanted.get(name) != index:
                ddb.update_table(TableName=spec.physical, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": name}}])
                wait(lambda n=name: n not in self._index_names(target, spec.physical), f"deleting index {name}")
        for name, index in wanted.items():
            if live.get(name) != index:
                ddb.update_table(TableName=spec.physical, AttributeDefinitions=_attributes(
                    spec.props["keys"] + index["keys"]), GlobalSecondaryIndexUpdates=[
                    {"Create": _index(name, index, spec.props["capacity"])}])
                self._wait_active(target, spec, f"creating index {name}")

    @staticmethod
    def _index_names(target: Target, name: str) -> set[str]:
        table = target.client("dynamodb").describe_table(TableName=name)["Table"]
        return {i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])}

    def delete(self, target: Target, physical: str) -> None:
        target.client("dynamodb").delete_table(TableName=physical)

    def listing(self, target: Target, prefix: str) -> Iterable[tuple[str, Any]]:
        return ((name, name) for name in listed(target.client("dynamodb"), "list_tables", "TableNames"))

    def listed_tags(self, target: Target, physical: str, item: Any) -> dict[str, str]:
        return self._tags(target, target.client("dynamodb").describe_table(TableName=physical)["Table"]["TableArn"])

    @staticmethod
    def _tags(target: Target, table_arn: str) -> dict[str, str]:
        return PAIRS.to_dict(target.client("dynamodb").list_tags_of_resource(ResourceArn=table_arn).get("Tags"))

    def output(self, target: Target, system: System, resource: Table) -> str:
        return system.physical_name(resource)
