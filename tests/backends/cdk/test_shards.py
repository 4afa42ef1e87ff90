"""CloudFormation's per-stack quotas (``oratio/backends/cdk/shards.py``): large systems split into as many stacks
as they need, each within 500 resources, 200 outputs and 1 MB, in a stable, declared order; small systems keep
their one stack per concern. The sizes and timings of larger systems, and their deploys, are in
``bench/model_scale.py``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from oratio.backends.cdk import SynthesizedStack, synth
from oratio.backends.cdk.app import CONCERNS, stack_name
from oratio.backends.cdk.shards import (
    MAX_OUTPUTS,
    MAX_RESOURCES,
    MAX_TEMPLATE_BYTES,
    Plan,
    measure,
    plan,
    shard_of,
)
from oratio.model import Key, System, Table
from tests.backends.cdk.conftest import PROJECT_ROOT
from tests.backends.cdk.test_app import ACCEPTED_CFN_LINT
from tests.fixtures.api_system import api_system
from tests.fixtures.scale_system import functions_system, tables_system


def _assignment(system_plan: Plan) -> dict[str, str]:
    return {f"{s.concern}:{r.name}": s.name for s in system_plan.shards for r in s.resources}


def test_small_systems_keep_one_stack_per_concern(system: System) -> None:
    system_plan = plan(system)
    assert [s.name for s in system_plan.shards] == [stack_name(system, c) for c in CONCERNS]
    # The AI layer's grants name tables and buckets; functions take the AgentCreator runtime's ARN from its stack.
    assert system_plan.dependencies[stack_name(system, "ai")] == (
        stack_name(system, "database"), stack_name(system, "storage"))
    assert system_plan.dependencies[stack_name(system, "functions")] == (
        stack_name(system, "ai"), stack_name(system, "database"), stack_name(system, "storage"))
    assert system_plan.dependencies[stack_name(system, "workflow")] == (stack_name(system, "functions"),)


def test_a_concern_past_one_stacks_quota_is_split_in_shards_named_after_it() -> None:
    system_plan = plan(tables_system(1000))
    names = [s.name for s in system_plan.shards]
    count = len(names)
    assert count > 1 and count & (count - 1) == 0  # a power of two
    assert names == ["scale-t-database", *(f"scale-t-database-{k}" for k in range(1, count))]
    assert sorted(r.name for s in system_plan.shards for r in s.resources) == sorted(f"t{i}" for i in range(1000))


def test_adding_removing_or_reordering_tables_moves_no_other_table() -> None:
    before = _assignment(plan(tables_system(1000)))
    grown = _assignment(plan(tables_system(1001)))
    assert {k: v for k, v in grown.items() if k != "database:t1000"} == before
    shrunk = _assignment(plan(tables_system(999)))
    assert shrunk == {k: v for k, v in before.items() if k != "database:t999"}
    reordered = System("scale", "t", tables=[Table(f"t{i}", Key("id")) for i in reversed(range(1000))])
    assert _assignment(plan(reordered)) == before


def test_when_the_shards_double_a_resource_stays_or_moves_to_its_new_sibling() -> None:
    for count in (1, 2, 4, 8):
        for i in range(500):
            assert shard_of(f"t{i}", 2 * count) in (shard_of(f"t{i}", count), shard_of(f"t{i}", count) + count)


@pytest.fixture(scope="module")
def thousand_tables(tmp_path_factory: pytest.TempPathFactory) -> tuple[System, list[SynthesizedStack]]:
    system = tables_system(1000)
    return system, synth(system, tmp_path_factory.mktemp("tables"), nag=False, project_root=PROJECT_ROOT)


@pytest.fixture(scope="module")
def many_functions(tmp_path_factory: pytest.TempPathFactory) -> tuple[System, list[SynthesizedStack]]:
    system = functions_system(250)
    return system, synth(system, tmp_path_factory.mktemp("functions"), nag=False, project_root=PROJECT_ROOT)


def _within_quotas(stacks: list[SynthesizedStack]) -> None:
    for stack in stacks:
        size = measure(stack.template_file.read_text())
        assert size.resources <= MAX_RESOURCES and size.outputs <= MAX_OUTPUTS, stack.name
        assert size.bytes < MAX_TEMPLATE_BYTES, stack.name


def _estimates_hold(system: System, stacks: list[SynthesizedStack]) -> None:
    """The plan's estimate of each stack is never below what was synthesized (it decides the split)."""
    estimates = {s.name: s.estimate for s in plan(system).shards}
    assert sorted(estimates) == sorted(s.name for s in stacks)
    for stack in stacks:
        size = measure(stack.template_file.read_text())
        estimate = estimates[stack.name]
        assert stack.resource_count <= estimate.resources, stack.name
        assert size.outputs <= estimate.outputs and size.bytes <= estimate.bytes, (stack.name, size, estimate)


def _dependencies(stacks: list[SynthesizedStack]) -> dict[str, set[str]]:
    manifest = json.loads((stacks[0].template_file.parent / "manifest.json").read_text())
    names = {s.name for s in stacks}
    return {name: {d for d in artifact.get("dependencies", []) if d in names}
            for name, artifact in manifest["artifacts"].items() if name in names}


def _cfn_lint(templates: list[Path]) -> None:
    result = subprocess.run([sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())",
                             "--format", "json", *map(str, templates)], capture_output=True, text=True)
    assert result.returncode in (0, 4, 8, 12), result.stderr
    findings = json.loads(result.stdout)
    assert {f["Rule"]["Id"] for f in findings} <= set(ACCEPTED_CFN_LINT), findings


def test_a_thousand_tables_synthesize_within_the_quotas(thousand_tables: tuple[System, list[SynthesizedStack]]
                                                        ) -> None:
    system, stacks = thousand_tables
    assert len(stacks) == len(plan(system).shards) > 1
    _within_quotas(stacks)
    _estimates_hold(system, stacks)
    assert sum(s.resource_types["AWS::DynamoDB::Table"] for s in stacks) == 1000
    _cfn_lint([stacks[0].template_file])


def test_250_functions_synthesize_within_the_quotas_in_a_declared_order(
        many_functions: tuple[System, list[SynthesizedStack]]) -> None:
    system, stacks = many_functions
    system_plan = plan(system)
    assert len(system_plan.of("functions")) > 1
    _within_quotas(stacks)
    _estimates_hold(system, stacks)
    assert sum(s.resource_types.get("AWS::Lambda::Function", 0) for s in stacks) == 250
    depends = _dependencies(stacks)
    for shard in system_plan.of("functions"):  # exactly the shards of the tables its functions are granted
        granted = {system_plan.stack_of("database", g.target.name) for f in shard.resources for g in f.grants}
        assert depends[shard.name] == granted
    (workflow,) = system.workflows
    assert depends[stack_name(system, "workflow")] == {system_plan.stack_of("functions", t.function)
                                                         for t in workflow.tasks}
    by_name = {s.name: s.template_file for s in stacks}
    _cfn_lint([by_name[system_plan.of("functions")[0].name], by_name[stack_name(system, "workflow")]])


def test_estimates_hold_for_the_platform_and_the_api_system(system: System, tmp_path: Path) -> None:
    for each in (system, api_system()):
        _estimates_hold(each, synth(each, tmp_path / each.name, nag=False, project_root=PROJECT_ROOT))
