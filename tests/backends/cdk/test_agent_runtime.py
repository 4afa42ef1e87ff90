"""The AI layer's stack: the AgentCreator as an AgentCore runtime (code from an S3 asset, entry point, runtime),
roles trusted by their service with the documented confused-deputy conditions, the vector bucket, and every
statement as the model states it, scoped as narrowly as AWS allows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from oratio.backends.cdk.app import CONCERNS, stack_name
from oratio.model import System
from oratio.model.permissions import agent_runtime_statements, service_role_statements
from tests.backends.cdk.cfn import MARKED, resolved_string

PARTITION, REGION, ACCOUNT = MARKED.partition, MARKED.region, MARKED.account


def resources_of(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    return template.find_resources(kind)


def trust_of(role: dict[str, Any]) -> dict[str, Any]:
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    return statement


def _resolve(value: Any) -> str:
    """resolved_string, plus a lone Ref and the Fn::Sub the CDK writes for its asset bucket's name."""
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(p if isinstance(p, str) else p["Fn::Sub"] if "Fn::Sub" in p else f"<{p['Ref']}>"
                              for p in parts)
    return resolved_string(value)


def granted(role: dict[str, Any]) -> set[tuple[str, str]]:
    (policy,) = role["Properties"]["Policies"]
    return {(action, _resolve(resource))
            for s in policy["PolicyDocument"]["Statement"]
            for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
            for resource in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])}


def test_the_agentcreator_runs_on_agentcore_from_a_code_asset(system: System, templates: dict[str, Template],
                                                                 assembly_dir: Path) -> None:
    (runtime,) = resources_of(templates["ai"], "AWS::BedrockAgentCore::Runtime").values()
    props = runtime["Properties"]
    assert props["AgentRuntimeName"] == "oratio_dev_agentcreator"
    code = props["AgentRuntimeArtifact"]["CodeConfiguration"]
    assert (code["EntryPoint"], code["Runtime"]) == (["main.py"], "PYTHON_3_13")
    # The code is a file asset of the assembly: a .zip holding the meta-agent and its shared code.
    key = code["Code"]["S3"]["Prefix"]
    assets = json.loads((assembly_dir / f"{stack_name(system, 'ai')}.assets.json").read_text())["files"]
    (asset,) = [a for a in assets.values() if any(d["objectKey"] == key for d in a["destinations"].values())]
    assert asset["source"]["packaging"] == "file" and asset["source"]["path"].endswith(".zip")
    assert props["NetworkConfiguration"] == {"NetworkMode": "PUBLIC"}
    assert props["EnvironmentVariables"]["MODEL_ID"] == system.agent_runtime("agentcreator").environment["MODEL_ID"]
    assert resolved_string(props["EnvironmentVariables"]["GENERATED_CODE_BUCKET"]) == \
        f"oratio-dev-generated-code-{ACCOUNT}"


def test_every_role_of_the_ai_layer_is_trusted_by_its_service_with_the_documented_conditions(
        templates: dict[str, Template]) -> None:
    roles = resources_of(templates["ai"], "AWS::IAM::Role")
    services = {}
    for logical_id, role in roles.items():
        trust = trust_of(role)
        service = trust["Principal"]["Service"]
        services[logical_id] = service
        assert trust["Action"] == "sts:AssumeRole"
        assert _resolve(trust["Condition"]["StringEquals"]["aws:SourceAccount"]) == ACCOUNT
        source = _resolve(trust["Condition"]["ArnLike"]["aws:SourceArn"])
        assert source == {
            "bedrock.amazonaws.com": f"arn:{PARTITION}:bedrock:{REGION}:{ACCOUNT}:knowledge-base/*",
            "bedrock-agentcore.amazonaws.com": f"arn:{PARTITION}:bedrock-agentcore:{REGION}:{ACCOUNT}:*",
        }[service]
    assert sorted(services.values()) == ["bedrock-agentcore.amazonaws.com", "bedrock-agentcore.amazonaws.com",
                                         "bedrock.amazonaws.com"]


def test_service_roles_hold_exactly_the_models_statements(system: System, templates: dict[str, Template]) -> None:
    roles = {r["Properties"].get("RoleName"): r for r in resources_of(templates["ai"], "AWS::IAM::Role").values()}
    from oratio.model.permissions import arn
    for role in system.service_roles:
        wanted = {(a, arn(r, system, MARKED)) for s in service_role_statements(system, role)
                  for a in s.actions for r in s.resources}
        assert granted(roles[system.physical_name(role)]) == wanted


def test_no_statement_of_the_ai_layer_has_a_wildcard_without_a_reason_or_a_wildcard_action(
        system: System, templates: dict[str, Template]) -> None:
    for role in resources_of(templates["ai"], "AWS::IAM::Role").values():
        for action, resource in granted(role):
            assert "*" not in action
            if resource == "*":  # only X-Ray's trace APIs, which accept nothing narrower
                assert action.startswith("xray:"), (action, resource)
    statements = [s for r in system.service_roles for s in service_role_statements(system, r)]
    statements += [s for r in system.agent_runtimes for s in agent_runtime_statements(system, r)]
    assert all(s.reason for s in statements if s.wildcard_resources)


def test_the_agentcreator_may_read_its_code_and_write_generated_code_and_call_its_model_only(
        system: System, templates: dict[str, Template]) -> None:
    (runtime,) = resources_of(templates["ai"], "AWS::BedrockAgentCore::Runtime").values()
    roles = resources_of(templates["ai"], "AWS::IAM::Role")
    pairs = granted(roles[runtime["Properties"]["RoleArn"]["Fn::GetAtt"][0]])
    model = "anthropic.claude-3-5-haiku-20241022-v1:0"
    assert ("bedrock:InvokeModel", f"arn:{PARTITION}:bedrock:{REGION}:{ACCOUNT}:inference-profile/us.{model}") in pairs
    assert ("bedrock:InvokeModel", f"arn:{PARTITION}:bedrock:*::foundation-model/{model}") in pairs
    assert ("s3:PutObject", f"arn:{PARTITION}:s3:::oratio-dev-generated-code-{ACCOUNT}/*") in pairs
    code = runtime["Properties"]["AgentRuntimeArtifact"]["CodeConfiguration"]["Code"]["S3"]
    (code_read,) = [r for a, r in pairs if a == "s3:GetObject" and r.endswith(".zip")]
    assert code_read.endswith("/" + code["Prefix"])
    assert {a.split(":")[0] for a, _ in pairs} == {"s3", "logs", "xray", "bedrock"}


def test_the_vector_bucket_is_sse_s3_and_retained(templates: dict[str, Template]) -> None:
    (bucket,) = resources_of(templates["ai"], "AWS::S3Vectors::VectorBucket").values()
    assert bucket["Properties"]["VectorBucketName"] == "oratio-dev-knowledge-vectors"
    assert bucket["Properties"]["EncryptionConfiguration"] == {"SseType": "AES256"}
    assert bucket["DeletionPolicy"] == "Retain"


def test_the_invoker_gets_the_runtimes_arn_and_may_invoke_it_alone(templates: dict[str, Template]) -> None:
    functions = resources_of(templates["functions"], "AWS::Lambda::Function")
    (invoker,) = [f for f in functions.values() if f["Properties"]["FunctionName"] == "oratio-dev-agentcreator-invoker"]
    variable = invoker["Properties"]["Environment"]["Variables"]["AGENTCREATOR_RUNTIME_ARN"]
    assert "Fn::ImportValue" in variable  # the runtime's own attribute, from the ai stack
    role = resources_of(templates["functions"], "AWS::IAM::Role")[invoker["Properties"]["Role"]["Fn::GetAtt"][0]]
    runtime = f"arn:{PARTITION}:bedrock-agentcore:{REGION}:{ACCOUNT}:runtime/oratio_dev_agentcreator-*"
    assert {(a, r) for a, r in granted(role) if a.startswith("bedrock-agentcore:")} == {
        ("bedrock-agentcore:InvokeAgentRuntime", runtime),
        ("bedrock-agentcore:InvokeAgentRuntime", f"{runtime}/runtime-endpoint/*"),
        ("bedrock-agentcore:StopRuntimeSession", runtime),  # ending its own session
        ("bedrock-agentcore:StopRuntimeSession", f"{runtime}/runtime-endpoint/*")}


def test_the_deployer_passes_exactly_the_agents_role_to_agentcore(templates: dict[str, Template]) -> None:
    functions = resources_of(templates["functions"], "AWS::Lambda::Function")
    (deployer,) = [f for f in functions.values() if f["Properties"]["FunctionName"] == "oratio-dev-agentcore-deployer"]
    role = resources_of(templates["functions"], "AWS::IAM::Role")[deployer["Properties"]["Role"]["Fn::GetAtt"][0]]
    (policy,) = role["Properties"]["Policies"]
    (pass_role,) = [s for s in policy["PolicyDocument"]["Statement"] if s["Action"] == "iam:PassRole"]
    assert resolved_string(pass_role["Resource"]) == f"arn:{PARTITION}:iam::{ACCOUNT}:role/oratio-dev-agents"
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "bedrock-agentcore.amazonaws.com"}}
    env = deployer["Properties"]["Environment"]["Variables"]
    assert resolved_string(env["AGENTS_ROLE_ARN"]) == f"arn:{PARTITION}:iam::{ACCOUNT}:role/oratio-dev-agents"
    assert env["AGENT_RUNTIME_PREFIX"] == "oratio_dev_"


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_no_stage_template_holds_a_placeholder(stage: str, tmp_path: Path) -> None:
    from oratio.backends.cdk.app import build_app
    from oratio.platform import platform
    from tests.backends.cdk.conftest import PROJECT_ROOT

    build_app(platform(stage), outdir=str(tmp_path), project_root=PROJECT_ROOT, nag=False).synth()
    text = "".join(p.read_text() for p in tmp_path.glob("*.template.json"))
    assert len(list(tmp_path.glob("*.template.json"))) == len(CONCERNS)
    for placeholder in ("000000000000", "TSTALIASID", '"AGENTCREATOR"', "aoss:", "oratio-bedrock-"):
        assert placeholder not in text, placeholder
