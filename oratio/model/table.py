"""DynamoDB tables: keys, global secondary indexes, billing, recovery, retention, TTL and streams."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import Any

import attrs

from oratio.model import rules
from oratio.model.common import (
    Retention,
    Validated,
    check_enum,
    check_exemptions,
    check_identifier,
    check_int_range,
    check_items,
    check_length,
    check_name,
    check_nested,
    check_type,
    check_unique,
    exemptions_field,
    to_enum,
    to_tuple,
)
from oratio.model.errors import Problem
from oratio.model.grants import Grantable


class AttributeType(enum.StrEnum):
    STRING = "S"
    NUMBER = "N"
    BINARY = "B"


class Billing(enum.StrEnum):
    PAY_PER_REQUEST = "PAY_PER_REQUEST"
    PROVISIONED = "PROVISIONED"


class Projection(enum.StrEnum):
    ALL = "ALL"
    KEYS_ONLY = "KEYS_ONLY"
    INCLUDE = "INCLUDE"


class StreamView(enum.StrEnum):
    KEYS_ONLY = "KEYS_ONLY"
    NEW_IMAGE = "NEW_IMAGE"
    OLD_IMAGE = "OLD_IMAGE"
    NEW_AND_OLD_IMAGES = "NEW_AND_OLD_IMAGES"


@attrs.frozen
class Key(Validated):
    """A key attribute: its name and its type (S, N or B)."""

    _subject = "key"
    name: str
    type: AttributeType = attrs.field(default=AttributeType.STRING, converter=to_enum(AttributeType))

    def problems(self) -> Iterator[Problem]:
        yield from check_type("name", self.name, str, "an attribute name")
        yield from check_length("name", self.name, rules.DDB_ATTRIBUTE_NAME_LENGTH, rules.DDB_ATTRIBUTE_NAME,
                                "attribute name")
        yield from check_enum("type", self.type, AttributeType, rules.DDB_KEY_TYPE)


def _key_problems(partition_key: Any, sort_key: Any) -> Iterator[Problem]:
    yield from check_nested("partition_key", partition_key, Key, "a Key")
    yield from check_nested("sort_key", sort_key, Key, "a Key", optional=True)
    if isinstance(partition_key, Key) and isinstance(sort_key, Key) and partition_key.name == sort_key.name:
        yield Problem("sort_key", rules.DDB_KEY_DISTINCT,
                      f"sort key {sort_key.name!r} is also the partition key")


@attrs.frozen
class GlobalIndex(Validated):
    """A global secondary index (GSI)."""

    _subject = "global index"
    name: str
    partition_key: Key
    sort_key: Key | None = None
    projection: Projection = attrs.field(default=Projection.ALL, converter=to_enum(Projection))
    non_key_attributes: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)

    @property
    def keys(self) -> tuple[Key, ...]:
        return (self.partition_key,) + ((self.sort_key,) if self.sort_key else ())

    def problems(self) -> Iterator[Problem]:
        yield from check_name("name", self.name, rules.DDB_NAME)
        yield from _key_problems(self.partition_key, self.sort_key)
        yield from check_enum("projection", self.projection, Projection)
        if not isinstance(self.non_key_attributes, tuple):
            yield Problem("non_key_attributes", rules.TYPE, "expected a list of attribute names")
        elif self.non_key_attributes and self.projection is not Projection.INCLUDE:
            yield Problem("non_key_attributes", rules.DDB_PROJECTION,
                          f"non-key attributes need projection INCLUDE, not {self.projection}")
        else:
            if len(self.non_key_attributes) not in rules.DDB_INDEX_NON_KEY_ATTRIBUTES:
                yield Problem("non_key_attributes", rules.DDB_PROJECTED,
                              f"{len(self.non_key_attributes)} non-key attributes; "
                              f"{rules.DDB_INDEX_NON_KEY_ATTRIBUTES.span} per index")
            for index, attribute in enumerate(self.non_key_attributes):
                if not isinstance(attribute, str):
                    yield Problem(f"non_key_attributes[{index}]", rules.TYPE,
                                  f"expected an attribute name, got {attribute!r}")
                else:
                    yield from check_length(f"non_key_attributes[{index}]", attribute,
                                            rules.DDB_ATTRIBUTE_NAME_LENGTH, rules.DDB_PROJECTED, "attribute name")
            yield from check_unique("non_key_attributes", self.non_key_attributes, "non-key attribute")


@attrs.frozen
class Table(Grantable, Validated):
    """A DynamoDB table. ``name`` is the logical name; the physical name comes from the system's naming rule."""

    _subject = "table"
    env_suffix = "TABLE"
    name: str
    partition_key: Key
    sort_key: Key | None = None
    global_indexes: tuple[GlobalIndex, ...] = attrs.field(default=(), converter=to_tuple)
    billing: Billing = attrs.field(default=Billing.PAY_PER_REQUEST, converter=to_enum(Billing))
    read_capacity: int | None = None
    write_capacity: int | None = None
    point_in_time_recovery: bool = False
    retention: Retention = attrs.field(default=Retention.RETAIN, converter=to_enum(Retention))
    ttl_attribute: str | None = None
    stream: StreamView | None = attrs.field(default=None, converter=to_enum(StreamView))
    exemptions: tuple = exemptions_field()

    @property
    def keys(self) -> tuple[Key, ...]:
        return (self.partition_key,) + ((self.sort_key,) if self.sort_key else ())

    def attribute_definitions(self) -> dict[str, AttributeType]:
        """Every key attribute of the table and its indexes, with its one type (first declaration wins)."""
        found: dict[str, AttributeType] = {}
        for key in (*self.keys, *(k for index in self.global_indexes for k in index.keys)):
            found.setdefault(key.name, key.type)
        return found

    def problems(self) -> Iterator[Problem]:
        yield from check_identifier("name", self.name, rules.LOGICAL)
        yield from _key_problems(self.partition_key, self.sort_key)
        yield from check_items("global_indexes", self.global_indexes, GlobalIndex, "a GlobalIndex")
        yield from self._index_problems()
        yield from check_enum("billing", self.billing, Billing)
        yield from self._capacity_problems()
        yield from check_type("point_in_time_recovery", self.point_in_time_recovery, bool, "True or False")
        yield from check_enum("retention", self.retention, Retention)
        if self.ttl_attribute is not None:
            yield from check_type("ttl_attribute", self.ttl_attribute, str, "an attribute name")
            yield from check_length("ttl_attribute", self.ttl_attribute, rules.DDB_TTL_NAME_LENGTH, rules.DDB_TTL,
                                    "time-to-live attribute name")
        if self.stream is not None:
            yield from check_enum("stream", self.stream, StreamView)
        yield from check_exemptions(self.exemptions)

    def _index_problems(self) -> Iterator[Problem]:
        if not isinstance(self.global_indexes, tuple):
            return
        indexes = [i for i in self.global_indexes if isinstance(i, GlobalIndex)]
        if len(self.global_indexes) not in rules.DDB_MAX_GSIS:
            yield Problem("global_indexes", rules.DDB_GSI_COUNT,
                          f"{len(self.global_indexes)} global secondary indexes; {rules.DDB_MAX_GSIS.span}")
        yield from check_unique("global_indexes", (i.name for i in indexes), "index")
        projected = sum(len(i.non_key_attributes) for i in indexes if isinstance(i.non_key_attributes, tuple)
                        and i.projection is Projection.INCLUDE)
        if projected not in rules.DDB_MAX_NON_KEY_ATTRIBUTES:
            yield Problem("global_indexes", rules.DDB_PROJECTED,
                          f"{projected} non-key attributes projected over the table's indexes; "
                          f"{rules.DDB_MAX_NON_KEY_ATTRIBUTES.span} (an attribute in two indexes counts twice)")
        # One type per attribute: the table's keys first, then each index's keys in order.
        declared: dict[str, tuple[str, AttributeType]] = {}
        table_keys = [("partition_key", self.partition_key), ("sort_key", self.sort_key)]
        index_keys = [
            (f"global_indexes[{n}].{field}", key)
            for n, index in enumerate(self.global_indexes) if isinstance(index, GlobalIndex)
            for field, key in (("partition_key", index.partition_key), ("sort_key", index.sort_key))
        ]
        for path, key in (*table_keys, *index_keys):
            if not isinstance(key, Key) or not isinstance(key.type, AttributeType) or not isinstance(key.name, str):
                continue
            first = declared.setdefault(key.name, (path, key.type))
            if first[1] is not key.type:
                yield Problem(path, rules.DDB_ATTRIBUTE_TYPE,
                              f"attribute {key.name!r} is {key.type} here but {first[1]} at {first[0]}")

    def _capacity_problems(self) -> Iterator[Problem]:
        capacities = (("read_capacity", self.read_capacity), ("write_capacity", self.write_capacity))
        if self.billing is Billing.PROVISIONED:
            for field, value in capacities:
                if value is None:
                    yield Problem(field, rules.DDB_CAPACITY, "a PROVISIONED table needs a capacity")
                else:
                    yield from check_int_range(field, value, rules.DDB_CAPACITY_UNITS, rules.DDB_CAPACITY)
        else:
            for field, value in capacities:
                if value is not None:
                    yield Problem(field, rules.DDB_CAPACITY, "an on-demand (PAY_PER_REQUEST) table has no capacity")
