"""What every kind's rendering shares: construct ids from model names, where a stack is, retention, tags, logs."""

from __future__ import annotations

from aws_cdk import Aws, RemovalPolicy, Tags
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from oratio.model import Retention, System
from oratio.model.permissions import Place

# CloudFormation's pseudo parameters: the stack's own partition, region and account, resolved at deploy time.
PLACE = Place(Aws.PARTITION, Aws.REGION, Aws.ACCOUNT_ID)

REMOVAL = {Retention.RETAIN: RemovalPolicy.RETAIN, Retention.DESTROY: RemovalPolicy.DESTROY}

# Log groups are made explicit so that their retention and removal are ours, not a default. Logs go with
# their function or state machine (DESTROY): a retained group with a fixed name would block the next deploy.
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS


def construct_id(name: str) -> str:
    """``api-keys`` → ``ApiKeys``: the construct id (and so the logical id's stem) of a model resource."""
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


def tag(construct: IConstruct, system: System) -> None:
    """The system's tags (``oratio:system``, ``oratio:stage`` and the model's own) on a construct and its children."""
    for key, value in system.tags.items():
        Tags.of(construct).add(key, value)


def log_group(scope: Construct, log_id: str, name: str) -> logs.LogGroup:
    """A function's or state machine's own log group: kept three months, removed with its owner."""
    return logs.LogGroup(scope, log_id, log_group_name=name, retention=LOG_RETENTION,
                         removal_policy=RemovalPolicy.DESTROY)
