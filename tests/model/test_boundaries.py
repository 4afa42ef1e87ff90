"""Each rule at its valid boundary and just past it, with the exact error (cfn-lint style: exact expectations).

The expected messages are written from AWS's documented limits, not captured from the code.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from oratio.model import (
    AppClient,
    Branch,
    Bucket,
    Catch,
    Choice,
    Condition,
    Fail,
    Function,
    GlobalIndex,
    Key,
    LifecycleRule,
    ModelError,
    Pass,
    PasswordPolicy,
    Retry,
    ServiceGrant,
    Succeed,
    System,
    Table,
    Task,
    Transition,
    Wait,
    Workflow,
    deferred_validation,
    path,
)


def errors_of(build: Callable[[], Any]) -> list[str]:
    with pytest.raises(ModelError) as raised:
        build()
    return [str(p) for p in raised.value.problems]


def bucket_system(name: str, stage: str = "dev", suffix: str = "x") -> System:
    """A system with one bucket: its physical name is ``a-{stage}-{name}-{suffix}``."""
    return System("a", stage, buckets=[Bucket(name)], bucket_suffix=suffix)


# --- S3 bucket names (checked on the physical name: {system}-{stage}-{name}-{suffix}) ---------------------
class TestBucketNames:
    def test_63_characters_is_the_limit(self) -> None:
        logical = "b" * 20
        # the longest system (20), stage (12) and bucket name (20) leave 8 characters of suffix within 63
        system = System("a" * 20, "d" * 12, buckets=[Bucket(logical)], bucket_suffix="s" * 8)
        assert len(system.bucket_name(system.buckets[0], "")) == 20 + 1 + 12 + 1 + 20 + 1 + 8 == 63

    def test_64_characters_is_refused(self) -> None:
        name = "a" * 20 + "-" + "d" * 12 + "-" + "b" * 20 + "-" + "s" * 9
        assert errors_of(lambda: System("a" * 20, "d" * 12, buckets=[Bucket("b" * 20)], bucket_suffix="s" * 9)) == [
            f"buckets['{'b' * 20}'].name: physical bucket name '{name}' has 64 characters; allowed 3-63 [B101]"
        ]

    @pytest.mark.parametrize(
        ("suffix", "expected"),
        [
            ("s3alias", "ends with reserved '-s3alias' [B107]"),
            ("x-s3", "ends with reserved '--x-s3' [B107]"),
            ("ol-s3", "ends with reserved '--ol-s3' [B107]"),
            ("table-s3", "ends with reserved '--table-s3' [B107]"),
        ],
    )
    def test_reserved_suffixes(self, suffix: str, expected: str) -> None:
        # '--x-s3' needs a bucket logical name ending in '-', which names forbid; build it from the suffix side
        system_suffix = suffix if not suffix.startswith(("x-", "ol-", "table-")) else f"-{suffix}"
        if system_suffix.startswith("-"):
            with pytest.raises(ModelError) as raised:
                System("a", "dev", buckets=[Bucket("b")], bucket_suffix=system_suffix)
            assert raised.value.rule_ids[0] == "N104"  # our own suffix rule refuses the leading '-' first
        else:
            assert errors_of(lambda: bucket_system("b", suffix=system_suffix)) == [
                f"buckets['b'].name: physical bucket name 'a-dev-b-{system_suffix}' {expected}"
            ]

    def test_reserved_prefix(self) -> None:
        System("xn", "dev", buckets=[Bucket("b")], bucket_suffix="x")  # 'xn-dev-b-x': the prefix is 'xn--'
        assert errors_of(lambda: System("sthree", "x", buckets=[Bucket("b")], bucket_suffix="x")) == [
            "buckets['b'].name: physical bucket name 'sthree-x-b-x' starts with reserved 'sthree-' [B106]"
        ]


def test_bucket_name_rules_on_any_name() -> None:
    from oratio.model.common import check_bucket_name

    def check(name: str) -> list[str]:
        return [str(p) for p in check_bucket_name("name", name)]

    assert check("abc") == []
    assert check("ab") == ["name: bucket name 'ab' has 2 characters; allowed 3-63 [B101]"]
    assert check("a" * 63) == []
    assert check("Abc") == ["name: bucket name 'Abc' has 'A'; allowed: a-z, 0-9, '.', '-' [B102]"]
    assert check("-abc") == ["name: bucket name '-abc' must start and end with a letter or digit [B103]"]
    assert check("a..b") == ["name: bucket name 'a..b' has two adjacent periods [B104]"]
    assert check("a.b.c") == []
    assert check("192.168.5.4") == ["name: bucket name '192.168.5.4' is formatted as an IP address [B105]"]
    assert check("xn--abc") == ["name: bucket name 'xn--abc' starts with reserved 'xn--' [B106]"]
    assert check("amzn-s3-demo-x") == ["name: bucket name 'amzn-s3-demo-x' starts with reserved 'amzn-s3-demo-' [B106]"]
    assert check("abc.mrap") == ["name: bucket name 'abc.mrap' ends with reserved '.mrap' [B107]"]
    assert check("abc--x-s3") == ["name: bucket name 'abc--x-s3' ends with reserved '--x-s3' [B107]"]


# --- Lifecycle -------------------------------------------------------------------------------------------
class TestLifecycle:
    @pytest.mark.parametrize("storage_class", ["STANDARD_IA", "ONEZONE_IA"])
    def test_infrequent_access_from_30_days(self, storage_class: str) -> None:
        assert LifecycleRule("r", transitions=[Transition(storage_class, 30)]).transitions[0].days == 30
        assert errors_of(lambda: Transition(storage_class, 29)) == [
            f"days: {storage_class} after 29 days; S3 requires at least 30 [B110]"
        ]
        with deferred_validation():  # within its rule, the path says which transition
            transition = Transition(storage_class, 29)
        assert errors_of(lambda: LifecycleRule("r", transitions=[transition])) == [
            f"transitions[0].days: {storage_class} after 29 days; S3 requires at least 30 [B110]"
        ]

    def test_a_transition_is_checked_on_its_own(self) -> None:
        Transition("GLACIER", 0)
        assert errors_of(lambda: Transition("COLD", -1)) == [
            "storage_class: 'COLD' is not one of STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, "
            "DEEP_ARCHIVE [M001]",
            "days: -1 days is outside 0-2147483647 days [B117]",
        ]

    def test_glacier_may_come_early(self) -> None:
        assert LifecycleRule("r", transitions=[Transition("GLACIER", 0)]).transitions[0].days == 0

    def test_transitions_strictly_increasing(self) -> None:
        LifecycleRule("r", transitions=[Transition("STANDARD_IA", 30), Transition("GLACIER", 31)])
        assert errors_of(lambda: LifecycleRule("r", transitions=[
            Transition("STANDARD_IA", 30), Transition("GLACIER", 30)])) == [
            "transitions[1].days: 30 days does not come after the previous transition's 30 days [B111]"
        ]

    def test_expiration_after_last_transition(self) -> None:
        LifecycleRule("r", transitions=[Transition("GLACIER", 90)], expiration_days=91)
        assert errors_of(lambda: LifecycleRule("r", transitions=[Transition("GLACIER", 90)], expiration_days=90)) == [
            "expiration_days: expiration after 90 days is not after the last transition (90 days) [B112]"
        ]

    def test_a_rule_needs_an_action(self) -> None:
        assert errors_of(lambda: LifecycleRule("empty")) == [
            "(value): rule 'empty' has no transition or expiration [B113]"
        ]

    def test_noncurrent_expiration_needs_versioning(self) -> None:
        rule = LifecycleRule("r", noncurrent_version_expiration_days=1)
        Bucket("b", versioned=True, lifecycle_rules=[rule])
        assert errors_of(lambda: Bucket("b", lifecycle_rules=[rule])) == [
            "lifecycle_rules[0].noncurrent_version_expiration_days: noncurrent versions exist only in a "
            "versioned bucket: set versioned=True [B114]"
        ]

    def test_days_at_least_one(self) -> None:
        LifecycleRule("r", expiration_days=1)
        assert errors_of(lambda: LifecycleRule("r", expiration_days=0)) == [
            "expiration_days: 0 days is outside 1-2147483647 days [B117]"
        ]


# --- DynamoDB --------------------------------------------------------------------------------------------
def index(n: int, attribute: str = "g", kind: str = "S") -> GlobalIndex:
    return GlobalIndex(f"index-{n:02d}", Key(attribute, kind))


class TestTables:
    def test_index_name_length(self) -> None:
        GlobalIndex("abc", Key("k"))
        GlobalIndex("i" * 255, Key("k"))
        assert errors_of(lambda: GlobalIndex("ab", Key("k"))) == [
            "name: name 'ab' has 2 characters; allowed 3-255 [T101]"
        ]
        assert errors_of(lambda: GlobalIndex("i" * 256, Key("k"))) == [
            f"name: name '{'i' * 256}' has 256 characters; allowed 3-255 [T101]"
        ]

    def test_index_name_characters(self) -> None:
        GlobalIndex("a-Z_0.9", Key("k"))
        assert errors_of(lambda: GlobalIndex("a b/c", Key("k"))) == [
            "name: name 'a b/c' has ' /'; allowed: a-z, A-Z, 0-9, '_', '-', '.' [T102]"
        ]

    def test_logical_name_length(self) -> None:
        System("a", "b", tables=[Table("t" * 40, Key("k"))])
        assert errors_of(lambda: Table("t" * 41, Key("k"))) == [
            f"name: name {'t' * 41!r} has 41 characters; allowed 1-40 [N103]"
        ]

    def test_key_types(self) -> None:
        for kind in "SNB":
            Key("k", kind)
        assert errors_of(lambda: Key("k", "BOOL")) == ["type: 'BOOL' is not one of S, N, B [T103]"]

    def test_twenty_indexes_at_most(self) -> None:
        Table("t", Key("k"), global_indexes=[index(n) for n in range(20)])
        assert errors_of(lambda: Table("t", Key("k"), global_indexes=[index(n) for n in range(21)])) == [
            "global_indexes: 21 global secondary indexes; at most 20 [T104]"
        ]

    def test_one_type_per_attribute(self) -> None:
        Table("t", Key("k"), global_indexes=[index(0, "k", "S")])
        assert errors_of(lambda: Table("agents", Key("userId"), global_indexes=[
            GlobalIndex("by-user", Key("userId", "N"))])) == [
            "global_indexes[0].partition_key: attribute 'userId' is N here but S at partition_key [T105]"
        ]

    def test_unique_index_names(self) -> None:
        assert errors_of(lambda: Table("t", Key("k"), global_indexes=[index(1), index(1)])) == [
            "global_indexes[1]: index 'index-01' is defined more than once [M004]"
        ]

    def test_capacity_only_when_provisioned(self) -> None:
        Table("t", Key("k"), billing="PROVISIONED", read_capacity=1, write_capacity=1)
        assert errors_of(lambda: Table("t", Key("k"), billing="PROVISIONED", read_capacity=0, write_capacity=1)) == [
            "read_capacity: 0 is outside 1-40000 [T108]"
        ]
        assert errors_of(lambda: Table("t", Key("k"), read_capacity=5)) == [
            "read_capacity: an on-demand (PAY_PER_REQUEST) table has no capacity [T108]"
        ]


# --- Lambda ----------------------------------------------------------------------------------------------
def function(**changes: Any) -> Function:
    return Function(**{"name": "f", "code": "lambdas/f", **changes})


class TestFunctions:
    def test_memory_128_to_10240(self) -> None:
        function(memory_mb=128)
        function(memory_mb=10240)
        assert errors_of(lambda: function(memory_mb=127)) == ["memory_mb: 127 MB is outside 128-10240 MB [F102]"]
        assert errors_of(lambda: function(memory_mb=10241)) == [
            "memory_mb: 10241 MB is outside 128-10240 MB [F102]"
        ]

    def test_timeout_1_to_900(self) -> None:
        function(timeout_s=1)
        function(timeout_s=900)
        assert errors_of(lambda: function(timeout_s=0)) == ["timeout_s: 0 s is outside 1-900 s [F103]"]
        assert errors_of(lambda: function(timeout_s=901)) == ["timeout_s: 901 s is outside 1-900 s [F103]"]

    def test_runtime(self) -> None:
        function(runtime="python3.13")
        assert errors_of(lambda: function(runtime="python2.7")) == [
            "runtime: 'python2.7' is not one of python3.10, python3.11, python3.12, python3.13, python3.14, "
            "nodejs20.x, nodejs22.x, nodejs24.x [F104]"
        ]

    def test_runtime_oratio_can_build(self) -> None:
        """Lambda offers Node.js, but oratio's bundler and both backends build Python only: refused by the model,
        at the boundary between the families (every Python accepted, every Node.js runtime refused)."""
        for python in ("python3.10", "python3.14"):
            function(runtime=python)
        for node in ("nodejs20.x", "nodejs22.x", "nodejs24.x"):
            assert errors_of(lambda node=node: function(runtime=node)) == [
                f"runtime: {node} is a Lambda runtime oratio cannot build (its bundler and backends do Python "
                "only); use one of python3.10, python3.11, python3.12, python3.13, python3.14 [F110]"
            ]

    def test_physical_name_64_characters(self) -> None:
        # 'a-b-' is 4 characters: a 40-character logical name gives 44; the LOGICAL rule (40) binds first
        System("a" * 20, "b" * 12, functions=[function(name="f" * 30)])
        assert errors_of(lambda: System("a" * 20, "b" * 12, functions=[function(name="f" * 31)])) == [
            f"functions[{'f' * 31!r}].name: physical function name '{'a' * 20}-{'b' * 12}-{'f' * 31}' has 65 "
            "characters; allowed 1-64 [F101]"
        ]

    def test_environment_names(self) -> None:
        function(environment={"A_1": "x", "AB": "y"})
        assert errors_of(lambda: function(environment={"1A": "x", "AWS_REGION": "y", "K": "z"})) == [
            "environment['1A']: '1A' is not a valid name: a letter, then one or more letters, digits or '_' [F105]",
            "environment['AWS_REGION']: 'AWS_REGION' is reserved by Lambda [F105]",
            "environment['K']: 'K' is not a valid name: a letter, then one or more letters, digits or '_' [F105]",
        ]
        assert errors_of(lambda: Table("t", Key("k")).read(env_var="T")) == [
            "env_var: 'T' is not a valid name: a letter, then one or more letters, digits or '_' [F105]"
        ]

    def test_description_256(self) -> None:
        function(description="d" * 256)
        assert errors_of(lambda: function(description="d" * 257)) == [
            "description: description has 257 characters; allowed 0-256 [F111]"
        ]

    def test_environment_4_kb(self) -> None:
        function(environment={"KK": "v" * 4094})
        assert errors_of(lambda: function(environment={"KK": "v" * 4095})) == [
            "environment: 4097 bytes of keys and values; Lambda allows 4096 [F106]"
        ]

    def test_handler(self) -> None:
        function(handler="pkg/mod.main")
        assert errors_of(lambda: function(handler="handler")) == [
            "handler: 'handler' is not module.function (e.g. 'handler.lambda_handler') [F107]"
        ]

    def test_code_stays_in_the_project(self) -> None:
        assert errors_of(lambda: function(code="../elsewhere")) == [
            "code: '../elsewhere' must be relative and stay inside the project [F108]"
        ]

    def test_included_folders_stay_in_the_project_and_have_distinct_names(self) -> None:
        function(include=["lambdas/common", "lib/other"])
        assert errors_of(lambda: function(include=["/abs/lib", "a/common", "b/common"])) == [
            "include[0]: '/abs/lib' must be relative and stay inside the project [F108]",
            "include[2]: a second folder named 'common': included folders land in the bundle by name [F108]",
        ]


class TestGrants:
    def test_service_actions_are_known_and_literal(self) -> None:
        ServiceGrant("bedrock", ["InvokeAgent"], reason="created at run time")
        assert errors_of(lambda: ServiceGrant("bedrock", ["Invoke*"], reason="created at run time")) == [
            "actions[0]: 'Invoke*' is not a known bedrock action (wildcards are not allowed) [G102]"
        ]

    def test_wildcard_resource_needs_reason(self) -> None:
        ServiceGrant("bedrock", ["InvokeAgent"], resources=["arn:aws:bedrock:us-east-1:123456789012:agent/A"])
        assert errors_of(lambda: ServiceGrant("bedrock", ["InvokeAgent"])) == [
            "reason: a '*' resource needs a reason (at least 10 characters) saying why no ARN can be named [G103]"
        ]

    def test_resources_are_arns_or_a_star(self) -> None:
        ServiceGrant("iam", ["PassRole"], resources=["arn:aws:iam::*:role/r"], reason="any account's role")
        ServiceGrant("bedrock", ["InvokeModel"], resources=["arn:aws:bedrock:us-east-1::foundation-model/m"])
        assert errors_of(lambda: ServiceGrant("bedrock", ["InvokeAgent"], resources=[
                "agent/A", "arn:aws:bedrock", "arn:aws:bedrock:us-east-1:1:", "*"], reason="a long enough reason")) == [
            "resources[0]: 'agent/A' is neither an ARN (arn:partition:service:region:account:resource) nor '*' [G104]",
            "resources[1]: 'arn:aws:bedrock' is neither an ARN (arn:partition:service:region:account:resource) nor "
            "'*' [G104]",
            "resources[2]: 'arn:aws:bedrock:us-east-1:1:' is neither an ARN (arn:partition:service:region:account:"
            "resource) nor '*' [G104]",
        ]

    def test_grant_points_at_the_systems_resource(self) -> None:
        table = Table("t", Key("k"))
        System("a", "b", tables=[table], functions=[function(grants=[table.read()])])
        stranger = Table("t", Key("other"))
        assert errors_of(lambda: System("a", "b", tables=[table], functions=[function(grants=[stranger.read()])])) == [
            "functions['f'].grants[0].target: table 't' is not this system's (or differs from it) [G101]"
        ]

    def test_derived_variable_collides_with_own(self) -> None:
        table = Table("t", Key("k"))
        assert errors_of(lambda: System("a", "b", tables=[table], functions=[
            function(grants=[table.read()], environment={"T_TABLE": "x"})])) == [
            "functions['f'].grants[0].env_var: 'T_TABLE' is set by this grant and by the function or another "
            "grant [F109]"
        ]


# --- Step Functions --------------------------------------------------------------------------------------
def flow(*states: Any, start: str = "A", name: str = "w") -> Workflow:
    return Workflow(name, start=start, states=states)


class TestWorkflows:
    def test_state_machine_name_80_characters(self) -> None:
        System("a", "b", workflows=[flow(Succeed("A"), name="w" * 40)])
        from oratio.model.workflow import check_state_machine_name

        assert [str(p) for p in check_state_machine_name("name", "w" * 80)] == []
        assert [str(p) for p in check_state_machine_name("name", "w" * 81)] == [
            "name: state machine name has 81 characters; allowed 1-80 [W101]"
        ]
        assert [str(p) for p in check_state_machine_name("name", "a b:c")] == [
            "name: state machine name 'a b:c' has forbidden ' :' [W101]"
        ]

    def test_every_next_exists(self) -> None:
        assert errors_of(lambda: flow(Wait("A", 1, next="B"))) == [
            "states[0].next: state 'B' does not exist [W103]",
            "states: no Succeed or Fail state and no state with end=True [W105]",
        ]

    def test_every_state_reachable(self) -> None:
        assert errors_of(lambda: flow(Succeed("A"), Succeed("B"))) == [
            "states[1]: state 'B' cannot be reached from 'A' [W104]"
        ]

    def test_choice_needs_default(self) -> None:
        branch = Branch(Condition("$.x", "BooleanEquals", True), "B")
        flow(Choice("A", [branch], default="B"), Succeed("B"))
        assert errors_of(lambda: flow(Choice("A", [branch]), Succeed("B"))) == [
            "default: a choice needs a default state (otherwise an unmatched input fails the execution) [W106]"
        ]

    def test_loops_are_fine_with_a_way_out(self) -> None:
        flow(Wait("A", 1, next="B"), Choice("B", [Branch(Condition("$.done", "BooleanEquals", True), "C")],
                                            default="A"), Succeed("C"))

    def test_wait_up_to_a_year(self) -> None:
        Wait("A", 31_536_000, end=True)
        assert errors_of(lambda: Wait("A", 31_536_001, end=True)) == [
            "seconds: 31536001 s is outside 0-31536000 s [W110]"
        ]

    def test_timeouts_from_1_second_up_to_a_year(self) -> None:
        # A standard execution runs at most a year (Step Functions quotas): a task's or a workflow's timeout too.
        Task("A", function="f", end=True, timeout_s=1)
        Task("A", function="f", end=True, timeout_s=31_536_000)
        Workflow("w", start="A", states=[Succeed("A")], timeout_s=31_536_000)
        assert errors_of(lambda: Task("A", function="f", end=True, timeout_s=31_536_001)) == [
            "timeout_s: 31536001 s is outside 1-31536000 s [W114]"
        ]
        assert errors_of(lambda: Workflow("w", start="A", states=[Succeed("A")], timeout_s=0)) == [
            "timeout_s: 0 s is outside 1-31536000 s [W114]"
        ]

    def test_retry_limits(self) -> None:
        Retry(max_attempts=0, backoff_rate=1.0, interval_s=1)
        assert errors_of(lambda: Retry(max_attempts=-1, backoff_rate=0.5, interval_s=0)) == [
            "interval_s: 0 s is outside 1-99999999 s [W108]",
            "max_attempts: -1 is outside 0-99999999 [W108]",
            "backoff_rate: 0.5 is below 1.0 [W108]",
        ]

    def test_states_all_alone(self) -> None:
        assert errors_of(lambda: Catch("X", errors=["Custom", "States.ALL"])) == [
            "errors: 'States.ALL' must be the only error name of its retrier/catcher [W112]"
        ]

    def test_condition_types(self) -> None:
        Condition("$.n", "NumericGreaterThanEquals", 3)
        assert errors_of(lambda: Condition("$.n", "NumericGreaterThanEquals", "3")) == [
            "value: NumericGreaterThanEquals compares with a int or float, got '3' [W111]"
        ]

    def test_next_or_end(self) -> None:
        assert errors_of(lambda: Task("A", function="f")) == [
            "next: give exactly one of next=... or end=True [W113]"
        ]

    def test_task_invokes_a_function_of_the_system(self) -> None:
        assert errors_of(lambda: System("a", "b", workflows=[flow(Task("A", function="ghost", end=True))])) == [
            "workflows['w'].states[0].function: function 'ghost' is not defined in this system [W107]"
        ]

    def test_fail_state_is_terminal(self) -> None:
        flow(Fail("A", error="E"))


# --- Cognito ---------------------------------------------------------------------------------------------
class TestUserPools:
    def test_password_length_6_to_99(self) -> None:
        PasswordPolicy(min_length=6)
        PasswordPolicy(min_length=99)
        assert errors_of(lambda: PasswordPolicy(min_length=5)) == ["min_length: 5 is outside 6-99 [U101]"]
        assert errors_of(lambda: PasswordPolicy(min_length=100)) == ["min_length: 100 is outside 6-99 [U101]"]

    def test_client_token_validity(self) -> None:
        AppClient("web", access_token_minutes=5)
        assert errors_of(lambda: AppClient("web", access_token_minutes=4)) == [
            "access_token_minutes: 4 min is outside 5-1440 min [U103]"
        ]

    def test_tokens_never_outlive_the_refresh_token(self) -> None:
        AppClient("web", id_token_minutes=60, refresh_token_minutes=60)
        assert errors_of(lambda: AppClient("web", id_token_minutes=61, refresh_token_minutes=60)) == [
            "id_token_minutes: 61 min is longer than the refresh token's 60 min [U103]"
        ]


# --- System ----------------------------------------------------------------------------------------------
class TestSystem:
    def test_stage_names(self) -> None:
        for stage in ("dev", "prod", "local", "s" * 12):
            System("a", stage)
        assert errors_of(lambda: System("a", "s" * 13)) == [
            f"stage: stage '{'s' * 13}' has 13 characters; allowed 1-12 [N102]"
        ]
        assert errors_of(lambda: System("a", "Dev")) == ["stage: stage 'Dev' has 'D'; allowed: a-z, 0-9 [N102]"]

    def test_names_unique_within_a_system(self) -> None:
        assert errors_of(lambda: System("a", "b", tables=[Table("t", Key("k")), Table("t", Key("j"))])) == [
            "tables['t']: table name 't' is used more than once [M004]"
        ]

    def test_every_problem_of_a_system_at_once(self) -> None:
        from oratio.model import deferred_validation

        with deferred_validation():
            system = System("a", "b", tables=[
                Table("agents", Key("userId"), global_indexes=[GlobalIndex("x", Key("userId", "N"))]),
            ], functions=[function(memory_mb=1, timeout_s=0)])
        with pytest.raises(ModelError) as raised:
            system.check()
        assert [str(p) for p in raised.value.problems] == [
            "tables['agents'].global_indexes[0].name: name 'x' has 1 characters; allowed 3-255 [T101]",
            "tables['agents'].global_indexes[0].partition_key: attribute 'userId' is N here but S at "
            "partition_key [T105]",
            "functions['f'].memory_mb: 1 MB is outside 128-10240 MB [F102]",
            "functions['f'].timeout_s: 0 s is outside 1-900 s [F103]",
        ]
        assert str(raised.value).splitlines()[0] == (
            "invalid system: 4 problems; fix each field named below (rule ids are listed in oratio/model/rules.py)"
        )

    def test_wrong_types_are_model_errors_not_type_errors(self) -> None:
        assert errors_of(lambda: Table("t", "userId")) == [
            "partition_key: expected a Key, got str 'userId' [M001]"
        ]
        assert errors_of(lambda: function(memory_mb="big")) == ["memory_mb: expected a whole number, got 'big' [M001]"]


# --- The remaining rules, each at its boundary ----------------------------------------------------------
class TestRemainingRules:
    def test_lifecycle_rule_id_length_and_uniqueness(self) -> None:
        LifecycleRule("r" * 255, expiration_days=1)
        assert errors_of(lambda: LifecycleRule("r" * 256, expiration_days=1)) == [
            "id: rule id has 256 characters; allowed 1-255 [B115]"
        ]
        rule = LifecycleRule("same", expiration_days=1)
        assert errors_of(lambda: Bucket("b", lifecycle_rules=[rule, rule])) == [
            "lifecycle_rules[1]: lifecycle rule id 'same' is defined more than once [M004]"
        ]

    def test_lifecycle_1000_rules(self) -> None:
        rules_1000 = [LifecycleRule(f"r{n}", expiration_days=1) for n in range(1001)]
        Bucket("b", lifecycle_rules=rules_1000[:1000])
        assert errors_of(lambda: Bucket("b", lifecycle_rules=rules_1000)) == [
            "lifecycle_rules: 1001 rules; at most 1000 [B116]"
        ]

    def test_attribute_name_255(self) -> None:
        Key("k" * 255)
        assert errors_of(lambda: Key("k" * 256)) == ["name: attribute name has 256 characters; allowed 1-255 [T106]"]

    def test_projected_attributes_20_per_index_100_per_table(self) -> None:
        names = [f"a{n}" for n in range(101)]

        def include(n: int, attributes: list[str]) -> GlobalIndex:
            return GlobalIndex(f"index-{n}", Key("g"), projection="INCLUDE", non_key_attributes=attributes)

        include(0, names[:20])
        assert errors_of(lambda: include(0, names[:21])) == [
            "non_key_attributes: 21 non-key attributes; at most 20 per index [T110]"
        ]
        include(0, ["n" * 255])
        assert errors_of(lambda: include(0, ["n" * 256, ""])) == [
            "non_key_attributes[0]: attribute name has 256 characters; allowed 1-255 [T110]",
            "non_key_attributes[1]: attribute name has 0 characters; allowed 1-255 [T110]",
        ]
        # An attribute projected into two indexes counts twice (DynamoDB's Projection reference).
        Table("t", Key("k"), global_indexes=[include(n, names[:20]) for n in range(5)])
        assert errors_of(lambda: Table("t", Key("k"), global_indexes=[
            *(include(n, names[:20]) for n in range(5)), include(5, ["x"])])) == [
            "global_indexes: 101 non-key attributes projected over the table's indexes; at most 100 (an attribute "
            "in two indexes counts twice) [T110]"
        ]

    def test_ttl_attribute_name_1_to_255(self) -> None:
        Table("t", Key("k"), ttl_attribute="e" * 255)
        assert errors_of(lambda: Table("t", Key("k"), ttl_attribute="e" * 256)) == [
            "ttl_attribute: time-to-live attribute name has 256 characters; allowed 1-255 [T111]"
        ]
        assert errors_of(lambda: Table("t", Key("k"), ttl_attribute="")) == [
            "ttl_attribute: time-to-live attribute name has 0 characters; allowed 1-255 [T111]"
        ]

    def test_result_paths_are_reference_paths(self) -> None:
        for valid in ("$", "$.a", "$.a.b", "$['a b']", "$.list[0]", "$.a_b-c"):
            Catch("X", result_path=valid)
            Task("T", "f", result_path=valid, end=True)
        for invalid in ("$.a[*]", "$..a", "$.a[0:2]", "$.a[?(@.x)]", "$.a[0,1]", "$.*", "$.a."):
            assert errors_of(lambda p=invalid: Catch("X", result_path=p)) == [
                f"result_path: {invalid!r} is not a reference path: use '$', '.name', \"['name']\" or '[0]' steps, "
                "without '*', '..', slices, unions or filters [W115]"
            ]
        assert errors_of(lambda: Pass("P", result_path="$[*]", end=True)) == [
            "result_path: '$[*]' is not a reference path: use '$', '.name', \"['name']\" or '[0]' steps, "
            "without '*', '..', slices, unions or filters [W115]"
        ]

    def test_states_all_alone_and_last(self) -> None:
        Task("T", "f", retries=[Retry(["Lambda.ServiceException"]), Retry(["States.ALL"])],
             catches=[Catch("X", ["States.Timeout"]), Catch("X")], end=True)
        assert errors_of(lambda: Task("T", "f", retries=[Retry(["States.ALL"]), Retry(["States.Timeout"])],
                                      catches=[Catch("X"), Catch("X", ["States.Timeout"])], end=True)) == [
            "retries[0].errors: the retry matching 'States.ALL' must be the last of retries [W112]",
            "catches[0].errors: the catch matching 'States.ALL' must be the last of catches [W112]",
        ]
        assert errors_of(lambda: Retry(["States.ALL", "States.Timeout"])) == [
            "errors: 'States.ALL' must be the only error name of its retrier/catcher [W112]"
        ]

    def test_numbers_are_finite(self) -> None:
        Retry(backoff_rate=1.5)
        assert errors_of(lambda: Retry(backoff_rate=math.inf)) == ["backoff_rate: inf is not a finite number [M007]"]
        assert errors_of(lambda: Retry(backoff_rate=math.nan)) == ["backoff_rate: nan is not a finite number [M007]"]
        Condition("$.n", "NumericEquals", 1.5)
        assert errors_of(lambda: Condition("$.n", "NumericEquals", -math.inf)) == [
            "value: -inf is not a finite number [M007]"
        ]
        assert errors_of(lambda: Pass("P", {"n": [1, {"x": math.nan}]}, end=True)) == [
            "parameters['n'][1]['x']: nan is not a finite number [M007]"
        ]

    def test_payloads_are_json(self) -> None:
        Task("T", "f", {"a": None, "b": [1, "x", {"c": True}], "d": path("$.d"), "e": {"f": path("$.f")}}, end=True)
        assert errors_of(lambda: Task("T", "f", {"a": {1, 2}, "b": b"x", "c": {"d": [object]}, "e": [path("$.e")],
                                                 "f": {1: "x"}}, end=True)) == [
            "payload['a']: set {1, 2} is not a JSON value (null, true/false, a number, a string, a list or a "
            "mapping) [M008]",
            "payload['b']: bytes b'x' is not a JSON value (null, true/false, a number, a string, a list or a "
            "mapping) [M008]",
            "payload['c']['d'][0]: type <class 'object'> is not a JSON value (null, true/false, a number, a string, "
            "a list or a mapping) [M008]",
            "payload['e'][0]: Dynamic Dynamic(expression='$.e') is not a JSON value (null, true/false, a number, a "
            "string, a list or a mapping) [M008]",
            "payload['f'][1]: keys are plain names (use Dynamic values, not '.$') [M001]",
        ]

    def test_non_key_attributes_need_include(self) -> None:
        GlobalIndex("idx", Key("k"), projection="INCLUDE", non_key_attributes=["a"])
        assert errors_of(lambda: GlobalIndex("idx", Key("k"), non_key_attributes=["a"])) == [
            "non_key_attributes: non-key attributes need projection INCLUDE, not ALL [T107]"
        ]

    def test_state_name_80(self) -> None:
        Succeed("s" * 80)
        assert errors_of(lambda: Succeed("s" * 81)) == ["name: state name has 81 characters; allowed 1-80 [W102]"]

    def test_json_paths_start_with_dollar(self) -> None:
        Catch("X", result_path="$.error")
        assert errors_of(lambda: Catch("X", result_path="error")) == [
            "result_path: 'error' is not a JSONPath starting with '$' [W109]"
        ]

    def test_app_client_needs_an_auth_flow(self) -> None:
        assert errors_of(lambda: AppClient("web", auth_flows=[])) == ["auth_flows: give at least one auth flow [U102]"]

    def test_system_name_20(self) -> None:
        System("s" * 20, "dev")
        assert errors_of(lambda: System("s" * 21, "dev")) == [
            f"name: system name '{'s' * 21}' has 21 characters; allowed 1-20 [N101]"
        ]

    def test_bucket_suffix(self) -> None:
        System("a", "dev", bucket_suffix="s" * 20)
        assert errors_of(lambda: System("a", "dev", bucket_suffix="s" * 21)) == [
            f"bucket_suffix: bucket suffix '{'s' * 21}' has 21 characters; allowed 1-20 [N104]"
        ]

    def test_exemptions_need_a_known_check_and_a_reason(self) -> None:
        from oratio.model import Exemption

        Exemption("access-logs", "a reason of length")
        assert errors_of(lambda: Exemption("logs", "short")) == [
            "check: unknown check 'logs'; known: access-logs, advanced-security, customer-managed-key, "
            "dead-letter-queue, latest-runtime, mfa-required, reserved-concurrency, vpc [M006]",
            "reason: give a reason of at least 10 characters [M006]",
        ]

    def test_an_exemption_without_a_reason_is_refused(self) -> None:
        # What cdk-nag's acknowledgements and checkov's skips carry comes from here: no reason, no exemption.
        from oratio.model import Exemption

        for reason in ("", " " * 20, None):
            assert errors_of(lambda reason=reason: Exemption("vpc", reason)) == [
                "reason: give a reason of at least 10 characters [M006]"]


def test_every_rule_has_a_test() -> None:
    """cfn-lint's habit: a rule id no test names is a rule nobody checked."""
    from pathlib import Path

    from oratio.model.rules import RULES

    text = "".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
    untested = sorted(rule_id for rule_id in RULES if f"[{rule_id}]" not in text)
    assert untested == []
