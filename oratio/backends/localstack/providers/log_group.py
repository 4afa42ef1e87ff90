"""CloudWatch log groups: a function's and a logging workflow's, with the same retention as the CDK backend."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from oratio.backends.localstack.providers.base import Live, Provider, Spec, create_unless_exists, listed
from oratio.backends.localstack.target import Target

LOG_RETENTION_DAYS = 90  # as the CDK backend: three months
# Where Lambda and Step Functions log groups live; a system's groups are found under these prefixes.
GROUP_PREFIXES = ("/aws/lambda/", "/aws/vendedlogs/states/", "/aws/vendedlogs/apis/")


class LogGroupProvider(Provider):
    kind = "log-group"
    level = 0

    @staticmethod
    def spec(name: str, physical: str) -> Spec:
        """The log group of ``name`` ("function/<name>" or "workflow/<name>")."""
        return Spec("log-group", name, physical, {"retention_days": LOG_RETENTION_DAYS})

    def read(self, target: Target, spec: Spec) -> Live | None:
        groups = target.client("logs").describe_log_groups(logGroupNamePrefix=spec.physical).get("logGroups", [])
        group = next((g for g in groups if g["logGroupName"] == spec.physical), None)
        if group is None:
            return None
        return Live({"retention_days": group.get("retentionInDays")}, self.listed_tags(target, spec.physical, group))

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        logs = target.client("logs")
        # Lambda may have made it first, when it logged before this apply: then it only gets the tags.
        if not create_unless_exists(lambda: logs.create_log_group(logGroupName=spec.physical, tags=tags),
                                    "ResourceAlreadyExistsException"):
            logs.tag_log_group(logGroupName=spec.physical, tags=tags)
        logs.put_retention_policy(logGroupName=spec.physical, retentionInDays=spec.props["retention_days"])

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        logs = target.client("logs")
        logs.put_retention_policy(logGroupName=spec.physical, retentionInDays=spec.props["retention_days"])
        logs.tag_log_group(logGroupName=spec.physical, tags=tags)

    def delete(self, target: Target, physical: str) -> None:
        target.client("logs").delete_log_group(logGroupName=physical)

    def listing(self, target: Target, prefix: str) -> Iterable[tuple[str, Any]]:
        logs = target.client("logs")
        return ((group["logGroupName"], group) for group_prefix in GROUP_PREFIXES
                for group in listed(logs, "describe_log_groups", "logGroups", logGroupNamePrefix=group_prefix + prefix))

    def named_for(self, physical: str, prefix: str) -> bool:
        """Log groups are named by where they log, then the system's prefix (``/aws/lambda/<prefix>...``)."""
        return any(physical.startswith(group_prefix + prefix) for group_prefix in GROUP_PREFIXES)

    def listed_tags(self, target: Target, physical: str, item: Any) -> dict[str, str]:
        return target.client("logs").list_tags_log_group(logGroupName=physical).get("tags", {})
