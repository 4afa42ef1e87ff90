"""The log group provider: a group that Lambda made before the apply (a function that logged first) is taken
over with the model's retention, not refused. (The system's tags are sent too, but this LocalStack keeps only the
tags a group is created with: TagLogGroup and TagResource on a log group are accepted and not stored.)"""

from __future__ import annotations

import uuid

import pytest

from oratio.backends.localstack import Target
from oratio.backends.localstack.providers import ownership_tags
from oratio.backends.localstack.providers.log_group import LOG_RETENTION_DAYS, LogGroupProvider

pytestmark = pytest.mark.localstack


def test_a_group_made_first_by_lambda_is_taken_over_with_the_models_retention(target: Target) -> None:
    provider = LogGroupProvider()
    spec = provider.spec("function/writer", f"/aws/lambda/lg{uuid.uuid4().hex[:8]}-dev-writer")
    target.client("logs").create_log_group(logGroupName=spec.physical)  # as Lambda does on a first log line
    before = provider.read(target, spec)
    assert before is not None and before.owner() is None and before.props["retention_days"] is None
    provider.create(target, spec, ownership_tags(("lg", "dev"), spec))
    after = provider.read(target, spec)
    assert after is not None and after.props == {"retention_days": LOG_RETENTION_DAYS}
    provider.delete(target, spec.physical)
    assert provider.read(target, spec) is None
