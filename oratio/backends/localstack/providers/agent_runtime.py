"""Agent runtimes (Amazon Bedrock AgentCore Runtime, code deployments): the code bundled as for the CDK (the shared
bundler, linux/arm64 wheels), uploaded as a .zip to the runtimes' code bucket (``runtime_code.py``) and given as
``codeConfiguration``; a role trusted by AgentCore with the documented conditions; the model's environment.

AgentCore names a runtime by an id it picks (``{name}-{10 characters}``), so a runtime is found by its name, and
its ARN, which functions granted ``invoke`` carry in their environment, is known only once it exists: specs hold a
token for it (``runtime_arn_token``), which providers resolve when they write and read back as the token when the
live value is that runtime's current ARN (so replacing a runtime shows as a change of the functions naming it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from oratio.backends.localstack.providers.base import Context, Live, Provider, Spec, listed, unless_missing, wait
from oratio.backends.localstack.providers.role import RoleProvider, role_arn
from oratio.backends.localstack.providers.runtime_code import RuntimeCodeProvider
from oratio.backends.localstack.target import Target
from oratio.bundling import bundle_zip
from oratio.model import AgentRuntime, System
from oratio.model.permissions import agent_runtime_statements, trust, trust_conditions
from oratio.model.rules import AGENTCORE_ARCHITECTURE

TOKEN_PREFIX = "oratio:agent-runtime-arn:"
FAILED = ("CREATE_FAILED", "UPDATE_FAILED")
WAIT_S = 120.0


def python_version(runtime: AgentRuntime) -> str:
    """``PYTHON_3_13`` -> ``python3.13``, the bundler's runtime name."""
    return "python" + runtime.runtime.value.removeprefix("PYTHON_").replace("_", ".")


def runtime_arn_token(physical: str) -> str:
    return TOKEN_PREFIX + physical


def runtime_tokens(system: System) -> dict[str, str]:
    """``agent-runtime:<name>`` -> the token of that runtime's ARN, for ``System.environment``."""
    return {f"agent-runtime:{r.name}": runtime_arn_token(system.runtime_name(r)) for r in system.agent_runtimes}


def _runtimes(target: Target) -> list[dict[str, Any]]:
    return target.once("agentcore:runtimes", lambda: list(listed(
        target.client("bedrock-agentcore-control"), "list_agent_runtimes", "agentRuntimes")))


def find(target: Target, physical: str) -> dict[str, Any] | None:
    """The runtime's summary (id, ARN, status) by its name; None if there is none (or it is being deleted)."""
    for summary in _runtimes(target):
        if summary["agentRuntimeName"] == physical and summary["status"] != "DELETING":
            return summary
    return None


def resolved(target: Target, environment: dict[str, str]) -> dict[str, str]:
    """The environment with every runtime ARN token replaced by that runtime's ARN (it must exist by now: runtimes
    are applied before what names them)."""
    result = {}
    for key, value in environment.items():
        if value.startswith(TOKEN_PREFIX):
            summary = find(target, value.removeprefix(TOKEN_PREFIX))
            if summary is None:
                raise RuntimeError(f"{key} names agent runtime {value.removeprefix(TOKEN_PREFIX)}, which does not "
                                   "exist")
            value = summary["agentRuntimeArn"]
        result[key] = value
    return result


def as_specified(target: Target, live: dict[str, str], wanted: dict[str, str]) -> dict[str, str]:
    """A live environment in the spec's terms: a value that is the current ARN of the runtime a wanted token names
    reads back as that token."""
    result = dict(live)
    for key, value in wanted.items():
        if value.startswith(TOKEN_PREFIX) and key in live:
            summary = find(target, value.removeprefix(TOKEN_PREFIX))
            if summary is not None and summary["agentRuntimeArn"] == live[key]:
                result[key] = value
    return result


class AgentRuntimeProvider(Provider):
    kind = "agent-runtime"
    level = 1  # after its role and code bucket; before the functions whose environment names it
    collection = "agent_runtimes"

    def desired(self, resource: AgentRuntime, context: Context) -> list[Spec]:
        runtime, system, place = resource, context.system, context.place
        physical = system.runtime_name(runtime)
        code_bucket = RuntimeCodeProvider.spec(context)
        archive = bundle_zip(runtime.code, python_version(runtime), include=runtime.include,
                             project_root=context.project_root, progress=context.progress,
                             architecture=AGENTCORE_ARCHITECTURE)
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()[:16]
        # The role reads the runtime's own code objects (the key changes with the code; the role need not).
        code_objects = f"arn:{place.partition}:s3:::{code_bucket.physical}/{physical}/*"
        role = RoleProvider.spec(context, runtime.name, physical.replace("_", "-"), "runtime", trust(runtime).service,
                                 agent_runtime_statements(system, runtime, code_objects),
                                 trust_conditions(runtime, place))
        names = {**system.physical_names(place.account, place.partition), **runtime_tokens(system)}
        return [code_bucket, role, Spec(self.kind, runtime.name, physical, {
            "code": {"bucket": code_bucket.physical, "key": f"{physical}/{digest}.zip"},
            "entry_point": list(runtime.entry_point),
            "runtime": runtime.runtime.value,
            "environment": dict(sorted(system.environment(runtime, names).items())),
            "role": role_arn(role.physical, place),
            "description": runtime.description,
        }, artifact=archive)]

    def needs(self, spec: Spec) -> frozenset[str]:
        """Its code bucket and its role (not the tables or buckets its environment names)."""
        return frozenset({spec.props["code"]["bucket"], spec.props["role"].rpartition("/")[2]})

    def read(self, target: Target, spec: Spec) -> Live | None:
        summary = find(target, spec.physical)
        if summary is None:
            return None
        control = target.client("bedrock-agentcore-control")
        runtime = unless_missing(lambda: control.get_agent_runtime(agentRuntimeId=summary["agentRuntimeId"]),
                                 "ResourceNotFoundException")
        if runtime is None:
            return None
        code = (runtime.get("agentRuntimeArtifact") or {}).get("codeConfiguration") or {}
        s3 = (code.get("code") or {}).get("s3") or {}
        problems = (f"{runtime['status']}: {runtime.get('failureReason') or 'no reason given'}",
                    ) if runtime["status"] in FAILED else ()
        return Live({
            "code": {"bucket": s3.get("bucket"), "key": s3.get("prefix")},
            "entry_point": list(code.get("entryPoint") or []),
            "runtime": code.get("runtime"),
            "environment": dict(sorted(as_specified(target, runtime.get("environmentVariables") or {},
                                                    spec.props["environment"]).items())),
            "role": runtime.get("roleArn"),
            "description": runtime.get("description", ""),
        }, self._tags(target, runtime["agentRuntimeArn"]), problems)

    def _settings(self, target: Target, spec: Spec) -> dict[str, Any]:
        props = spec.props
        settings: dict[str, Any] = {
            "agentRuntimeArtifact": {"codeConfiguration": {
                "code": {"s3": {"bucket": props["code"]["bucket"], "prefix": props["code"]["key"]}},
                "runtime": props["runtime"], "entryPoint": props["entry_point"]}},
            "roleArn": props["role"],
            "networkConfiguration": {"networkMode": "PUBLIC"},
            "environmentVariables": resolved(target, props["environment"]),
        }
        if props["description"]:
            settings["description"] = props["description"]
        return settings

    def _upload(self, target: Target, spec: Spec) -> None:
        assert spec.artifact is not None
        code = spec.props["code"]
        target.client("s3").put_object(Bucket=code["bucket"], Key=code["key"], Body=spec.artifact.read_bytes(),
                                       ContentType="application/zip")

    @staticmethod
    def _ready(target: Target, runtime_id: str) -> bool:
        runtime = target.client("bedrock-agentcore-control").get_agent_runtime(agentRuntimeId=runtime_id)
        if runtime["status"] in FAILED:
            raise RuntimeError(f"agent runtime {runtime['agentRuntimeName']} is {runtime['status']}: "
                               f"{runtime.get('failureReason') or 'no reason given'}")
        return runtime["status"] == "READY"

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        self._upload(target, spec)
        created = target.client("bedrock-agentcore-control").create_agent_runtime(
            agentRuntimeName=spec.physical, tags=tags, **self._settings(target, spec))
        wait(lambda: self._ready(target, created["agentRuntimeId"]), f"creating agent runtime {spec.physical}",
             WAIT_S)

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        summary = find(target, spec.physical)
        assert summary is not None, spec.physical
        control = target.client("bedrock-agentcore-control")
        if fields:
            self._upload(target, spec)
            control.update_agent_runtime(agentRuntimeId=summary["agentRuntimeId"], **self._settings(target, spec))
            wait(lambda: self._ready(target, summary["agentRuntimeId"]), f"updating agent runtime {spec.physical}",
                 WAIT_S)
        control.tag_resource(resourceArn=summary["agentRuntimeArn"], tags=tags)

    def delete(self, target: Target, physical: str) -> None:
        summary = find(target, physical)
        if summary is None:
            return
        target.client("bedrock-agentcore-control").delete_agent_runtime(agentRuntimeId=summary["agentRuntimeId"])
        # Gone, not DELETING: a create of the same name (a replace) would conflict with it.
        wait(lambda: not any(s["agentRuntimeName"] == physical for s in listed(
            target.client("bedrock-agentcore-control"), "list_agent_runtimes", "agentRuntimes")),
            f"deleting agent runtime {physical}", WAIT_S)

    def named_for(self, physical: str, prefix: str) -> bool:
        """AgentCore's names have no '-': the system's runtimes start with its prefix in AgentCore's alphabet."""
        return physical.startswith(prefix.replace("-", "_"))

    def listing(self, target: Target, prefix: str) -> Iterable[tuple[str, Any]]:
        return ((summary["agentRuntimeName"], summary) for summary in _runtimes(target)
                if summary["status"] != "DELETING")

    def listed_tags(self, target: Target, physical: str, item: Any) -> dict[str, str]:
        return self._tags(target, item["agentRuntimeArn"])

    @staticmethod
    def _tags(target: Target, arn: str) -> dict[str, str]:
        return target.client("bedrock-agentcore-control").list_tags_for_resource(resourceArn=arn).get("tags", {})

    def output(self, target: Target, system: System, resource: AgentRuntime) -> str | None:
        summary = find(target, system.runtime_name(resource))
        return summary["agentRuntimeArn"] if summary else None
