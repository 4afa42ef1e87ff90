"""The Oratio platform has exactly the design's resources, with the issue's fixes (tests read the model)."""

from __future__ import annotations

import pytest

from oratio.model import (
    Access,
    AttributeType,
    Billing,
    Choice,
    Encryption,
    Fail,
    Projection,
    Retention,
    ServiceGrant,
    StorageClass,
    System,
    Task,
    Wait,
)
from oratio.platform import platform

S, N = AttributeType.STRING, AttributeType.NUMBER


@pytest.fixture(scope="module")
def dev() -> System:
    return platform("dev")


def test_exactly_the_designs_resources(dev: System) -> None:
    assert [t.name for t in dev.tables] == ["users", "agents", "sessions", "api-keys", "notifications"]
    assert [b.name for b in dev.buckets] == ["knowledge-bases", "generated-code", "recordings"]
    assert [f.name for f in dev.functions] == ["kb-provisioner", "agentcreator-invoker", "agentcore-deployer"]
    assert [w.name for w in dev.workflows] == ["agent-creation"]
    assert [p.name for p in dev.user_pools] == ["users"]
    assert [c.name for c in dev.user_pools[0].clients] == ["web"]


@pytest.mark.parametrize(
    ("table", "keys", "indexes"),
    [
        ("users", [("userId", S)], {}),
        ("agents", [("userId", S), ("agentId", S)], {"agentId-index": [("agentId", S)]}),
        ("sessions", [("sessionId", S), ("timestamp", N)],
         {"agentId-timestamp-index": [("agentId", S), ("timestamp", N)]}),
        ("api-keys", [("apiKeyHash", S)], {"userId-agentId-index": [("userId", S), ("agentId", S)]}),
        ("notifications", [("notificationId", S), ("timestamp", N)],
         {"userId-status-index": [("userId", S), ("status", S)]}),
    ],
)
def test_tables(dev: System, table: str, keys: list, indexes: dict) -> None:
    value = dev.table(table)
    assert [(k.name, k.type) for k in value.keys] == keys
    assert {i.name: [(k.name, k.type) for k in i.keys] for i in value.global_indexes} == indexes
    assert all(i.projection is Projection.ALL for i in value.global_indexes)
    assert value.billing is Billing.PAY_PER_REQUEST
    assert value.retention is Retention.RETAIN
    assert value.point_in_time_recovery is True


def test_buckets(dev: System) -> None:
    for bucket in dev.buckets:
        assert bucket.encryption is Encryption.S3_MANAGED
        assert bucket.block_public_access and bucket.enforce_tls
        assert bucket.retention is Retention.RETAIN
    kb, code, recordings = (dev.bucket(n) for n in ("knowledge-bases", "generated-code", "recordings"))
    assert kb.versioned and code.versioned and not recordings.versioned
    assert [r.noncurrent_version_expiration_days for r in kb.lifecycle_rules] == [90]
    assert code.lifecycle_rules == ()
    (archive,) = recordings.lifecycle_rules
    assert [(t.storage_class, t.days) for t in archive.transitions] == [
        (StorageClass.STANDARD_IA, 30), (StorageClass.GLACIER, 90)]


@pytest.mark.parametrize(
    ("function", "timeout_s", "memory_mb", "grants", "bedrock_actions"),
    [
        ("kb-provisioner", 300, 512, {("agents", Access.READ_WRITE), ("knowledge-bases", Access.READ)},
         {"CreateKnowledgeBase", "CreateDataSource", "StartIngestionJob"}),
        ("agentcreator-invoker", 900, 1024, {("agents", Access.READ_WRITE), ("generated-code", Access.READ)},
         {"InvokeAgent"}),
        ("agentcore-deployer", 600, 1024, {("agents", Access.READ_WRITE), ("generated-code", Access.READ)},
         {"CreateAgent", "UpdateAgent", "PrepareAgent", "CreateAgentAlias"}),
    ],
)
def test_functions(dev: System, function: str, timeout_s: int, memory_mb: int, grants: set,
                   bedrock_actions: set) -> None:
    value = dev.function(function)
    assert (value.timeout_s, value.memory_mb) == (timeout_s, memory_mb)
    assert value.code == f"lambdas/{function.replace('-', '_')}"
    assert {(g.target.name, g.access) for g in value.resource_grants} == grants
    (service,) = [g for g in value.service_grants if g.service == "bedrock"]
    assert isinstance(service, ServiceGrant) and set(service.actions) == bedrock_actions
    assert service.resources == ("*",) and service.reason
    # Passing a Bedrock service role: only the provisioner (knowledge bases) and the deployer (agents) do.
    passes = [g for g in value.service_grants if g.service == "iam"]
    assert [(g.actions, g.resources) for g in passes] == {
        "kb-provisioner": [(("PassRole",), ("arn:aws:iam::*:role/oratio-bedrock-knowledge-base",))],
        "agentcore-deployer": [(("PassRole",), ("arn:aws:iam::*:role/oratio-bedrock-agent",))],
    }.get(function, [])


def test_environment_is_derived_from_grants(dev: System) -> None:
    names = dev.physical_names("111122223333")
    env = dev.environment(dev.function("kb-provisioner"), names)
    derived = {k: v for k, v in env.items() if k in ("AGENTS_TABLE", "KNOWLEDGE_BASES_BUCKET")}
    assert derived == {"AGENTS_TABLE": "oratio-dev-agents",
                       "KNOWLEDGE_BASES_BUCKET": "oratio-dev-knowledge-bases-111122223333"}
    assert set(env) - set(derived) == {"KNOWLEDGE_BASE_ROLE_NAME", "EMBEDDING_MODEL_ARN", "VECTOR_COLLECTION_ARN"}


def test_stages_never_collide() -> None:
    systems = [platform(stage) for stage in ("dev", "prod", "local")]
    physical = [set(s.physical_names("111122223333").values()) for s in systems]
    assert not (physical[0] & physical[1]) and not (physical[0] & physical[2]) and not (physical[1] & physical[2])


@pytest.mark.parametrize(("stage", "wait_s"), [("dev", 30), ("prod", 30), ("local", 1)])
def test_workflow_is_bounded_and_records_failures(stage: str, wait_s: int) -> None:
    workflow = platform(stage).workflow("agent-creation")
    wait = workflow.state("WaitForCode")
    assert isinstance(wait, Wait) and wait.seconds == wait_s
    choice = workflow.state("CodeReady?")
    assert isinstance(choice, Choice) and choice.default == "WaitForCode"
    # The loop has a way out: a branch on the number of checks leads to the failure path.
    bound = [b for b in choice.branches if b.condition.variable == "$.loop.checks"]
    assert len(bound) == 1 and bound[0].next == "CodeNeverReady"
    # Every task but the failure recorder retries transient errors and is caught into RecordFailure.
    for task in workflow.tasks:
        assert task.retries, task.name
        if task.name != "RecordFailure":
            assert [c.next for c in task.catches] == ["RecordFailure"], task.name
    record = workflow.state("RecordFailure")
    assert isinstance(record, Task) and record.function == "agentcore-deployer"
    assert dict(record.payload)["action"] == "mark_failed"
    assert isinstance(workflow.state(record.next), Fail)
