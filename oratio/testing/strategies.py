"""Hypothesis strategies for the model, in one place: valid values across AWS's rules, and invalid values that
break exactly one rule each. Limits, character classes and lists come from ``oratio.model.rules``, the table
the validators read, so what is generated and what is accepted cannot drift apart.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

import attrs
from hypothesis import strategies as st

from oratio.model import (
    AgentRuntime,
    AppClient,
    AttributeType,
    AuthFlow,
    Billing,
    Branch,
    Bucket,
    Catch,
    Choice,
    Condition,
    Encryption,
    Fail,
    Function,
    GlobalIndex,
    Key,
    LifecycleRule,
    Mfa,
    Operator,
    Pass,
    PasswordPolicy,
    Projection,
    Retention,
    Retry,
    ServiceGrant,
    ServiceRole,
    SignInAlias,
    StorageClass,
    StreamView,
    Succeed,
    System,
    Table,
    Task,
    Transition,
    TrustedService,
    UserPool,
    VectorBucket,
    Wait,
    Workflow,
    foundation_model,
    path,
    rules,
)
from oratio.model.rules import NameRule

# Every generated function bundles this folder (relative to the project root the tests pass): the bundler caches
# it once, so examples cost a render, not a pip install.
# The code folder of generated functions, relative to the project root the backends are given (this repository's
# test fixture; a project rendering generated systems passes a root holding such a folder).
FUNCTION_CODE = "tests/fixtures/function"
AGENT_CODE = "tests/fixtures/agent"  # the same for agent runtimes (an entry point main.py, no requirements)
# Model ids a grant may name: foundation models and a cross-region inference profile (Bedrock user guide).
MODEL_IDS = ("anthropic.claude-3-5-haiku-20241022-v1:0", "amazon.titan-embed-text-v2:0",
             "us.anthropic.claude-3-5-haiku-20241022-v1:0", "eu.amazon.nova-lite-v1:0")
ACCOUNT_DIGITS = 12  # bucket names end in the account id (12 digits) unless a suffix is set


# --- Names, from the rule table ---------------------------------------------------------------------------------
def _alphabet(rule: NameRule) -> str:
    """The characters a NameRule's class allows, expanded (``a-z0-9-`` → ``abc...xyz0...9-``)."""
    chars, body, i = [], rule.chars, 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            chars += [chr(c) for c in range(ord(body[i]), ord(body[i + 2]) + 1)]
            i += 3
        else:
            chars.append(body[i])
            i += 1
    return "".join(chars)


def identifiers(rule: NameRule, max_length: int | None = None) -> st.SearchStrategy[str]:
    """Names the model accepts under an identifier rule: a letter first, no '-' last (LOGICAL, SYSTEM, ...)."""
    alphabet = _alphabet(rule)
    letters = "".join(c for c in alphabet if c.isalpha())
    top = min(rule.max_length, max_length or rule.max_length)
    middle = st.text(alphabet, min_size=0, max_size=max(0, top - 1))
    return st.builds(lambda first, rest: (first + rest).rstrip("-") if len(first + rest) > 1 else first,
                     st.sampled_from(letters), middle).filter(lambda n: rule.min_length <= len(n) <= top and
                                                               "--" not in n)


def ddb_names(max_length: int = rules.DDB_NAME.max_length) -> st.SearchStrategy[str]:
    return st.text(_alphabet(rules.DDB_NAME), min_size=rules.DDB_NAME.min_length, max_size=max_length)


attribute_names = st.text(string.ascii_letters + string.digits + "_", min_size=1, max_size=24).filter(
    lambda n: n[0].isalpha())


# --- Tables ----------------------------------------------------------------------------------------------------
@st.composite
def tables(draw: st.DrawFn, name: str | None = None) -> Table:
    # One type per attribute across the table and its indexes (T105): draw the attributes first.
    attributes = draw(st.dictionaries(attribute_names, st.sampled_from(list(AttributeType)), min_size=2,
                                      max_size=8))
    names = sorted(attributes)

    def key(attribute: str) -> Key:
        return Key(attribute, attributes[attribute])

    partition = draw(st.sampled_from(names))
    sort = draw(st.none() | st.sampled_from([n for n in names if n != partition]))
    index_count = draw(st.integers(0, rules.DDB_MAX_GSIS.high))
    index_names = draw(st.lists(ddb_names(40), min_size=index_count, max_size=index_count, unique=True))
    indexes = []
    for index_name in index_names:
        index_partition = draw(st.sampled_from(names))
        index_sort = draw(st.none() | st.sampled_from([n for n in names if n != index_partition]))
        projection = draw(st.sampled_from(list(Projection)))
        non_key = draw(st.lists(attribute_names.filter(lambda n: n not in attributes), min_size=1, max_size=3,
                                unique=True)) if projection is Projection.INCLUDE else []
        indexes.append(GlobalIndex(index_name, key(index_partition), key(index_sort) if index_sort else None,
                                   projection, non_key))
    billing = draw(st.sampled_from(list(Billing)))
    provisioned = billing is Billing.PROVISIONED
    return Table(
        name or draw(identifiers(rules.LOGICAL)), key(partition), key(sort) if sort else None,
        global_indexes=indexes, billing=billing,
        # Modest capacities: a table and its indexes share the account's provisioned quota (80,000 units by
        # default), which CreateTable enforces; the model only checks the hard rule (at least 1).
        read_capacity=draw(st.integers(1, 1000)) if provisioned else None,
        write_capacity=draw(st.integers(1, 1000)) if provisioned else None,
        point_in_time_recovery=draw(st.booleans()), retention=draw(st.sampled_from(list(Retention))),
        ttl_attribute=draw(st.none() | attribute_names.filter(lambda n: n not in attributes)),
        stream=draw(st.none() | st.sampled_from(list(StreamView))),
    )


# --- Buckets ---------------------------------------------------------------------------------------------------
@st.composite
def transitions(draw: st.DrawFn) -> list[Transition]:
    """Strictly increasing days (B111), STANDARD_IA/ONEZONE_IA not before 30 days (B110)."""
    classes = draw(st.lists(st.sampled_from(list(StorageClass)), max_size=3, unique=True))
    days, chosen = 0, []
    for storage_class in classes:
        low = max(days + 1, rules.S3_IA_MIN_DAYS.low if storage_class in rules.S3_IA_CLASSES else 1)
        days = draw(st.integers(low, low + 400))
        chosen.append(Transition(storage_class, days))
    return chosen


@st.composite
def lifecycle_rules(draw: st.DrawFn, rule_id: str, versioned: bool) -> LifecycleRule:
    moves = draw(transitions())
    last = moves[-1].days if moves else 0
    expiration = draw(st.none() | st.integers(last + 1, last + 3650))
    noncurrent = draw(st.none() | st.integers(1, 3650)) if versioned else None  # B114
    abort = draw(st.none() | st.integers(1, 30))
    if not (moves or expiration or noncurrent or abort):  # B113: at least one action
        expiration = last + 1
    return LifecycleRule(rule_id, prefix=draw(st.sampled_from(["", "logs/", "tmp/"])), transitions=moves,
                         expiration_days=expiration, noncurrent_version_expiration_days=noncurrent,
                         abort_incomplete_upload_days=abort)


@st.composite
def buckets(draw: st.DrawFn, name: str) -> Bucket:
    versioned = draw(st.booleans())
    ids = draw(st.lists(st.text(string.ascii_lowercase + string.digits + "-", min_size=1, max_size=20),
                        max_size=3, unique=True))
    return Bucket(name, versioned=versioned, encryption=draw(st.sampled_from(list(Encryption))),
                  block_public_access=draw(st.booleans()), enforce_tls=draw(st.booleans()),
                  lifecycle_rules=[draw(lifecycle_rules(i, versioned)) for i in ids],
                  retention=draw(st.sampled_from(list(Retention))))


# --- Functions -------------------------------------------------------------------------------------------------
env_names = st.text(string.ascii_uppercase + string.digits + "_", min_size=2, max_size=20).filter(
    lambda n: bool(rules.LAMBDA_ENV_NAME_PATTERN.fullmatch(n)) and n not in rules.LAMBDA_RESERVED_ENV
    and not n.endswith(("_TABLE", "_BUCKET")))


@st.composite
def functions(draw: st.DrawFn, name: str, targets: list[Table | Bucket]) -> Function:
    grants: list[Any] = []
    for target in draw(st.lists(st.sampled_from(targets), unique_by=lambda t: (type(t), t.name), max_size=4)
                       if targets else st.just([])):
        grants.append(draw(st.sampled_from([target.read(), target.write(), target.read_write()])))
    if draw(st.booleans()):
        actions = draw(st.lists(st.sampled_from(sorted(rules.SERVICE_ACTIONS["bedrock"])), min_size=1, max_size=3,
                                unique=True))
        grants.append(ServiceGrant("bedrock", actions, reason="created at run time, one per request"))
    return Function(
        name, code=FUNCTION_CODE, handler="handler.lambda_handler",
        runtime=draw(st.sampled_from(rules.LAMBDA_PYTHON_RUNTIMES)),
        memory_mb=draw(st.integers(LOW_MEMORY, HIGH_MEMORY)), timeout_s=draw(st.integers(LOW_TIMEOUT, HIGH_TIMEOUT)),
        environment=draw(st.dictionaries(env_names, st.text(string.ascii_letters + string.digits, max_size=30),
                                         max_size=4)),
        grants=grants, description=draw(st.text(string.ascii_letters + " ", max_size=60)),
    )


# --- Workflows -------------------------------------------------------------------------------------------------
@st.composite
def workflows(draw: st.DrawFn, name: str, function_names: list[str]) -> Workflow:
    """A chain of steps with a bounded loop back through a choice, ending in Succeed; tasks catch into Fail."""
    step_count = draw(st.integers(1, 6))
    kinds = draw(st.lists(st.sampled_from(["task", "wait", "pass"] if function_names else ["wait", "pass"]),
                          min_size=step_count, max_size=step_count))
    names = [f"Step{i}" for i in range(step_count)]
    states: list[Any] = []
    for i, (kind, state_name) in enumerate(zip(kinds, names, strict=True)):
        following = names[i + 1] if i + 1 < step_count else "Decide"
        if kind == "task":
            states.append(Task(state_name, draw(st.sampled_from(function_names)), next=following,
                               payload=draw(st.none() | st.just({"id": path("$.id"), "fixed": 1})),
                               result_path=draw(st.sampled_from(["$", "$.result", None])),
                               retries=draw(st.lists(st.builds(Retry, interval_s=st.integers(1, 30),
                                                               max_attempts=st.integers(0, 5),
                                                               backoff_rate=st.sampled_from([1.0, 1.5, 2.0])),
                                                     max_size=1)),
                               catches=[Catch("Failed")] if draw(st.booleans()) else []))
        elif kind == "wait":
            states.append(Wait(state_name, draw(st.integers(rules.SFN_WAIT_S.low, rules.SFN_WAIT_S.high)),
                               next=following))
        else:
            states.append(Pass(state_name, parameters={"count": path("States.MathAdd($.count, 1)")}
                               if draw(st.booleans()) else {}, result_path="$.pass", next=following))
    operator = draw(st.sampled_from([Operator.NUMERIC_GREATER_THAN_EQUALS, Operator.BOOLEAN_EQUALS,
                                     Operator.STRING_EQUALS]))
    value: Any = {Operator.NUMERIC_GREATER_THAN_EQUALS: 3, Operator.BOOLEAN_EQUALS: True,
                  Operator.STRING_EQUALS: "done"}[operator]
    states.append(Choice("Decide", [Branch(Condition("$.done", operator, value), "Done")],
                         default=draw(st.sampled_from(names))))  # the loop back
    states.append(Succeed("Done"))
    if any(isinstance(state, Task) and state.catches for state in states):  # every state must be reachable (W104)
        states.append(Fail("Failed", "StepFailed", "a step failed"))
    return Workflow(name, names[0], states, timeout_s=draw(st.none() | st.integers(60, 86_400)),
                    tracing=draw(st.booleans()), logging=draw(st.booleans()))


# --- User pools ------------------------------------------------------------------------------------------------
@st.composite
def app_clients(draw: st.DrawFn, name: str) -> AppClient:
    refresh = draw(st.integers(rules.COGNITO_REFRESH_TOKEN_MINUTES.low, rules.COGNITO_REFRESH_TOKEN_MINUTES.high))
    low, high = rules.COGNITO_ACCESS_TOKEN_MINUTES.low, rules.COGNITO_ACCESS_TOKEN_MINUTES.high
    tokens = st.integers(low, min(high, refresh))  # access and id tokens never outlive the refresh token
    return AppClient(name, auth_flows=draw(st.lists(st.sampled_from(list(AuthFlow)), min_size=1, max_size=4,
                                                    unique=True)),
                     access_token_minutes=draw(tokens), id_token_minutes=draw(tokens), refresh_token_minutes=refresh,
                     prevent_user_existence_errors=draw(st.booleans()))


@st.composite
def user_pools(draw: st.DrawFn, name: str) -> UserPool:
    clients = draw(st.lists(identifiers(rules.LOGICAL, 20), min_size=1, max_size=2, unique=True))
    return UserPool(
        name, sign_in_aliases=[draw(st.sampled_from([SignInAlias.EMAIL, SignInAlias.USERNAME]))],
        self_sign_up=draw(st.booleans()), auto_verify_email=draw(st.booleans()),
        password_policy=PasswordPolicy(draw(st.integers(rules.COGNITO_PASSWORD_LENGTH.low,
                                                        rules.COGNITO_PASSWORD_LENGTH.high)), *draw(
            st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans())),
            # from 1: Cognito reads 0 as "unset" and stores its default instead
            temporary_password_days=draw(st.integers(1, rules.COGNITO_TEMP_PASSWORD_DAYS.high))),
        mfa=draw(st.sampled_from(list(Mfa))),
        clients=[draw(app_clients(c)) for c in clients],
        retention=draw(st.sampled_from(list(Retention))),
    )


# --- Whole systems ---------------------------------------------------------------------------------------------
@st.composite
def systems(draw: st.DrawFn, *, max_tables: int = 3, max_functions: int = 2, workflows_too: bool = True,
            pools_too: bool = True) -> System:
    """A valid system: names fit every service's limit once prefixed ``{system}-{stage}-``."""
    name = draw(identifiers(rules.SYSTEM, 8))
    stage = draw(identifiers(rules.STAGE, 6))
    room = rules.S3_BUCKET.max_length - len(f"{name}-{stage}--t")  # the longest: a bucket with the suffix "t"
    needed = max_tables + 2 + max_functions + 2  # tables, buckets, functions, a workflow and a pool
    resource_names = draw(st.lists(identifiers(rules.LOGICAL, min(room, rules.LOGICAL.max_length)),
                                   min_size=needed, max_size=needed, unique=True))
    table_count = draw(st.integers(0, max_tables))
    bucket_count = draw(st.integers(0 if table_count else 1, 2))  # never an empty system: it renders nothing
    function_count = draw(st.integers(0, max_functions))
    names = iter(resource_names)
    tables_ = [draw(tables(next(names))) for _ in range(table_count)]
    buckets_ = [draw(buckets(next(names))) for _ in range(bucket_count)]
    functions_ = [draw(functions(next(names), [*tables_, *buckets_])) for _ in range(function_count)]
    flows = [draw(workflows(next(names), [f.name for f in functions_]))] if workflows_too and draw(
        st.booleans()) else []
    pools = [draw(user_pools(next(names)))] if pools_too and draw(st.booleans()) else []
    return System(name, stage, tables=tables_, buckets=buckets_, functions=functions_, workflows=flows,
                  user_pools=pools, bucket_suffix="t")


# --- The AI layer ------------------------------------------------------------------------------------------------
@st.composite
def vector_buckets(draw: st.DrawFn, name: str) -> VectorBucket:
    return VectorBucket(name, retention=draw(st.sampled_from(list(Retention))))


@st.composite
def service_roles(draw: st.DrawFn, name: str, buckets_: list[Bucket], vectors: list[VectorBucket]) -> ServiceRole:
    """A role a service assumes, with some of the grants that service's roles hold."""
    options = [b.read() for b in buckets_] + [v.knowledge_base() for v in vectors] + [
        foundation_model(model_id) for model_id in MODEL_IDS]
    grants = draw(st.lists(st.sampled_from(options), max_size=3, unique_by=repr)) if options else []
    return ServiceRole(name, draw(st.sampled_from(list(TrustedService))), grants=grants,
                       description=draw(st.sampled_from(["", "assumed for the agents"])))


@st.composite
def agent_runtimes(draw: st.DrawFn, name: str, buckets_: list[Bucket], vectors: list[VectorBucket]) -> AgentRuntime:
    """An agent runtime within AgentCore's limits, with environment variables and grants."""
    options = [b.read() for b in buckets_] + [b.write() for b in buckets_] + [
        v.read_write() for v in vectors] + [foundation_model(model_id) for model_id in MODEL_IDS]
    grants = draw(st.lists(st.sampled_from(options), max_size=3, unique_by=repr)) if options else []
    names = st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True).filter(lambda n: not n.endswith("_BUCKET"))
    environment = draw(st.dictionaries(names, st.text(string.ascii_letters + string.digits + "-_.:", max_size=20),
                                       max_size=3))
    return AgentRuntime(name, code=AGENT_CODE, entry_point=["main.py"],
                        runtime=draw(st.sampled_from(rules.AGENTCORE_BUNDLED_RUNTIMES)), environment=environment,
                        grants=grants, description=draw(st.text(string.ascii_letters + " ", max_size=40)))


@st.composite
def ai_systems(draw: st.DrawFn) -> System:
    """A valid system with an AI layer: buckets, a vector bucket, service roles and agent runtimes, named so that
    every physical name fits (a runtime's ``{system}_{stage}_{name}``: at most 48 characters)."""
    name = draw(identifiers(rules.SYSTEM, 8))
    stage = draw(identifiers(rules.STAGE, 6))
    room = int(rules.AGENT_RUNTIME_NAME_LENGTH.high or 0) - len(f"{name}_{stage}_")
    resource_names = iter(draw(st.lists(identifiers(rules.LOGICAL, min(room, 20)), min_size=6, max_size=6,
                                        unique=True)))
    buckets_ = [draw(buckets(next(resource_names))) for _ in range(draw(st.integers(0, 1)))]
    vectors = [draw(vector_buckets(next(resource_names))) for _ in range(draw(st.integers(0, 1)))]
    roles_ = [draw(service_roles(next(resource_names), buckets_, vectors)) for _ in range(draw(st.integers(0, 2)))]
    runtimes = [draw(agent_runtimes(next(resource_names), buckets_, vectors)) for _ in range(draw(st.integers(1, 2)))]
    return System(name, stage, buckets=buckets_, vector_buckets=vectors, service_roles=roles_,
                  agent_runtimes=runtimes, bucket_suffix="t")


# --- Invalid values: one rule broken at a time -----------------------------------------------------------------
@attrs.frozen
class Broken:
    """A builder that must fail with ``rule`` at a field path starting with ``field``."""

    build: Callable[[], Any]
    rule: str
    field: str
    note: str


def _too_long(rule: NameRule) -> st.SearchStrategy[str]:
    return st.text(_alphabet(rule), min_size=rule.max_length + 1, max_size=rule.max_length + 20)


def _bad_chars(rule: NameRule) -> st.SearchStrategy[str]:
    bad = st.sampled_from([c for c in "ABC_!@ é/:" if c not in _alphabet(rule)])
    return st.builds(lambda head, c: head + c + "x", st.text(_alphabet(rule).replace("-", ""), min_size=2,
                                                              max_size=10).filter(lambda h: h[0].isalpha()), bad)


def _breaking(build: Callable[..., Any], rule: rules.Rule, field: str, note: str,
              *values: st.SearchStrategy[Any]) -> st.SearchStrategy[Broken]:
    """A Broken whose builder applies ``build`` to values drawn from ``values``."""
    return st.tuples(*values).map(lambda drawn: Broken(lambda: build(*drawn), rule.id, field, note))


LOW_MEMORY, HIGH_MEMORY = rules.LAMBDA_MEMORY_MB.low, rules.LAMBDA_MEMORY_MB.high
LOW_TIMEOUT, HIGH_TIMEOUT = rules.LAMBDA_TIMEOUT_S.low, rules.LAMBDA_TIMEOUT_S.high


def broken_values() -> st.SearchStrategy[Broken]:
    """A valid value with exactly one rule broken, and where the error must point."""
    return st.one_of(
        _breaking(lambda n: Table(n, Key("id")), rules.LOGICAL_NAME, "name", "table name too long",
                  _too_long(rules.LOGICAL)),
        _breaking(lambda n: Bucket(n), rules.LOGICAL_NAME, "name", "bucket name with a character outside the class",
                  _bad_chars(rules.LOGICAL)),
        _breaking(lambda n: GlobalIndex(n, Key("id")), rules.DDB_NAME_LENGTH, "name", "index name too short",
                  st.text(_alphabet(rules.DDB_NAME), max_size=rules.DDB_NAME.min_length - 1)),
        _breaking(lambda table, extra: attrs.evolve(table, global_indexes=[
            GlobalIndex(f"index-{i}", Key(f"k{i}")) for i in range(rules.DDB_MAX_GSIS.high + extra)]),
                  rules.DDB_GSI_COUNT, "global_indexes", "more than 20 indexes", tables("orders"), st.integers(1, 5)),
        _breaking(lambda kind: Table("orders", Key("id", kind), global_indexes=[
            GlobalIndex("by-id", Key("id", AttributeType.NUMBER if kind != AttributeType.NUMBER
                                     else AttributeType.STRING))]),
                  rules.DDB_ATTRIBUTE_TYPE, "global_indexes[0].partition_key", "an attribute with two types",
                  st.sampled_from(list(AttributeType))),
        _breaking(lambda m: Function("fn", code=FUNCTION_CODE, memory_mb=m), rules.LAMBDA_MEMORY, "memory_mb",
                  "memory outside 128-10240 MB",
                  st.integers(0, LOW_MEMORY - 1) | st.integers(HIGH_MEMORY + 1, 10 * HIGH_MEMORY)),
        _breaking(lambda t: Function("fn", code=FUNCTION_CODE, timeout_s=t), rules.LAMBDA_TIMEOUT, "timeout_s",
                  "timeout outside 1-900 s", st.integers(-5, LOW_TIMEOUT - 1) | st.integers(HIGH_TIMEOUT + 1, 5000)),
        _breaking(lambda v: Function("fn", code=FUNCTION_CODE, environment={v: "x"}), rules.LAMBDA_ENV_NAME,
                  "environment[", "a reserved environment variable",
                  st.sampled_from(sorted(rules.LAMBDA_RESERVED_ENV))),
        _breaking(lambda d: Transition(StorageClass.STANDARD_IA, d),
                  rules.LIFECYCLE_IA_MIN_DAYS, "days", "STANDARD_IA before 30 days",
                  st.integers(1, rules.S3_IA_MIN_DAYS.low - 1)),
        _breaking(lambda target: Workflow("flow", "A", [Pass("A", next=target), Succeed("B")]), rules.SFN_NEXT,
                  "states[0].next", "a transition to a missing state", st.sampled_from(["Nowhere", "b", "A "])),
        _breaking(lambda seconds: Wait("Pause", seconds, end=True), rules.SFN_WAIT, "seconds",
                  "a wait longer than a year", st.integers(rules.SFN_WAIT_S.high + 1, 2 * rules.SFN_WAIT_S.high)),
        _breaking(lambda seconds: Task("Call", "fn", end=True, timeout_s=seconds), rules.SFN_TIMEOUT, "timeout_s",
                  "a task timeout outside 1 s to a year",
                  st.integers(-5, rules.SFN_TIMEOUT_S.low - 1) | st.integers(rules.SFN_TIMEOUT_S.high + 1,
                                                                              2 * rules.SFN_TIMEOUT_S.high)),
        _breaking(lambda n: PasswordPolicy(n), rules.COGNITO_PASSWORD, "min_length",
                  "a password length Cognito refuses",
                  st.integers(rules.COGNITO_PASSWORD_LENGTH.high + 1, 200) |
                  st.integers(0, rules.COGNITO_PASSWORD_LENGTH.low - 1)),
        _breaking(lambda action: ServiceGrant("bedrock", [action], reason="created at run time"),
                  rules.SERVICE_ACTION, "actions[0]", "an unknown or wildcard action",
                  st.sampled_from(["Invoke*", "*", "DoEverything"])),
        # The AI layer
        _breaking(lambda count: AgentRuntime("agent", code=AGENT_CODE, environment={f"V{i}": "" for i in range(
            count)}), rules.AGENT_RUNTIME_ENV, "environment", "more environment variables than AgentCore takes",
                  st.integers(int(rules.AGENT_RUNTIME_ENV_COUNT.high or 0) + 1, 80)),
        _breaking(lambda extra: AgentRuntime("agent", code=AGENT_CODE, description="x" * (
            int(rules.AGENT_RUNTIME_DESCRIPTION_LENGTH.high or 0) + extra)), rules.AGENT_RUNTIME_DESCRIPTION,
                  "description", "a description longer than AgentCore's", st.integers(1, 100)),
        _breaking(lambda entry: AgentRuntime("agent", code=AGENT_CODE, entry_point=[entry]),
                  rules.AGENT_RUNTIME_ENTRY_POINT, "entry_point", "an entry point that is not a .py file",
                  st.sampled_from(["main.sh", "main", "agent.pyc"])),
        _breaking(lambda language: AgentRuntime("agent", code=AGENT_CODE, runtime=language),
                  rules.AGENT_RUNTIME_RUNTIME, "runtime", "a runtime the bundler does not package",
                  st.sampled_from([r for r in rules.AGENTCORE_RUNTIMES if r not in rules.AGENTCORE_BUNDLED_RUNTIMES])),
        _breaking(lambda model_id: foundation_model(model_id), rules.FOUNDATION_MODEL_ID, "model_id",
                  "a model id without its provider, or too long",
                  st.sampled_from(["claude", "anthropic", "a." + "b" * 140])),
        _breaking(lambda: VectorBucket("vectors", encryption=Encryption.KMS_MANAGED), rules.VECTOR_BUCKET_ENCRYPTION,
                  "encryption", "SSE-KMS without a key"),
        _breaking(lambda name: System("s" * 20, "stage1", agent_runtimes=[AgentRuntime(name, code=AGENT_CODE)]),
                  rules.AGENT_RUNTIME_NAME, "agent_runtimes[", "a runtime whose physical name exceeds 48 characters",
                  identifiers(rules.LOGICAL, 40).filter(lambda n: len(n) > 48 - len("s" * 20 + "_stage1_"))),
    )
