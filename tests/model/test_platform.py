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
    assert [f.name for f in dev.functions] == ["kb-provisioner", "agentcreator-invoker", "agentcore-deployer", "api"]
    assert [w.name for w in dev.workflows] == ["agent-creation"]
    assert [p.name for p in dev.user_pools] == ["users"]
    assert [c.name for c in dev.user_pools[0].clients] == ["web"]
    assert [a.name for a in dev.http_apis] == ["api"]


def test_the_api_protects_every_route_with_the_users_pool(dev: System) -> None:
    (api,) = dev.http_apis
    assert [route.key for route in api.routes] == [
        "POST /agents", "GET /agents", "GET /agents/{agentId}", "POST /agents/{agentId}/documents",
        "POST /agents/{agentId}/invoke"]
    assert api.protected_routes == api.routes  # no public route
    assert {route.function for route in api.routes} == {"api"}
    assert (api.authorizer.user_pool, api.authorizer.clients) == ("users", ("web",))


def test_the_api_function_may_do_exactly_what_its_routes_need(dev: System) -> None:
    """States:StartExecution on the platform's one state machine; PutObject (presigned uploads) on the documents'
    bucket only; the agents table; InvokeAgentRuntime on the runtimes the deployer names, not the AgentCreator."""
    from oratio.model.permissions import Place, arn, function_statements

    place = Place("aws", "us-east-1", "111122223333")
    pairs = {(action, arn(resource, dev, place)) for action, resource in
             ((a, r) for s in function_statements(dev.function("api")) for a in s.actions for r in s.resources)}
    by_service = {}
    for action, resource in pairs:
        by_service.setdefault(action.split(":")[0], set()).add((action, resource))
    assert set(by_service) == {"logs", "dynamodb", "s3", "states", "bedrock-agentcore"}
    assert by_service["states"] == {
        ("states:StartExecution", "arn:aws:states:us-east-1:111122223333:stateMachine:oratio-dev-agent-creation")}
    assert by_service["s3"] == {("s3:PutObject", "arn:aws:s3:::oratio-dev-knowledge-bases-111122223333/*")}
    assert {r for _, r in by_service["dynamodb"]} == {
        "arn:aws:dynamodb:us-east-1:111122223333:table/oratio-dev-agents",
        "arn:aws:dynamodb:us-east-1:111122223333:table/oratio-dev-agents/index/agentId-index"}
    runtimes = "arn:aws:bedrock-agentcore:us-east-1:111122223333:runtime/oratio_dev_agent_*"
    assert by_service["bedrock-agentcore"] == {
        (action, resource)
        for action in ("bedrock-agentcore:InvokeAgentRuntime", "bedrock-agentcore:StopRuntimeSession")
        for resource in (runtimes, runtimes + "/runtime-endpoint/*")}
    # The AgentCreator's runtime (oratio_dev_agentcreator-<id>) is not matched by the pattern.
    import fnmatch

    creator = f"arn:aws:bedrock-agentcore:us-east-1:111122223333:runtime/{dev.runtime_name(dev.agent_runtimes[0])}-x1"
    assert not fnmatch.fnmatchcase(creator, runtimes)


def test_the_deployers_runtime_names_are_those_the_api_may_invoke(dev: System, monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    """The deployer names each agent's runtime; the API's grant names the same prefix (two places, one test)."""
    import importlib.util
    import sys
    from pathlib import Path

    from oratio.platform import GENERATED_AGENTS_PREFIX

    root = Path(__file__).resolve().parents[2]
    monkeypatch.syspath_prepend(str(root / "lambdas"))
    monkeypatch.syspath_prepend(str(root / "agents"))
    monkeypatch.setenv("AGENT_RUNTIME_PREFIX", dev.environment(dev.function("agentcore-deployer"), dev.physical_names(
        "111122223333"))["AGENT_RUNTIME_PREFIX"])
    spec = importlib.util.spec_from_file_location("deployer_for_names", root / "lambdas/agentcore_deployer/handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "deployer_for_names", module)
    spec.loader.exec_module(module)
    assert module.runtime_name("user-1", "agent-1").startswith(dev.runtime_prefix + GENERATED_AGENTS_PREFIX)


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
    assert kb.versioned and code.versioned and recordings.versioned
    assert [r.noncurrent_version_expiration_days for r in kb.lifecycle_rules] == [90]
    assert code.lifecycle_rules == ()
    (archive,) = recordings.lifecycle_rules
    assert archive.noncurrent_version_expiration_days == 30
    assert [(t.storage_class, t.days) for t in archive.transitions] == [
        (StorageClass.STANDARD_IA, 30), (StorageClass.GLACIER, 90)]


@pytest.mark.parametrize(
    ("function", "timeout_s", "memory_mb", "grants", "bedrock_actions"),
    [
        ("kb-provisioner", 300, 512, {("agents", Access.READ_WRITE), ("knowledge-bases", Access.READ)},
         {"CreateKnowledgeBase", "CreateDataSource", "StartIngestionJob"}),
        ("agentcreator-invoker", 900, 1024, {("agents", Access.READ_WRITE), ("generated-code", Access.READ)}, None),
        ("agentcore-deployer", 600, 1024, {("agents", Access.READ_WRITE), ("generated-code", Access.READ_WRITE)},
         None),
        ("api", 30, 512, {("agents", Access.READ_WRITE), ("knowledge-bases", Access.PUT)}, None),
    ],
)
def test_functions(dev: System, function: str, timeout_s: int, memory_mb: int, grants: set,
                   bedrock_actions: set | None) -> None:
    value = dev.function(function)
    assert (value.timeout_s, value.memory_mb) == (timeout_s, memory_mb)
    assert value.code == f"lambdas/{function.replace('-', '_')}"
    assert {(g.target.name, g.access) for g in value.resource_grants} == grants
    services = [g for g in value.service_grants if g.service == "bedrock"]
    if bedrock_actions is None:  # Bedrock Agents are gone: the invoker and the deployer use AgentCore
        assert services == []
    else:
        (service,) = services
        assert isinstance(service, ServiceGrant) and set(service.actions) == bedrock_actions
        assert service.resources == ("*",) and service.reason
    # No role is passed by a pattern any more: only the model's own service roles, by grant.
    assert [g for g in value.service_grants if g.service == "iam"] == []


def test_the_ai_layer_is_in_the_model(dev: System) -> None:
    from oratio.model import TargetGrant, TrustedService
    from oratio.model.grants import RuntimeManagementGrant

    (creator,) = dev.agent_runtimes
    assert (creator.name, creator.code, creator.entry_point) == ("agentcreator", "agents/agentcreator", ("main.py",))
    assert {r.name: r.service for r in dev.service_roles} == {
        "knowledge-base": TrustedService.BEDROCK_KNOWLEDGE_BASES, "agents": TrustedService.AGENTCORE_RUNTIME}
    assert [v.name for v in dev.vector_buckets] == ["knowledge-vectors"]
    invoker, deployer = dev.function("agentcreator-invoker"), dev.function("agentcore-deployer")
    assert [(g.target, g.action) for g in invoker.grants if isinstance(g, TargetGrant)] == [(creator, "invoke")]
    (manage,) = [g for g in deployer.grants if isinstance(g, RuntimeManagementGrant)]
    assert manage.execution_role == dev.service_role("agents")


def test_environment_is_derived_from_grants(dev: System) -> None:
    names = dev.physical_names("111122223333")
    env = dev.environment(dev.function("kb-provisioner"), names)
    assert env == {"AGENTS_TABLE": "oratio-dev-agents",
                   "KNOWLEDGE_BASES_BUCKET": "oratio-dev-knowledge-bases-111122223333",
                   "KNOWLEDGE_VECTORS_VECTOR_BUCKET": "oratio-dev-knowledge-vectors",
                   "KNOWLEDGE_BASE_ROLE_ARN": "arn:aws:iam::111122223333:role/oratio-dev-knowledge-base",
                   "EMBEDDING_MODEL_ID": "amazon.titan-embed-text-v2:0", "EMBEDDING_DIMENSIONS": "1024"}
    names["agent-runtime:agentcreator"] = "arn:aws:bedrock-agentcore:us-east-1:111122223333:runtime/x"
    assert dev.environment(dev.function("agentcreator-invoker"), names)["AGENTCREATOR_RUNTIME_ARN"] == \
        names["agent-runtime:agentcreator"]
    assert dev.environment(dev.function("agentcore-deployer"), names)["AGENT_RUNTIME_PREFIX"] == "oratio_dev_"


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_stage_settings_hold_no_placeholders(stage: str) -> None:
    text = repr(platform(stage))
    for placeholder in ("AGENTCREATOR", "TSTALIASID", "000000000000", "aoss"):
        assert placeholder not in text


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
