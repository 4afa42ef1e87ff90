"""The agent runtime provider: the platform's AgentCreator is an AgentCore runtime of the local AgentCore, its code
the bundled .zip in the runtimes' code bucket (private, encrypted, never taken for a model bucket), its role trusted
by AgentCore alone with the documented conditions and holding exactly the model's statements; the functions that
may invoke it carry its ARN; drift of a runtime shows in a preview and is undone by up."""

from __future__ import annotations

import json
import uuid
import zipfile
from io import BytesIO

import pytest

from oratio.backends.localstack import Target, outputs, preview, up
from oratio.backends.localstack.plan import Action
from oratio.backends.localstack.providers.agent_runtime import find
from oratio.model import System
from oratio.model.permissions import agent_runtime_statements, arn, trust_conditions
from tests.backends.localstack.conftest import PROJECT_ROOT

pytestmark = pytest.mark.localstack


def test_the_agentcreator_runs_from_its_code_package_with_a_role_trusted_by_agentcore(target: Target,
                                                                                     deployed: System) -> None:
    runtime = deployed.agent_runtime("agentcreator")
    control, iam, s3 = target.client("bedrock-agentcore-control"), target.client("iam"), target.client("s3")
    summary = find(target, deployed.runtime_name(runtime))
    assert summary is not None and summary["status"] == "READY"
    live = control.get_agent_runtime(agentRuntimeId=summary["agentRuntimeId"])
    code = live["agentRuntimeArtifact"]["codeConfiguration"]
    assert (code["entryPoint"], code["runtime"]) == (["main.py"], "PYTHON_3_13")
    bucket, key = code["code"]["s3"]["bucket"], code["code"]["s3"]["prefix"]
    assert bucket == f"{deployed.prefix}-{target.place.account}-runtime-code"
    assert key.startswith(f"{deployed.runtime_name(runtime)}/") and key.endswith(".zip")
    names = zipfile.ZipFile(BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read())).namelist()
    assert {"main.py", "agent_common/models.py", "boto3/__init__.py"} <= set(names)
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    assert live["environmentVariables"] == {"GENERATED_CODE_BUCKET": deployed.bucket_name(
        deployed.bucket("generated-code"), target.place.account), "MODEL_ID": runtime.environment["MODEL_ID"]}

    role = iam.get_role(RoleName=live["roleArn"].rsplit("/", 1)[1])["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"] == [{"Effect": "Allow", "Principal": {"Service": "bedrock-agentcore.amazonaws.com"},
                                   "Action": "sts:AssumeRole", "Condition": trust_conditions(runtime, target.place)}]
    policy = iam.get_role_policy(RoleName=role["RoleName"], PolicyName="model")["PolicyDocument"]
    policy = json.loads(policy) if isinstance(policy, str) else policy
    code_objects = f"arn:aws:s3:::{bucket}/{deployed.runtime_name(runtime)}/*"
    assert [(s["Action"], s["Resource"]) for s in policy["Statement"]] == [
        (list(s.actions), [arn(r, deployed, target.place) for r in s.resources])
        for s in agent_runtime_statements(deployed, runtime, code_objects)]

    invoker = target.client("lambda").get_function_configuration(
        FunctionName=deployed.physical_name(deployed.function("agentcreator-invoker")))
    assert invoker["Environment"]["Variables"]["AGENTCREATOR_RUNTIME_ARN"] == summary["agentRuntimeArn"]
    assert outputs(target, deployed)["agent_runtimes"] == {"agentcreator": summary["agentRuntimeArn"]}


def test_the_agentcreators_own_code_answers_through_invoke_agent_runtime(target: Target, deployed: System) -> None:
    """Its real code runs: a request without a specification is refused by the meta-agent itself."""
    arn_ = outputs(target, deployed)["agent_runtimes"]["agentcreator"]
    with pytest.raises(target.client("bedrock-agentcore").exceptions.ClientError) as refused:
        target.client("bedrock-agentcore").invoke_agent_runtime(
            agentRuntimeArn=arn_, runtimeSessionId=f"provider-test-{uuid.uuid4().hex}", payload=b"{}")
    assert "Received error (400) from runtime" in str(refused.value)
    assert 'send {\\"specification\\": {...}' in str(refused.value)


def test_drift_of_a_runtime_shows_in_preview_and_up_undoes_it(target: Target, deployed: System) -> None:
    runtime = deployed.agent_runtime("agentcreator")
    control = target.client("bedrock-agentcore-control")
    summary = find(target, deployed.runtime_name(runtime))
    assert summary is not None
    live = control.get_agent_runtime(agentRuntimeId=summary["agentRuntimeId"])
    control.update_agent_runtime(agentRuntimeId=summary["agentRuntimeId"],
                                 agentRuntimeArtifact=live["agentRuntimeArtifact"], roleArn=live["roleArn"],
                                 networkConfiguration=live["networkConfiguration"], description=live["description"],
                                 environmentVariables={**live["environmentVariables"], "MODEL_ID": "changed.by-hand"})
    plan = preview(target, deployed, project_root=PROJECT_ROOT)
    (change,) = plan.pending
    assert (change.action, change.kind, change.drift) == (Action.UPDATE, "agent-runtime", True)
    assert set(change.fields) == {"environment"}
    up(target, deployed, project_root=PROJECT_ROOT)
    assert preview(target, deployed, project_root=PROJECT_ROOT).pending == ()
    assert find(target, deployed.runtime_name(runtime))["agentRuntimeArn"] == summary["agentRuntimeArn"]
