"""Agent runtimes as ``AWS::BedrockAgentCore::Runtime`` (the L1 ``CfnRuntime``: the L2 ``Runtime`` adds its own
statements to the role, while here the role holds exactly the model's): code bundled by the shared bundler for
linux/arm64 (no Docker), uploaded as a .zip asset, run with a role trusted by AgentCore alone."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from aws_cdk import Aws
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from oratio.backends.cdk.role import trusted_role
from oratio.bundling import bundle_zip
from oratio.model import AgentRuntime, System
from oratio.model.permissions import agent_runtime_statements
from oratio.model.rules import AGENTCORE_ARCHITECTURE


def python_version(runtime: AgentRuntime) -> str:
    """``PYTHON_3_13`` → ``python3.13``, the bundler's runtime name."""
    return "python" + runtime.runtime.value.removeprefix("PYTHON_").replace("_", ".")


def render_agent_runtime(scope: Construct, system: System, runtime: AgentRuntime, construct_id: str,
                         environment: Mapping[str, str], project_root: Path,
                         progress: Callable[[str], None] | None = None) -> tuple[agentcore.CfnRuntime, iam.Role]:
    archive = bundle_zip(runtime.code, python_version(runtime), include=runtime.include, project_root=project_root,
                         progress=progress, architecture=AGENTCORE_ARCHITECTURE)
    asset = s3_assets.Asset(scope, f"{construct_id}Code", path=str(archive))
    code_object = f"arn:{Aws.PARTITION}:s3:::{asset.s3_bucket_name}/{asset.s3_object_key}"
    name = system.runtime_name(runtime)
    role = trusted_role(scope, f"{construct_id}Role", system, runtime,
                        agent_runtime_statements(system, runtime, code_object), f"{name}: the model's grants only")
    construct = agentcore.CfnRuntime(
        scope, construct_id,
        agent_runtime_name=name,
        description=runtime.description or None,
        agent_runtime_artifact=agentcore.CfnRuntime.AgentRuntimeArtifactProperty(
            code_configuration=agentcore.CfnRuntime.CodeConfigurationProperty(
                code=agentcore.CfnRuntime.CodeProperty(s3=agentcore.CfnRuntime.S3LocationProperty(
                    bucket=asset.s3_bucket_name, prefix=asset.s3_object_key)),
                entry_point=list(runtime.entry_point),
                runtime=runtime.runtime.value)),
        role_arn=role.role_arn,
        network_configuration=agentcore.CfnRuntime.NetworkConfigurationProperty(network_mode="PUBLIC"),
        environment_variables=dict(environment) or None,
        tags=dict(system.tags),
    )
    # The role's policy must exist before AgentCore validates the runtime (it fetches the code with the role).
    construct.node.add_dependency(role)
    return construct, role
