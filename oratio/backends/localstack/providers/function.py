"""Lambda functions: the bundled code, the settings, and the role and log group made for each function."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from oratio.backends.localstack.providers.agent_runtime import TOKEN_PREFIX, as_specified, resolved, runtime_tokens
from oratio.backends.localstack.providers.base import (
    Context,
    Live,
    Provider,
    Spec,
    concurrently,
    listed,
    unless_missing,
    wait,
)
from oratio.backends.localstack.providers.http_api import apis
from oratio.backends.localstack.providers.log_group import LogGroupProvider
from oratio.backends.localstack.providers.role import RoleProvider, role_arn
from oratio.backends.localstack.target import Target
from oratio.bundling import bundle_zip
from oratio.model import Function, System
from oratio.model.permissions import (
    Kind,
    ResourceArn,
    arn,
    function_log_group,
    function_permissions,
    function_statements,
    workflow_arns,
)

# The fields UpdateFunctionConfiguration sets (the code has its own call).
CONFIG_FIELDS = frozenset({"runtime", "handler", "memory_mb", "timeout_s", "description", "environment", "role",
                           "log_group"})


def code_sha256(archive: Path) -> str:
    """Lambda's CodeSha256: the base64 of the zip's SHA-256."""
    return base64.b64encode(hashlib.sha256(archive.read_bytes()).digest()).decode()


def _source_arn(statement: dict[str, Any]) -> str | None:
    return statement.get("Condition", {}).get("ArnLike", {}).get("AWS:SourceArn")


def _permission(statement: dict[str, Any], api_names: dict[str, str]) -> str:
    """A resource policy statement as one readable string: "<Sid>: <Action> for <Principal>"; an HTTP API's
    statement as "<Action> for <Principal> from <source ARN>", the API's id written as its name (an id is known only
    once the API exists, so the model can say only the name; the statement id holds the API's id too)."""
    principal = statement.get("Principal")
    if isinstance(principal, dict):
        principal = next(iter(principal.values()), principal)
    rendered = f"{statement.get('Action')} for {principal}"
    prefix, _, rest = (_source_arn(statement) or "").partition(":execute-api:")
    if not rest:
        return f"{statement.get('Sid')}: {rendered}"
    region, account, api_route = rest.split(":", 2)  # region:account:apiId/stage/route
    api_id, _, route = api_route.partition("/")
    return f"{rendered} from {prefix}:execute-api:{region}:{account}:{api_names.get(api_id, api_id)}/{route}"


def _api_names(target: Target, statements: list[dict[str, Any]]) -> dict[str, str]:
    """HTTP API ids to names, asked only when a statement comes from an API."""
    if not any(":execute-api:" in (_source_arn(s) or "") for s in statements):
        return {}
    return {api["ApiId"]: api["Name"] for api in apis(target)}


def _statements(target: Target, physical: str) -> list[dict[str, Any]]:
    policy = unless_missing(lambda: json.loads(target.client("lambda").get_policy(FunctionName=physical)["Policy"]),
                            "ResourceNotFoundException") or {}
    return list(policy.get("Statement", []))


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
        apis = {api.name: api for api in system.http_apis}
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
                **system.physical_names(place.account, place.partition), **runtime_tokens(system),
                **workflow_arns(system, place)}).items())),
            "role": role_arn(role.physical, place),
            "log_group": logs.physical,
            "code_sha256": code_sha256(archive),
            # The model is the whole truth: no resource policy statement (AddPermission) but its HTTP APIs' invoke
            # permissions (added by the API's provider, see providers/http_api.py), no function URL.
            "permissions": sorted(
                f"{p.action} for {p.principal} from {p.source_arn(place, system.physical_name(apis[p.api]))}"
                for p in function_permissions(system).get(f"function:{function.name}", ())),
            "url": None,
        }, artifact=archive)]

    def needs(self, spec: Spec) -> frozenset[str]:
        """Its role, its log group and the agent runtimes whose ARNs its environment carries: not the tables or
        buckets it names (a function is created without them), so functions are not held up by tables."""
        runtimes = {value.removeprefix(TOKEN_PREFIX) for value in spec.props["environment"].values()
                    if value.startswith(TOKEN_PREFIX)}
        return frozenset({spec.props["role"].rpartition("/")[2], spec.props["log_group"], *runtimes})

    def read(self, target: Target, spec: Spec) -> Live | None:
        config = unless_missing(lambda: target.client("lambda").get_function_configuration(
            FunctionName=spec.physical), "ResourceNotFoundException")
        if config is None:
            return None
        lambda_ = target.client("lambda")
        statements, url, tags = concurrently(
            lambda: _statements(target, spec.physical),
            lambda: unless_missing(lambda: lambda_.get_function_url_config(FunctionName=spec.physical),
                                   "ResourceNotFoundException"),
            lambda: self.listed_tags(target, spec.physical, config))
        api_names = _api_names(target, statements)
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
            "permissions": sorted(_permission(s, api_names) for s in statements),
            "url": {"auth": url.get("AuthType"), "url": url.get("FunctionUrl")} if url else None,
        }, tags, _problems(config))

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
        if "permissions" in fields:  # remove what the model does not say; an API's provider adds its own
            statements = _statements(target, spec.physical)
            api_names, wanted = _api_names(target, statements), set(spec.props["permissions"])
            for statement in statements:
                if _permission(statement, api_names) in wanted:
                    continue
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
