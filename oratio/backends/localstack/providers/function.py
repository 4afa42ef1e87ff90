"""Lambda functions: the bundled code, the settings, and the role and log group made for each function."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from oratio.backends.localstack.providers.agent_runtime import as_specified, resolved, runtime_tokens
from oratio.backends.localstack.providers.base import Context, Live, Provider, Spec, listed, unless_missing, wait
from oratio.backends.localstack.providers.log_group import LogGroupProvider
from oratio.backends.localstack.providers.role import RoleProvider, role_arn
from oratio.backends.localstack.target import Target
from oratio.bundling import bundle_zip
from oratio.model import Function, System
from oratio.model.permissions import Kind, ResourceArn, arn, function_log_group, function_statements

# The fields UpdateFunctionConfiguration sets (the code has its own call).
CONFIG_FIELDS = frozenset({"runtime", "handler", "memory_mb", "timeout_s", "description", "environment", "role",
                           "log_group"})


def code_sha256(archive: Path) -> str:
    """Lambda's CodeSha256: the base64 of the zip's SHA-256."""
    return base64.b64encode(hashlib.sha256(archive.read_bytes()).digest()).decode()


def _permission(statement: dict[str, Any]) -> str:
    """A resource policy statement as one readable string: "<Sid>: <Action> for <Principal>"."""
    principal = statement.get("Principal")
    if isinstance(principal, dict):
        principal = next(iter(principal.values()), principal)
    return f"{statement.get('Sid')}: {statement.get('Action')} for {principal}"


def _problems(config: dict[str, Any]) -> tuple[str, ...]:
    """What makes a function unhealthy as it stands: a failed creation or a failed last update."""
    problems = []
    if config.get("State") == "Failed":
        problems.append(f"State Failed: {config.get('StateReason') or 'no reason given'}")
    if config.get("LastUpdateStatus") == "Failed":
        problems.append(f"LastUpdateStatus Failed: {config.get('LastUpdateStatusReason') or 'no reason given'}")
    return tuple(problems)


class FunctionProvider(Provider):
    kind = "function"
    level = 2  # after the agent runtimes whose ARNs its environment may carry
    collection = "functions"

    def desired(self, resource: Function, context: Context) -> list[Spec]:
        function, system, place = resource, context.system, context.place
        physical = system.physical_name(function)
        role = RoleProvider.spec(context, function.name, physical, "function", "lambda.amazonaws.com",
                                 function_statements(function))
        archive = bundle_zip(function.code, function.runtime.value, include=function.include,
                             project_root=context.project_root, progress=context.progress)
        logs = LogGroupProvider.spec(f"function/{function.name}", function_log_group(system, function))
        return [role, logs, Spec("function", function.name, physical, {
            "runtime": function.runtime.value,
            "handler": function.handler,
            "memory_mb": function.memory_mb,
            "timeout_s": function.timeout_s,
            "description": function.description,
            "environment": dict(sorted(system.environment(function, {
                **system.physical_names(place.account, place.partition), **runtime_tokens(system)}).items())),
            "role": role_arn(role.physical, place),
            "log_group": logs.physical,
            "code_sha256": code_sha256(archive),
            # The model is the whole truth: no resource policy statement (AddPermission), no function URL.
            "permissions": [],
            "url": None,
        }, artifact=archive)]

    def read(self, target: Target, spec: Spec) -> Live | None:
        config = unless_missing(lambda: target.client("lambda").get_function_configuration(
            FunctionName=spec.physical), "ResourceNotFoundException")
        if config is None:
            return None
        lambda_ = target.client("lambda")
        policy = unless_missing(lambda: json.loads(lambda_.get_policy(FunctionName=spec.physical)["Policy"]),
                                "ResourceNotFoundException") or {}
        url = unless_missing(lambda: lambda_.get_function_url_config(FunctionName=spec.physical),
                             "ResourceNotFoundException")
        return Live({
            "runtime": config.get("Runtime"),
            "handler": config.get("Handler"),
            "memory_mb": config.get("MemorySize"),
            "timeout_s": config.get("Timeout"),
            "description": config.get("Description", ""),
            "environment": dict(sorted(as_specified(target, config.get("Environment", {}).get("Variables", {}),
                                                    spec.props["environment"]).items())),
            "role": config.get("Role"),
            "log_group": config.get("LoggingConfig", {}).get("LogGroup", f"/aws/lambda/{spec.physical}"),
            "code_sha256": config.get("CodeSha256"),
            "permissions": [_permission(s) for s in policy.get("Statement", [])],
            "url": {"auth": url.get("AuthType"), "url": url.get("FunctionUrl")} if url else None,
        }, self.listed_tags(target, spec.physical, config), _problems(config))

    @staticmethod
    def _configuration(target: Target, spec: Spec) -> dict[str, Any]:
        props = spec.props
        return {"FunctionName": spec.physical, "Runtime": props["runtime"], "Handler": props["handler"],
                "MemorySize": props["memory_mb"], "Timeout": props["timeout_s"], "Description": props["description"],
                "Environment": {"Variables": resolved(target, props["environment"])}, "Role": props["role"],
                "LoggingConfig": {"LogFormat": "Text", "LogGroup": props["log_group"]}}

    @staticmethod
    def _settled(target: Target, name: str) -> bool:
        config = target.client("lambda").get_function_configuration(FunctionName=name)
        if config.get("State") == "Failed" or config.get("LastUpdateStatus") == "Failed":
            reason = config.get("StateReason") or config.get("LastUpdateStatusReason") or "no reason given"
            raise RuntimeError(f"function {name} failed: {reason}")
        return config.get("State") == "Active" and config.get("LastUpdateStatus") in (None, "Successful")

    def _wait_settled(self, target: Target, spec: Spec, what: str) -> None:
        wait(lambda: self._settled(target, spec.physical), f"{what} {spec.physical}")

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        assert spec.artifact is not None
        target.client("lambda").create_function(**self._configuration(target, spec), Code={
            "ZipFile": spec.artifact.read_bytes()}, Tags=tags)
        self._wait_settled(target, spec, "creating function")

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        lambda_ = target.client("lambda")
        if "health" in fields:
            # A Failed function is made again (it holds no data; LocalStack, like Lambda, refuses to update a
            # function whose creation failed): it comes back healthy, or the run fails saying why.
            self.delete(target, spec.physical)
            wait(lambda: unless_missing(lambda: lambda_.get_function_configuration(FunctionName=spec.physical),
                                        "ResourceNotFoundException") is None, f"deleting function {spec.physical}")
            self.create(target, spec, tags)
            return
        if "permissions" in fields:
            policy = unless_missing(lambda: json.loads(lambda_.get_policy(FunctionName=spec.physical)["Policy"]),
                                    "ResourceNotFoundException") or {}
            for statement in policy.get("Statement", []):
                unless_missing(lambda sid=statement["Sid"]: lambda_.remove_permission(
                    FunctionName=spec.physical, StatementId=sid), "ResourceNotFoundException")
        if "url" in fields:
            unless_missing(lambda: lambda_.delete_function_url_config(FunctionName=spec.physical),
                           "ResourceNotFoundException")
        self._update_code(target, spec, fields)
        self._update_configuration(target, spec, fields)
        config = lambda_.get_function_configuration(FunctionName=spec.physical)
        lambda_.tag_resource(Resource=config["FunctionArn"], Tags=tags)

    def _update_code(self, target: Target, spec: Spec, fields: set[str]) -> None:
        if "code_sha256" in fields:
            assert spec.artifact is not None
            target.client("lambda").update_function_code(FunctionName=spec.physical, ZipFile=spec.artifact.read_bytes())
            self._wait_settled(target, spec, "updating the code of")

    def _update_configuration(self, target: Target, spec: Spec, fields: set[str]) -> None:
        if fields & CONFIG_FIELDS:
            target.client("lambda").update_function_configuration(**self._configuration(target, spec))
            self._wait_settled(target, spec, "updating function")

    def delete(self, target: Target, physical: str) -> None:
        target.client("lambda").delete_function(FunctionName=physical)

    def listing(self, target: Target, prefix: str) -> Iterable[tuple[str, Any]]:
        return ((f["FunctionName"], f) for f in listed(target.client("lambda"), "list_functions", "Functions"))

    def listed_tags(self, target: Target, physical: str, item: Any) -> dict[str, str]:
        return target.client("lambda").list_tags(Resource=item["FunctionArn"]).get("Tags", {})

    def output(self, target: Target, system: System, resource: Function) -> str:
        return arn(ResourceArn(Kind.FUNCTION, resource.name), system, target.place)
