"""The agent's record in the agents table (partition key userId, sort key agentId): its status, its
specification, and the ids of what was made for it."""

from __future__ import annotations

import os
import time
from functools import cache
from typing import Any

from common.errors import AgentNotFound

REQUESTED, PROVISIONING, GENERATING, DEPLOYING, DEPLOYED, FAILED = (
    "requested", "provisioning", "generating", "deploying", "deployed", "failed")


@cache
def _table() -> Any:
    import boto3

    return boto3.resource("dynamodb").Table(os.environ["AGENTS_TABLE"])


def get(user_id: str, agent_id: str) -> dict[str, Any]:
    item = _table().get_item(Key={"userId": user_id, "agentId": agent_id}, ConsistentRead=True).get("Item")
    if item is None:
        raise AgentNotFound(f"no agent {agent_id} for user {user_id}")
    return item


def create(user_id: str, agent_id: str, specification: dict[str, Any]) -> dict[str, Any]:
    """A new agent's record, status "requested" (never overwriting one: agent ids are made by the platform)."""
    item = {"userId": user_id, "agentId": agent_id, "status": REQUESTED, "specification": specification,
            "createdAt": int(time.time())}
    _table().put_item(Item=item, ConditionExpression="attribute_not_exists(agentId)")
    return item


def of_user(user_id: str) -> list[dict[str, Any]]:
    """Every agent record of one user (a query on the partition key: never another user's)."""
    from boto3.dynamodb.conditions import Key

    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"KeyConditionExpression": Key("userId").eq(user_id), "ConsistentRead": True}
    while True:
        page = _table().query(**request)
        items += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def update(user_id: str, agent_id: str, **fields: Any) -> dict[str, Any]:
    """Set ``fields`` (and updatedAt) on an existing record; returns the record as it now is."""
    fields["updatedAt"] = int(time.time())
    names = {f"#f{i}": name for i, name in enumerate(fields)}
    values = {f":v{i}": value for i, value in enumerate(fields.values())}
    expression = "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields)))
    from botocore.exceptions import ClientError

    try:
        return _table().update_item(
            Key={"userId": user_id, "agentId": agent_id}, UpdateExpression=expression,
            ExpressionAttributeNames=names, ExpressionAttributeValues=values,
            ConditionExpression="attribute_exists(agentId)", ReturnValues="ALL_NEW")["Attributes"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise AgentNotFound(f"no agent {agent_id} for user {user_id}") from None
        raise
