"""CloudFormation's per-stack quotas, and how a concern too large for one stack is split across several.

A stack holds at most 500 resources and 200 outputs, and its template at most 1 MB (uploaded to S3, as the CDK
does): https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html. Every concern
(auth, database, storage, functions, workflow, api) is planned here from the model alone, before any construct
exists (this module imports no CDK, so that ``show`` can print the plan):

- A concern whose resources fit one stack (with headroom) keeps today's one stack, ``{system}-{stage}-{concern}``:
  small systems synthesize exactly the templates they always did.
- A larger one gets ``n`` shards, ``n`` the smallest power of two for which every shard fits; a resource goes to
  shard ``sha256(name) mod n``. Shard 0 keeps the concern's stack name, shard ``k`` is ``{concern}-{k}``.

Why this is stable: a resource's shard depends only on its own name and ``n``, never on the other resources nor
on their order, so adding or removing one resource moves no other, as long as ``n`` stays. When the concern
outgrows ``n`` (or one shard fills), ``n`` doubles: a resource in shard ``k`` then stays in ``k`` or goes to
``k + n`` (its hash's next bit), so half the resources move, and none moves between two old shards. Moving a
resource between stacks means deleting it from one and creating it in the other (a table's data is kept only by
its retention policy and an import): the headroom below (80 % of each quota) and the doubling keep such moves
rare, and ``show`` prints the plan so that a move is seen before it is deployed. The alternative, filling stacks
in model order, never moves anything when resources are appended, but moves every later resource when one is
inserted or removed; hashing makes the plan independent of order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from oratio.model import System, Table

QUOTAS_URL = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html"
MAX_RESOURCES = 500
MAX_OUTPUTS = 200
MAX_TEMPLATE_BYTES = 1_000_000  # 1 MB for a template body uploaded to S3 (the CDK uploads every template)

# What a shard is planned to hold at most: the quotas less headroom for what the estimate below does not count
# exactly (cross-stack exports, the CDK's metadata, a grown description).
PLANNED_RESOURCES = 400
PLANNED_OUTPUTS = 160
PLANNED_BYTES = 600_000

CONCERNS = ("auth", "database", "storage", "ai", "functions", "workflow", "api")
HOLDS = {"auth": "user pools", "database": "tables", "storage": "buckets", "ai": "AI layer", "functions": "functions",
         "workflow": "workflows", "api": "HTTP APIs"}


@attrs.frozen
class Footprint:
    """What one model resource adds to its stack's template (an estimate by kind, checked against synthesized
    templates in the tests)."""

    resources: int
    outputs: int
    bytes: int

    def __add__(self, other: Footprint) -> Footprint:
        return Footprint(self.resources + other.resources, self.outputs + other.outputs, self.bytes + other.bytes)

    def fits(self) -> bool:
        return (self.resources <= PLANNED_RESOURCES and self.outputs <= PLANNED_OUTPUTS
                and self.bytes <= PLANNED_BYTES)


EMPTY = Footprint(0, 0, 0)


def _size(value: Any) -> int:
    """A model value's size as text: templates grow with it (names, keys, definitions, environments)."""
    return len(repr(value))


def footprint(concern: str, resource: Any) -> Footprint:
    """The CloudFormation resources, outputs and template bytes one model resource renders as (see each kind's
    ``render_*``): generous on bytes, exact on resources for the kinds' usual settings."""
    size = _size(resource)
    if concern == "database":  # the table (its indexes are properties); an output with its name
        return Footprint(1, 1, 400 + 2 * size)
    if concern == "storage":  # the bucket, its policy (TLS only); an output
        return Footprint(2, 1, 2_500 + 2 * size)
    if concern == "functions":  # the function, its role, its log group; an output
        return Footprint(3, 1, 4_000 + 3 * size)
    if concern == "workflow":  # the state machine, its role, its log group; an output; the definition as text
        return Footprint(3, 1, 8_000 + 8 * size)
    if concern == "ai":  # a vector bucket (two outputs), a service role (one), a runtime with its role (one + export)
        kind = type(resource).__name__
        if kind == "VectorBucket":
            return Footprint(1, 2, 1_000 + 2 * size)
        if kind == "ServiceRole":
            return Footprint(1, 1, 3_000 + 3 * size)
        return Footprint(2, 2, 6_000 + 3 * size)
    if concern == "auth":  # the pool, each client; an output each, and exports for the APIs that use them
        clients = len(resource.clients)
        return Footprint(2 + clients, 3 + 2 * clients, 3_000 + 2 * size)
    # api: the API, its stage, its log group, an authorizer; per route the route and a permission to invoke its
    # function; per function an integration; two outputs
    routes = len(resource.routes)
    functions = len(resource.functions)
    return Footprint(4 + 2 * routes + functions, 2, 4_000 + 1_500 * routes + 2 * size)


def concern_resources(system: System, concern: str) -> tuple[Any, ...]:
    return {
        "auth": system.user_pools, "database": system.tables, "storage": system.buckets,
        "ai": (*system.vector_buckets, *system.service_roles, *system.agent_runtimes),
        "functions": system.functions, "workflow": system.workflows, "api": system.http_apis,
    }[concern]


def shard_of(name: str, count: int) -> int:
    """A resource's shard among ``count``: from its name alone (sha256, not Python's per-process ``hash``)."""
    if count == 1:
        return 0
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") % count


def shard_name(prefix: str, concern: str, index: int) -> str:
    return f"{prefix}-{concern}" if index == 0 else f"{prefix}-{concern}-{index}"


@attrs.frozen
class Shard:
    name: str
    concern: str
    index: int
    resources: tuple[Any, ...]
    estimate: Footprint


def _total(concern: str, resources: Iterable[Any]) -> Footprint:
    total = EMPTY
    for resource in resources:
        total = total + footprint(concern, resource)
    return total


def plan_concern(system: System, concern: str) -> tuple[Shard, ...]:
    """The stacks of one concern: one while it fits, else the smallest power of two of hash shards that fit."""
    resources = tuple(concern_resources(system, concern))
    if not resources:
        return ()
    count = 1
    while True:
        groups: list[list[Any]] = [[] for _ in range(count)]
        for resource in resources:
            groups[shard_of(resource.name, count)].append(resource)
        estimates = [_total(concern, group) for group in groups]
        if all(e.fits() for e in estimates) or count >= len(resources):
            break
        count *= 2
    return tuple(Shard(shard_name(system.prefix, concern, index), concern, index, tuple(group), estimate)
                 for index, (group, estimate) in enumerate(zip(groups, estimates, strict=True)) if group)


@attrs.frozen
class Plan:
    """Every stack of the system, by concern, with the model resources each holds and the stacks it needs first."""

    shards: tuple[Shard, ...]
    dependencies: dict[str, tuple[str, ...]]

    def of(self, concern: str) -> tuple[Shard, ...]:
        return tuple(s for s in self.shards if s.concern == concern)

    def stack_of(self, concern: str, name: str) -> str:
        for shard in self.of(concern):
            if any(r.name == name for r in shard.resources):
                return shard.name
        raise KeyError(f"{concern} {name}")


def plan(system: System) -> Plan:
    """The system's stacks: each concern planned on its own, then the order between them. A function shard
    depends on the shards of the tables and buckets its functions are granted; a workflow or API shard on the
    shards of the functions it calls (stacks refer to each other's resources by name: see ``role.policy_document``).
    """
    shards = tuple(s for concern in CONCERNS for s in plan_concern(system, concern))
    by_name: dict[tuple[str, str], str] = {(s.concern, r.name): s.name for s in shards for r in s.resources}
    dependencies: dict[str, tuple[str, ...]] = {}
    for shard in shards:
        needed: list[str] = []
        if shard.concern == "ai":  # the AI layer's grants name tables and buckets by their model names
            needed = [s.name for s in shards if s.concern in ("database", "storage")]
        if shard.concern == "functions":
            # Functions refer to the AI layer (a runtime's ARN is an export of its stack)
            needed = [s.name for s in shards if s.concern == "ai"]
            for function in shard.resources:
                for grant in function.resource_grants:
                    concern = "database" if isinstance(grant.target, Table) else "storage"
                    needed.append(by_name[(concern, grant.target.name)])
        elif shard.concern == "workflow":
            needed = [by_name[("functions", t.function)] for w in shard.resources for t in w.tasks]
        elif shard.concern == "api":
            needed = [by_name[("functions", f)] for api in shard.resources for f in api.functions]
        dependencies[shard.name] = tuple(sorted(set(needed)))
    return Plan(shards, dependencies)


def describe(plan_: Plan) -> list[str]:
    """One line per stack: its name, what it holds, its estimated size against the quotas (for ``show``)."""
    lines = []
    for shard in plan_.shards:
        e = shard.estimate
        after = f"; after {', '.join(plan_.dependencies[shard.name])}" if plan_.dependencies[shard.name] else ""
        lines.append(f"{shard.name:<30} {len(shard.resources):>4} {HOLDS[shard.concern]:<10} ~{e.resources} resources, "
                     f"{e.outputs} outputs, ~{e.bytes // 1000} KB{after}")
    return lines


@attrs.frozen
class TemplateSize:
    resources: int
    outputs: int
    bytes: int


def measure(text: str) -> TemplateSize:
    """A synthesized template (its text as the CDK wrote it) against the quotas."""
    template = json.loads(text)
    return TemplateSize(len(template.get("Resources", {})), len(template.get("Outputs", {})), len(text.encode()))


def over_quota(size: TemplateSize) -> Sequence[str]:
    problems = []
    if size.resources > MAX_RESOURCES:
        problems.append(f"{size.resources} resources (at most {MAX_RESOURCES})")
    if size.outputs > MAX_OUTPUTS:
        problems.append(f"{size.outputs} outputs (at most {MAX_OUTPUTS})")
    if size.bytes > MAX_TEMPLATE_BYTES:
        problems.append(f"{size.bytes} bytes (at most {MAX_TEMPLATE_BYTES})")
    return problems
