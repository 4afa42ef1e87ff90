"""The AI layer's kinds at their boundaries (agent runtimes, service roles, vector buckets and their grants), with
the exact errors, and the least-privilege statements they give. Limits are AgentCore's, IAM's and S3 Vectors'
documented ones (botocore's bedrock-agentcore-control and s3vectors models state the same)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from oratio.model import (
    AgentRuntime,
    Bucket,
    Function,
    ModelError,
    ServiceRole,
    System,
    TrustedService,
    VectorBucket,
    foundation_model,
    knowledge_base_retrieval,
    manage_agent_runtimes,
)
from oratio.model.permissions import (
    Place,
    agent_runtime_statements,
    allowed,
    arn,
    function_statements,
    service_role_statements,
    trust_conditions,
)

PLACE = Place("aws", "us-east-1", "123456789012")
LONG_SYSTEM, LONG_STAGE = "a" * 20, "d" * 12  # the prefix is 34 characters with its two separators


def errors_of(build: Callable[[], Any]) -> list[str]:
    with pytest.raises(ModelError) as raised:
        build()
    return [str(p) for p in raised.value.problems]


class TestAgentRuntimeNames:
    def test_48_characters_is_the_limit_and_hyphens_become_underscores(self) -> None:
        system = System(LONG_SYSTEM, LONG_STAGE, agent_runtimes=[AgentRuntime("r-" + "r" * 12, code="c")])
        name = system.runtime_name(system.agent_runtimes[0])
        assert name == "a" * 20 + "_" + "d" * 12 + "_r_" + "r" * 12
        assert len(name) == 48

    def test_49_characters_is_refused_with_the_length_and_the_limit(self) -> None:
        name = "a" * 20 + "_" + "d" * 12 + "_" + "r" * 15
        assert errors_of(lambda: System(LONG_SYSTEM, LONG_STAGE, agent_runtimes=[AgentRuntime("r" * 15, code="c")])
                         ) == [f"agent_runtimes['{'r' * 15}'].name: physical agent runtime name {name!r} has 49 "
                               "characters; AgentCore allows 1-48 characters of [a-zA-Z0-9_], a letter first: shorten "
                               "the runtime's, the system's or the stage's name [A101]"]

    def test_hyphenated_system_names_are_valid_agentcore_names(self) -> None:
        system = System("my-app", "dev", agent_runtimes=[AgentRuntime("agent-creator", code="c")])
        assert system.runtime_name(system.agent_runtimes[0]) == "my_app_dev_agent_creator"


class TestAgentRuntimeFields:
    def test_node_is_an_agentcore_runtime_but_not_bundled(self) -> None:
        assert errors_of(lambda: AgentRuntime("a", code="c", runtime="NODE_22")) == [
            "runtime: NODE_22 is an AgentCore runtime, but oratio's bundler packages Python only; use one of "
            "PYTHON_3_10, PYTHON_3_11, PYTHON_3_12, PYTHON_3_13, PYTHON_3_14 [A102]"]

    def test_an_unknown_runtime_is_refused(self) -> None:
        assert errors_of(lambda: AgentRuntime("a", code="c", runtime="PYTHON_3_9")) == [
            "runtime: 'PYTHON_3_9' is not one of PYTHON_3_10, PYTHON_3_11, PYTHON_3_12, PYTHON_3_13, PYTHON_3_14, "
            "NODE_22 [A102]"]

    @pytest.mark.parametrize("entry_point", [("main.py",), ("main.py", "x" * 128)])
    def test_one_or_two_entry_point_parts(self, entry_point: tuple[str, ...]) -> None:
        assert AgentRuntime("a", code="c", entry_point=entry_point).entry_point == entry_point

    def test_three_entry_point_parts_are_refused(self) -> None:
        assert errors_of(lambda: AgentRuntime("a", code="c", entry_point=["a.py", "b", "c"])) == [
            "entry_point: expected 1-2 strings (e.g. ['main.py']), got ('a.py', 'b', 'c') [A103]"]

    def test_entry_point_parts_of_129_characters_and_non_python_files_are_refused(self) -> None:
        assert errors_of(lambda: AgentRuntime("a", code="c", entry_point=["main.sh", "x" * 129])) == [
            f"entry_point[1]: {'x' * 129!r} is not 1-128 characters [A103]",
            "entry_point[0]: 'main.sh' is not a Python file: AgentCore starts the entry point's .py file [A103]"]

    def test_50_variables_is_the_limit(self) -> None:
        environment = {f"V{i}": "x" * 5000 for i in range(50)}
        assert len(AgentRuntime("a", code="c", environment=environment).environment) == 50

    def test_51_variables_and_long_values_are_refused(self) -> None:
        environment = {f"V{i}": "" for i in range(51)}
        assert errors_of(lambda: AgentRuntime("a", code="c", environment=environment)) == [
            "environment: 51 variables; AgentCore allows 50 [A104]"]
        assert errors_of(lambda: AgentRuntime("a", code="c", environment={"V": "x" * 5001, "N" * 101: ""})) == [
            "environment['V']: value has 5001 characters; AgentCore allows 5000 [A104]",
            f"environment[{'N' * 101!r}]: {'N' * 101!r} is not a valid name: 1-100 characters, a letter, then letters,"
            " digits or '_' [A104]"]

    def test_description_of_4096_characters_is_the_limit(self) -> None:
        assert AgentRuntime("a", code="c", description="x" * 4096)
        assert errors_of(lambda: AgentRuntime("a", code="c", description="x" * 4097)) == [
            "description: 4097 characters; AgentCore allows 4096 [A105]"]

    def test_code_folders_follow_the_functions_rule(self) -> None:
        assert errors_of(lambda: AgentRuntime("a", code="../elsewhere")) == [
            "code: '../elsewhere' must be relative and stay inside the project [F108]"]


class TestServiceRoles:
    def test_64_characters_is_the_limit(self) -> None:
        role = ServiceRole("r" * 30, TrustedService.AGENTCORE_RUNTIME)
        system = System(LONG_SYSTEM, LONG_STAGE, service_roles=[role])
        assert len(system.physical_name(system.service_roles[0])) == 64

    def test_65_characters_is_refused(self) -> None:
        physical = f"{LONG_SYSTEM}-{LONG_STAGE}-{'r' * 31}"
        assert errors_of(lambda: System(LONG_SYSTEM, LONG_STAGE, service_roles=[
            ServiceRole("r" * 31, "bedrock.amazonaws.com")])) == [
            f"service_roles['{'r' * 31}'].name: physical role name {physical!r} has 65 characters; allowed 1-64 [R101]"]

    def test_only_services_with_known_conditions_are_trusted(self) -> None:
        assert errors_of(lambda: ServiceRole("r", "lambda.amazonaws.com")) == [
            "service: 'lambda.amazonaws.com' is not one of bedrock.amazonaws.com, bedrock-agentcore.amazonaws.com "
            "[R102]"]

    def test_trust_carries_the_documented_confused_deputy_conditions(self) -> None:
        knowledge_bases = ServiceRole("kb", TrustedService.BEDROCK_KNOWLEDGE_BASES)
        agents = ServiceRole("agents", TrustedService.AGENTCORE_RUNTIME)
        assert trust_conditions(knowledge_bases, PLACE) == {
            "StringEquals": {"aws:SourceAccount": "123456789012"},
            "ArnLike": {"aws:SourceArn": "arn:aws:bedrock:us-east-1:123456789012:knowledge-base/*"}}
        assert trust_conditions(agents, PLACE) == {
            "StringEquals": {"aws:SourceAccount": "123456789012"},
            "ArnLike": {"aws:SourceArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:*"}}


class TestVectorBuckets:
    def test_63_characters_is_the_limit(self) -> None:
        system = System(LONG_SYSTEM, LONG_STAGE, vector_buckets=[VectorBucket("v" * 29)])
        assert len(system.physical_name(system.vector_buckets[0])) == 63

    def test_64_characters_is_refused(self) -> None:
        physical = f"{LONG_SYSTEM}-{LONG_STAGE}-{'v' * 30}"
        assert errors_of(lambda: System(LONG_SYSTEM, LONG_STAGE, vector_buckets=[VectorBucket("v" * 30)])) == [
            f"vector_buckets['{'v' * 30}'].name: physical vector bucket name {physical!r} has 64 characters; "
            "allowed 3-63 [V101]"]

    def test_sse_kms_is_refused_until_the_model_holds_keys(self) -> None:
        assert VectorBucket("v").encryption == "S3_MANAGED"
        assert errors_of(lambda: VectorBucket("v", encryption="KMS_MANAGED")) == [
            "encryption: SSE-KMS needs a customer managed key, which the model does not hold yet; use S3_MANAGED "
            "[V102]"]


class TestGrants:
    @pytest.mark.parametrize("model_id", ["anthropic.claude-3-5-haiku-20241022-v1:0", "amazon.titan-embed-text-v2:0",
                                          "us.anthropic.claude-3-5-haiku-20241022-v1:0"])
    def test_model_ids(self, model_id: str) -> None:
        assert foundation_model(model_id).model_id == model_id

    def test_a_model_id_without_its_provider_is_refused(self) -> None:
        assert errors_of(lambda: foundation_model("claude")) == [
            "model_id: 'claude' is not a Bedrock model id such as 'anthropic.claude-3-5-haiku-20241022-v1:0' or "
            "'us.anthropic.claude-3-5-haiku-20241022-v1:0' (1-140 characters) [G111]"]

    def test_grants_name_the_systems_own_resources(self) -> None:
        elsewhere = VectorBucket("vectors")
        assert errors_of(lambda: System("a", "dev", functions=[
            Function("f", code="c", grants=[elsewhere.manage_indexes()])])) == [
            "functions['f'].grants[0].target: vector-bucket 'vectors' is not this system's (or differs from it): add "
            "it to the system's agent_runtimes, service_roles, vector_buckets or workflows [G112]"]

    def test_runtimes_are_managed_only_with_a_role_agentcore_trusts(self) -> None:
        assert errors_of(lambda: manage_agent_runtimes(ServiceRole("kb", TrustedService.BEDROCK_KNOWLEDGE_BASES))) == [
            "execution_role: role 'kb' is not trusted by AgentCore (service 'bedrock-agentcore.amazonaws.com'), so no "
            "runtime could run with it [G112]"]

    def test_a_vector_bucket_offers_only_its_grants(self) -> None:
        from oratio.model import TargetGrant
        assert errors_of(lambda: TargetGrant(VectorBucket("v"), "invoke")) == [
            "action: 'invoke' is not a grant of a vector-bucket; allowed: manage_indexes, read_write, knowledge_base "
            "[G112]"]


def ai_system() -> System:
    vectors = VectorBucket("vectors")
    documents = Bucket("documents")
    kb_role = ServiceRole("kb", TrustedService.BEDROCK_KNOWLEDGE_BASES, grants=[
        documents.read(), vectors.knowledge_base(), foundation_model("amazon.titan-embed-text-v2:0")])
    agents_role = ServiceRole("agents", TrustedService.AGENTCORE_RUNTIME, grants=[
        knowledge_base_retrieval(), foundation_model("us.anthropic.claude-3-5-haiku-20241022-v1:0")])
    creator = AgentRuntime("creator", code="agents/creator", grants=[
        foundation_model("anthropic.claude-3-5-haiku-20241022-v1:0", streaming=True)])
    functions = [
        Function("provisioner", code="c", grants=[vectors.manage_indexes(), kb_role.pass_role()]),
        Function("invoker", code="c", grants=[creator.invoke()]),
        Function("deployer", code="c", grants=[manage_agent_runtimes(agents_role)]),
    ]
    return System("oratio", "dev", buckets=[documents], functions=functions, agent_runtimes=[creator],
                  service_roles=[kb_role, agents_role], vector_buckets=[vectors], bucket_suffix="x")


def pairs(statements: tuple, system: System) -> set[tuple[str, str]]:
    return {(action, arn(resource, system, PLACE)) for action, resource in allowed_pairs(statements)}


def allowed_pairs(statements: tuple) -> list[tuple[str, Any]]:
    return [(a, r) for s in statements for a in s.actions for r in s.resources]


class TestStatements:
    def test_vector_index_management_acts_on_the_bucket_and_its_indexes(self) -> None:
        system = ai_system()
        bucket = "arn:aws:s3vectors:us-east-1:123456789012:bucket/oratio-dev-vectors"
        statements = function_statements(system.function("provisioner"))
        assert pairs(statements[1:3], system) == {
            ("s3vectors:CreateIndex", bucket), ("s3vectors:ListIndexes", bucket),
            ("s3vectors:DeleteIndex", f"{bucket}/index/*"), ("s3vectors:GetIndex", f"{bucket}/index/*")}
        assert statements[2].reason  # index/*: the model says why
        assert statements[3].conditions == (("StringEquals", "iam:PassedToService", "bedrock.amazonaws.com"),)
        assert pairs(statements[3:], system) == {("iam:PassRole", "arn:aws:iam::123456789012:role/oratio-dev-kb")}

    def test_invoking_a_runtime_allows_that_runtime_and_its_endpoints_only(self) -> None:
        system = ai_system()
        runtime = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/oratio_dev_creator-*"
        assert pairs(function_statements(system.function("invoker"))[1:], system) == {
            ("bedrock-agentcore:InvokeAgentRuntime", runtime),
            ("bedrock-agentcore:InvokeAgentRuntime", f"{runtime}/runtime-endpoint/*"),
            ("bedrock-agentcore:StopRuntimeSession", runtime),  # ending its own session
            ("bedrock-agentcore:StopRuntimeSession", f"{runtime}/runtime-endpoint/*")}

    def test_managing_runtimes_passes_exactly_the_execution_role_to_agentcore(self) -> None:
        system = ai_system()
        manage, pass_role = function_statements(system.function("deployer"))[1:]
        assert {arn(r, system, PLACE) for r in manage.resources} == {
            "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/*"}
        assert manage.reason and "bedrock-agentcore:CreateAgentRuntime" in manage.actions
        assert pairs((pass_role,), system) == {("iam:PassRole", "arn:aws:iam::123456789012:role/oratio-dev-agents")}
        assert pass_role.conditions == (("StringEquals", "iam:PassedToService", "bedrock-agentcore.amazonaws.com"),)

    def test_an_inference_profile_grants_the_profile_and_its_model_in_any_region(self) -> None:
        system = ai_system()
        statements = service_role_statements(system, system.service_role("agents"))
        model = "anthropic.claude-3-5-haiku-20241022-v1:0"
        assert pairs(statements[2:], system) == {
            ("bedrock:Retrieve", "arn:aws:bedrock:us-east-1:123456789012:knowledge-base/*"),
            ("bedrock:InvokeModel", f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{model}"),
            ("bedrock:InvokeModel", f"arn:aws:bedrock:*::foundation-model/{model}")}
        assert all(s.reason for s in statements[2:] if s.wildcard_resources)
        # the agents' logs: only runtimes named with this system's prefix
        assert arn(statements[0].resources[0], system, PLACE) == (
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/bedrock-agentcore/runtimes/oratio_dev_*")

    def test_a_foundation_model_is_granted_in_the_stacks_region_and_streaming_adds_its_action(self) -> None:
        system = ai_system()
        statements = agent_runtime_statements(system, system.agent_runtime("creator"))
        model = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0"
        assert pairs(statements[2:], system) == {("bedrock:InvokeModel", model),
                                                 ("bedrock:InvokeModelWithResponseStream", model)}
        assert arn(statements[0].resources[0], system, PLACE) == (
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/bedrock-agentcore/runtimes/oratio_dev_creator-*")

    def test_a_knowledge_base_role_reads_its_documents_and_uses_its_indexes(self) -> None:
        system = ai_system()
        granted = pairs(service_role_statements(system, system.service_role("kb")), system)
        index = "arn:aws:s3vectors:us-east-1:123456789012:bucket/oratio-dev-vectors/index/*"
        assert {a for a, r in granted if r == index} == {
            "s3vectors:DeleteVectors", "s3vectors:GetIndex", "s3vectors:GetVectors", "s3vectors:PutVectors",
            "s3vectors:QueryVectors"}
        assert ("bedrock:InvokeModel", "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0") \
            in granted
        assert not any(r == "*" for _, r in granted)
        assert len(allowed(service_role_statements(system, system.service_role("kb")))) == len(granted)

    def test_the_environment_names_the_ai_resources(self) -> None:
        system = ai_system()
        names = {**system.physical_names("123456789012"), "agent-runtime:creator": "arn:runtime"}
        assert system.environment(system.function("provisioner"), names) == {
            "VECTORS_VECTOR_BUCKET": "oratio-dev-vectors",
            "KB_ROLE_ARN": "arn:aws:iam::123456789012:role/oratio-dev-kb"}
        assert system.environment(system.function("invoker"), names) == {"CREATOR_RUNTIME_ARN": "arn:runtime"}
        assert system.environment(system.function("deployer"), names) == {
            "AGENTS_ROLE_ARN": "arn:aws:iam::123456789012:role/oratio-dev-agents"}
