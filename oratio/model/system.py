"""A system: every resource of one application at one stage, its naming rule, and the rules across resources."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from oratio.model import rules
from oratio.model.agent_runtime import AgentRuntime, runtime_prefix
from oratio.model.bucket import Bucket
from oratio.model.common import (
    FrozenMap,
    Validated,
    check_bucket_name,
    check_identifier,
    check_name,
    check_type,
    to_tuple,
)
from oratio.model.errors import ModelError, Problem
from oratio.model.function import Function, environment_size
from oratio.model.grants import ResourceGrant, RuntimeManagementGrant, TargetGrant
from oratio.model.http_api import HttpApi
from oratio.model.service_role import ServiceRole
from oratio.model.table import Table
from oratio.model.user_pool import UserPool
from oratio.model.vector_bucket import VectorBucket, check_vector_bucket_name
from oratio.model.workflow import Workflow, check_state_machine_name

# The longest account id, used to check bucket names whose suffix is the account (resolved by a backend).
PLACEHOLDER_ACCOUNT = "123456789012"


@attrs.frozen
class System(Validated):
    """Every resource of one application at one stage.

    Physical names follow one rule, ``{system}-{stage}-{name}``, so that two stages never collide. S3 bucket
    names are global across accounts, so buckets add a suffix: ``bucket_suffix`` when set, otherwise the AWS
    account id (the backend knows it: a CloudFormation pseudo parameter, or LocalStack's test account).
    """

    _subject = "system"
    name: str
    stage: str
    tables: tuple[Table, ...] = attrs.field(default=(), converter=to_tuple)
    buckets: tuple[Bucket, ...] = attrs.field(default=(), converter=to_tuple)
    functions: tuple[Function, ...] = attrs.field(default=(), converter=to_tuple)
    workflows: tuple[Workflow, ...] = attrs.field(default=(), converter=to_tuple)
    user_pools: tuple[UserPool, ...] = attrs.field(default=(), converter=to_tuple)
    agent_runtimes: tuple[AgentRuntime, ...] = attrs.field(default=(), converter=to_tuple)
    service_roles: tuple[ServiceRole, ...] = attrs.field(default=(), converter=to_tuple)
    vector_buckets: tuple[VectorBucket, ...] = attrs.field(default=(), converter=to_tuple)
    http_apis: tuple[HttpApi, ...] = attrs.field(default=(), converter=to_tuple)
    bucket_suffix: str | None = None
    description: str = ""

    # --- Naming -----------------------------------------------------------------------------------------
    @property
    def prefix(self) -> str:
        return f"{self.name}-{self.stage}"

    @property
    def tags(self) -> dict[str, str]:
        """Tags every backend puts on every resource: they mark what this system owns."""
        return {"oratio:system": self.name, "oratio:stage": self.stage}

    def physical_name(self, resource: Table | Function | Workflow | UserPool | HttpApi | ServiceRole | VectorBucket
                      ) -> str:
        return f"{self.prefix}-{resource.name}"

    @property
    def runtime_prefix(self) -> str:
        """``{system}_{stage}_`` in AgentCore's alphabet (no '-'): model runtimes and run-time ones start so."""
        return runtime_prefix(self.name, self.stage)

    def runtime_name(self, runtime: AgentRuntime) -> str:
        """AgentCore's name for the runtime (see ``oratio.model.agent_runtime`` for why it is injective)."""
        return self.runtime_prefix + runtime.name.replace("-", "_")

    def bucket_name(self, bucket: Bucket, account: str) -> str:
        return f"{self.prefix}-{bucket.name}-{self.bucket_suffix or account}"

    def environment(self, function: Function, names: dict[str, str]) -> dict[str, str]:
        """The function's whole environment: its own variables plus the physical name of every granted
        table and bucket. ``names`` maps ``table:<name>`` / ``bucket:<name>`` to physical names (or backend
        tokens), as the backend knows them."""
        derived = {
            grant.environment_name: names[f"{_kind(grant.target)}:{grant.target.name}"]
            for grant in function.resource_grants
        }
        # The AI layer's grants: a vector bucket's name, a service role's or agent runtime's ARN. A runtime's ARN
        # carries an id AgentCore picks: a backend that cannot know it yet leaves the variable out.
        derived.update({grant.environment_name: names[grant.environment_key] for grant in function.grants
                        if isinstance(grant, (TargetGrant, RuntimeManagementGrant)) and grant.environment_key in names})
        return {**derived, **dict(function.environment)}

    def physical_names(self, account: str, partition: str = "aws") -> dict[str, str]:
        """``table:<name>`` / ``bucket:<name>`` / ``vector-bucket:<name>`` to physical names and
        ``service-role:<name>`` to ARNs, for ``environment`` (runtime ARNs come from the backend)."""
        names = {f"table:{t.name}": self.physical_name(t) for t in _items(self.tables) if isinstance(t, Table)}
        names.update({f"bucket:{b.name}": self.bucket_name(b, account) for b in _items(self.buckets)
                      if isinstance(b, Bucket)})
        names.update({f"vector-bucket:{v.name}": self.physical_name(v) for v in _items(self.vector_buckets)
                      if isinstance(v, VectorBucket)})
        names.update({f"service-role:{r.name}": f"arn:{partition}:iam::{account}:role/{self.physical_name(r)}"
                      for r in _items(self.service_roles) if isinstance(r, ServiceRole)})
        return names

    # --- Look-ups ---------------------------------------------------------------------------------------
    def table(self, name: str) -> Table:
        return _find(self.tables, name, "table")

    def bucket(self, name: str) -> Bucket:
        return _find(self.buckets, name, "bucket")

    def function(self, name: str) -> Function:
        return _find(self.functions, name, "function")

    def workflow(self, name: str) -> Workflow:
        return _find(self.workflows, name, "workflow")

    def user_pool(self, name: str) -> UserPool:
        return _find(self.user_pools, name, "user pool")

    def agent_runtime(self, name: str) -> AgentRuntime:
        return _find(self.agent_runtimes, name, "agent runtime")

    def service_role(self, name: str) -> ServiceRole:
        return _find(self.service_roles, name, "service role")

    def vector_bucket(self, name: str) -> VectorBucket:
        return _find(self.vector_buckets, name, "vector bucket")

    def http_api(self, name: str) -> HttpApi:
        return _find(self.http_apis, name, "HTTP API")

    # --- Validation -------------------------------------------------------------------------------------
    def check(self) -> None:
        """Raise one ModelError with every problem of the system (use after ``deferred_validation()``)."""
        problems = tuple(self.problems())
        if problems:
            raise ModelError(problems, "system")

    def problems(self) -> Iterator[Problem]:
        yield from check_identifier("name", self.name, rules.SYSTEM)
        yield from check_identifier("stage", self.stage, rules.STAGE)
        if self.bucket_suffix is not None:
            yield from check_identifier("bucket_suffix", self.bucket_suffix, rules.SUFFIX)
        yield from check_type("description", self.description, str, "a string")
        collections = (
            ("tables", self.tables, Table), ("buckets", self.buckets, Bucket),
            ("functions", self.functions, Function), ("workflows", self.workflows, Workflow),
            ("user_pools", self.user_pools, UserPool), ("agent_runtimes", self.agent_runtimes, AgentRuntime),
            ("service_roles", self.service_roles, ServiceRole), ("vector_buckets", self.vector_buckets, VectorBucket),
            ("http_apis", self.http_apis, HttpApi),
        )
        for field, values, kind in collections:
            if not isinstance(values, tuple):
                yield Problem(field, rules.TYPE, f"expected a list of {kind.__name__}, got {values!r}")
                continue
            for index, value in enumerate(values):
                where = _where(field, index, value)
                if not isinstance(value, kind):
                    yield Problem(where, rules.TYPE, f"expected a {kind.__name__}, got {type(value).__name__}")
                    continue
                for problem in value.problems():
                    yield problem.under(where)
            yield from _unique_names(field, values, kind)
        # Physical names are checked only from a valid prefix, so that a bad stage is reported once.
        prefix_valid = not any(check_identifier("", self.name, rules.SYSTEM)) and not any(
            check_identifier("", self.stage, rules.STAGE))
        if prefix_valid:
            yield from self._physical_name_problems()
        if _named(self.name) and _named(self.stage):
            yield from self._reference_problems()

    def _valid(self, values: Sequence[Any], kind: type) -> list[tuple[str, Any]]:
        """(path, value) of the values of ``kind`` whose own name is valid: physical names and references are
        checked only for those, so that one bad name is reported once."""
        return [(_where(f, i, v), v) for f, vs in ((_field_of(kind), values),) if isinstance(vs, tuple)
                for i, v in enumerate(vs) if isinstance(v, kind) and _well_named(v.name)]

    def _physical_name_problems(self) -> Iterator[Problem]:
        for where, table in self._valid(self.tables, Table):
            yield from _as_physical(check_name(f"{where}.name", self.physical_name(table), rules.DDB_NAME))
        for where, bucket in self._valid(self.buckets, Bucket):
            name = self.bucket_name(bucket, PLACEHOLDER_ACCOUNT)
            for problem in _as_physical(check_bucket_name(f"{where}.name", name)):
                yield attrs.evolve(problem, detail=problem.detail.replace(PLACEHOLDER_ACCOUNT, "<account-id>"))
        for where, function in self._valid(self.functions, Function):
            yield from _as_physical(
                check_name(f"{where}.name", self.physical_name(function), rules.LAMBDA_FUNCTION_NAME))
        for where, workflow in self._valid(self.workflows, Workflow):
            yield from _as_physical(check_state_machine_name(f"{where}.name", self.physical_name(workflow)))
        yield from self._ai_physical_name_problems()

    def _ai_physical_name_problems(self) -> Iterator[Problem]:
        for where, runtime in self._valid(self.agent_runtimes, AgentRuntime):
            name = self.runtime_name(runtime)
            if len(name) not in rules.AGENT_RUNTIME_NAME_LENGTH or not rules.AGENT_RUNTIME_NAME_PATTERN.fullmatch(name):
                yield Problem(f"{where}.name", rules.AGENT_RUNTIME_NAME,
                              f"physical agent runtime name {name!r} has {len(name)} characters; AgentCore allows "
                              f"{rules.AGENT_RUNTIME_NAME_LENGTH.bounds} of [a-zA-Z0-9_], a letter first: shorten "
                              "the runtime's, the system's or the stage's name")
        for where, role in self._valid(self.service_roles, ServiceRole):
            yield from _as_physical(check_name(f"{where}.name", self.physical_name(role), rules.IAM_ROLE))
        for where, vectors in self._valid(self.vector_buckets, VectorBucket):
            yield from _as_physical(check_vector_bucket_name(f"{where}.name", self.physical_name(vectors)))

    def _reference_problems(self) -> Iterator[Problem]:
        targets = {("table", t.name): t for t in _items(self.tables) if isinstance(t, Table) and _named(t.name)}
        targets.update({("bucket", b.name): b for b in _items(self.buckets) if isinstance(b, Bucket)
                        and _named(b.name)})
        names = self.physical_names(PLACEHOLDER_ACCOUNT) if self._all_named() else {}
        for where, function in self._valid(self.functions, Function):
            if not isinstance(function.grants, tuple):
                continue
            for index, grant in enumerate(function.grants):
                if not isinstance(grant, ResourceGrant) or not isinstance(grant.target, (Table, Bucket)):
                    continue  # not a grant, or not a table or bucket: the grant's own problem
                kind, name = _kind(grant.target), grant.target.name
                if not _named(name) or targets.get((kind, name)) != grant.target:
                    yield Problem(f"{where}.grants[{index}].target", rules.GRANT_TARGET,
                                  f"{kind} {name!r} is not this system's (or differs from it)")
            yield from self._environment_problems(where, function, names)
        yield from self._ai_reference_problems()
        function_names = {f.name for f in _items(self.functions) if isinstance(f, Function) and _named(f.name)}
        for where, workflow in self._valid(self.workflows, Workflow):
            if not isinstance(workflow.states, tuple):
                continue
            for index, state in enumerate(workflow.states):
                function = getattr(state, "function", None)
                if isinstance(function, str) and function not in function_names:
                    yield Problem(f"{where}.states[{index}].function", rules.SFN_TASK_FUNCTION,
                                  f"function {function!r} is not defined in this system")
        for where, api in self._valid(self.http_apis, HttpApi):
            yield from _api_reference_problems(where, api, function_names, self.user_pools)

    def _ai_reference_problems(self) -> Iterator[Problem]:
        """Grants naming an agent runtime, service role or vector bucket name one of this system's."""
        targets: dict[tuple[str, str], Any] = {}
        for values in (self.agent_runtimes, self.service_roles, self.vector_buckets, self.workflows):
            targets.update({(v.kind, v.name): v for v in _items(values) if hasattr(v, "kind") and _named(v.name)})
        holders = [*self._valid(self.functions, Function), *self._valid(self.agent_runtimes, AgentRuntime),
                   *self._valid(self.service_roles, ServiceRole)]
        for where, holder in holders:
            if not isinstance(holder.grants, tuple):
                continue
            for index, grant in enumerate(holder.grants):
                target = grant.target if isinstance(grant, TargetGrant) else \
                    grant.execution_role if isinstance(grant, RuntimeManagementGrant) else None
                if target is None or not hasattr(target, "kind") or not _named(getattr(target, "name", None)):
                    continue
                if targets.get((target.kind, target.name)) != target:
                    field = "target" if isinstance(grant, TargetGrant) else "execution_role"
                    yield Problem(f"{where}.grants[{index}].{field}", rules.GRANT_REFERENCE,
                                  f"{target.kind} {target.name!r} is not this system's (or differs from it): add it "
                                  "to the system's agent_runtimes, service_roles, vector_buckets or workflows")
            if isinstance(holder, AgentRuntime):  # table and bucket grants of runtimes and roles, as for functions
                yield from self._resource_reference_problems(where, holder)
        for where, role in self._valid(self.service_roles, ServiceRole):
            yield from self._resource_reference_problems(where, role)

    def _resource_reference_problems(self, where: str, holder: Any) -> Iterator[Problem]:
        targets = {("table", t.name): t for t in self.tables if isinstance(t, Table)}
        targets.update({("bucket", b.name): b for b in self.buckets if isinstance(b, Bucket)})
        for index, grant in enumerate(holder.grants if isinstance(holder.grants, tuple) else ()):
            if isinstance(grant, ResourceGrant) and hasattr(grant.target, "name") and \
                    targets.get((_kind(grant.target), grant.target.name)) != grant.target:
                yield Problem(f"{where}.grants[{index}].target", rules.GRANT_TARGET,
                              f"{_kind(grant.target)} {grant.target.name!r} is not this system's (or differs from it)")

    def _environment_problems(self, where: str, function: Function, names: dict[str, str]) -> Iterator[Problem]:
        """Variables derived from grants: valid names, no collisions, and the 4 KB limit with them counted."""
        if not names or not isinstance(function.environment, FrozenMap):
            return
        derived: dict[str, str] = {}
        for index, grant in enumerate(function.grants):
            if not isinstance(grant, ResourceGrant):
                continue
            key = f"{_kind(grant.target)}:{getattr(grant.target, 'name', '')}"
            if key not in names or not isinstance(grant.environment_name, str):
                continue  # an env_var of another type is the grant's own problem
            variable, field = grant.environment_name, f"{where}.grants[{index}].env_var"
            if not rules.LAMBDA_ENV_NAME_PATTERN.fullmatch(variable) or variable in rules.LAMBDA_RESERVED_ENV:
                yield Problem(field, rules.LAMBDA_ENV_NAME, f"{variable!r} is not a usable variable name")
            elif variable in function.environment or derived.get(variable, names[key]) != names[key]:
                yield Problem(field, rules.ENV_COLLISION,
                              f"{variable!r} is set by this grant and by the function or another grant")
            derived[variable] = names[key]
        merged = {**derived, **dict(function.environment)}
        if derived and all(isinstance(k, str) for k in merged):
            size = environment_size(merged)
            if size not in rules.LAMBDA_ENV_BYTES and environment_size(dict(function.environment)) in \
                    rules.LAMBDA_ENV_BYTES:
                yield Problem(f"{where}.environment", rules.LAMBDA_ENV_SIZE,
                              f"{size} bytes with the granted resources' names; Lambda allows "
                              f"{rules.LAMBDA_ENV_BYTES.high}")

    def _all_named(self) -> bool:
        collections = ((self.tables, Table), (self.buckets, Bucket))
        return all(isinstance(vs, tuple) for vs, _ in collections) and all(
            isinstance(v, kind) and _named(v.name) for vs, kind in collections for v in vs)


def _items(values: Any) -> tuple:
    """A collection field's items, or none when it is not a list (its own type problem)."""
    return values if isinstance(values, tuple) else ()


def _api_reference_problems(where: str, api: HttpApi, function_names: set[str],
                            user_pools: tuple[UserPool, ...]) -> Iterator[Problem]:
    """An API's routes call functions of the system; its authorizer trusts a pool of the system and its clients."""
    if isinstance(api.routes, tuple):
        for index, route in enumerate(api.routes):
            function = getattr(route, "function", None)
            if isinstance(function, str) and function not in function_names:
                yield Problem(f"{where}.routes[{index}].function", rules.API_ROUTE_FUNCTION,
                              f"function {function!r} is not defined in this system")
    authorizer = api.authorizer
    if authorizer is None or not isinstance(getattr(authorizer, "clients", None), tuple):
        return
    pool = next((p for p in user_pools if isinstance(p, UserPool) and p.name == authorizer.user_pool), None)
    if pool is None:
        yield Problem(f"{where}.authorizer.user_pool", rules.API_AUTHORIZER,
                      f"user pool {authorizer.user_pool!r} is not defined in this system")
        return
    clients = {getattr(c, "name", None) for c in pool.clients} if isinstance(pool.clients, tuple) else set()
    for index, client in enumerate(authorizer.clients):
        if client not in clients:
            yield Problem(f"{where}.authorizer.clients[{index}]", rules.API_AUTHORIZER,
                          f"user pool {pool.name!r} has no app client {client!r}")


def _named(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _well_named(value: Any) -> bool:
    return _named(value) and not any(check_identifier("", value, rules.LOGICAL))


def _kind(target: Any) -> str:
    return "table" if isinstance(target, Table) else "bucket"


def _field_of(kind: type) -> str:
    return {Table: "tables", Bucket: "buckets", Function: "functions", Workflow: "workflows",
            UserPool: "user_pools", AgentRuntime: "agent_runtimes", ServiceRole: "service_roles",
            VectorBucket: "vector_buckets", HttpApi: "http_apis"}[kind]


def _where(field: str, index: int, value: Any) -> str:
    name = getattr(value, "name", None)
    return f"{field}[{name!r}]" if _named(name) else f"{field}[{index}]"


def _unique_names(field: str, values: tuple, kind: type) -> Iterator[Problem]:
    seen: set[str] = set()
    for value in values:
        if isinstance(value, kind) and _named(value.name):
            if value.name in seen:
                yield Problem(f"{field}[{value.name!r}]", rules.UNIQUE,
                              f"{kind.__name__.lower()} name {value.name!r} is used more than once")
            seen.add(value.name)


def _as_physical(problems: Iterator[Problem]) -> Iterator[Problem]:
    for problem in problems:
        yield attrs.evolve(problem, detail=f"physical {problem.detail}")


def _find(values: tuple, name: str, what: str) -> Any:
    for value in values:
        if value.name == name:
            return value
    raise KeyError(f"no {what} named {name!r}")
