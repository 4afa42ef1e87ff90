"""Properties of the CDK backend over generated systems (``oratio/testing/strategies.py``): what it renders reads
back as the model that was rendered; a broken model is refused by the model's own error; each role allows exactly its
grants; rendering is stable."""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from oratio.backends.cdk.app import build_app
from oratio.model import Function, ModelError, Pass, ServiceGrant, System, Task, Workflow, path
from oratio.model.permissions import allowed, arn, function_statements
from oratio.testing import strategies
from oratio.testing.strategies import FUNCTION_CODE, Broken, broken_values, systems
from tests.backends.cdk import reader
from tests.backends.cdk.cfn import MARKED, resolved_string

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CDK_CONTEXT = json.loads((PROJECT_ROOT / "cdk.json").read_text())["context"]  # the feature flags


def render(system: System) -> dict[str, dict[str, Any]]:
    """Every resource of every stack of the system's app, by logical id (ids are unique per stack: prefixed)."""
    with tempfile.TemporaryDirectory() as outdir:
        assembly = build_app(system, outdir=outdir, project_root=PROJECT_ROOT, nag=False,
                             context=CDK_CONTEXT).synth()
        return {stack.stack_name: stack.template for stack in assembly.stacks}


def resources(templates: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for stack, template in templates.items():
        merged.update({f"{stack}/{k}" if k in merged else k: v for k, v in template.get("Resources", {}).items()})
    return merged


def without_reasons(function: Function) -> Function:
    """Reasons and exemptions are cdk-nag acknowledgements, not template content."""
    grants = [attrs.evolve(g, reason="(reasons are not in templates)") if isinstance(g, ServiceGrant) else g
              for g in function.grants]
    return attrs.evolve(function, grants=grants, exemptions=())


@given(systems())
def test_the_template_reads_back_as_the_model(system: System) -> None:
    rendered = resources(render(system))
    tables = reader.read_tables(system, rendered)
    buckets = reader.read_buckets(system, rendered)
    assert sorted(tables, key=lambda t: t.name) == sorted(system.tables, key=lambda t: t.name)
    assert sorted(buckets, key=lambda b: b.name) == sorted(system.buckets, key=lambda b: b.name)
    functions = reader.read_functions(system, rendered, tables, buckets, FUNCTION_CODE)
    assert sorted(functions, key=lambda f: f.name) == sorted((without_reasons(f) for f in system.functions),
                                                             key=lambda f: f.name)
    assert reader.read_workflows(system, rendered) == list(system.workflows)
    assert reader.read_user_pools(system, rendered) == list(system.user_pools)


@given(broken_values())
def test_a_broken_model_is_refused_by_the_models_error_alone(broken: Broken) -> None:
    try:
        broken.build()
    except ModelError as error:
        assert any(p.rule.id == broken.rule and p.path.startswith(broken.field) for p in error.problems), (
            broken.note, [str(p) for p in error.problems])
    else:
        raise AssertionError(f"accepted although broken: {broken.note}")


@given(systems(max_tables=3, max_functions=3, workflows_too=False, pools_too=False))
def test_each_role_allows_exactly_its_grants(system: System) -> None:
    rendered = resources(render(system))
    roles = {k: r for k, r in rendered.items() if r["Type"] == "AWS::IAM::Role"}
    for resource in (r for r in rendered.values() if r["Type"] == "AWS::Lambda::Function"):
        name = resource["Properties"]["FunctionName"][len(system.prefix) + 1:]
        (policy,) = roles[resource["Properties"]["Role"]["Fn::GetAtt"][0]]["Properties"]["Policies"]
        granted = {(action, resolved_string(res))
                   for s in policy["PolicyDocument"]["Statement"]
                   for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
                   for res in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])}
        statements = function_statements(system.function(name))
        wanted = {(action, arn(resource_, system, MARKED)) for action, resource_ in
                  ((a, r) for s in statements for a in s.actions for r in s.resources)}
        assert granted == wanted
        assert len(granted) == len(allowed(statements))
        assert not any(action.endswith("*") or action == "*" for action, _ in granted)


@settings(max_examples=15)
@given(systems(max_tables=2, max_functions=1), st.integers(128, 10240))
def test_rendering_is_stable_and_logical_ids_follow_names_only(system: System, memory: int) -> None:
    first, second = render(system), render(system)
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    changed = attrs.evolve(system, functions=[attrs.evolve(f, memory_mb=memory) for f in system.functions])
    assert {s: set(t["Resources"]) for s, t in render(changed).items()} == {
        s: set(t["Resources"]) for s, t in first.items()}


# --- Names chosen to collide once turned into construct ids, and strings the CDK could take for its own ---------
# Pairs that capitalizing merges (a-1/a1, a-b/a--b/ab), a resource named like another's part (x/x-role/x-logs),
# outputs of two pools' clients (p + b-c, p-b + c).
COLLIDING_NAMES = ("a-1", "a1", "a-b", "a--b", "ab", "x", "x-role", "x-logs", "x-function-arn", "p", "p-b", "b-c",
                   "c", "a-b-c", "a-bc")
# State names that are special to JavaScript objects, a path separator, and text shaped like a CDK token.
SPECIAL_STRINGS = ("constructor", "toString", "__proto__", "hasOwnProperty", "a/b", "a.b", "$",
                   "${Token[AWS.AccountId.1]}", "x${Token[Foo.2]}y${Token[")


@st.composite
def colliding_systems(draw: st.DrawFn) -> System:
    names = iter(draw(st.permutations(COLLIDING_NAMES)))
    tables_ = [draw(strategies.tables(next(names))) for _ in range(draw(st.integers(0, 3)))]
    buckets_ = [draw(strategies.buckets(next(names))) for _ in range(draw(st.integers(0 if tables_ else 1, 2)))]
    functions_ = []
    for _ in range(draw(st.integers(1, 3))):
        function = draw(strategies.functions(next(names), [*tables_, *buckets_]))
        functions_.append(attrs.evolve(function, description=draw(st.sampled_from(SPECIAL_STRINGS)),
                                       environment={**function.environment,
                                                    "LOOKS_LIKE_A_TOKEN": draw(st.sampled_from(SPECIAL_STRINGS))}))
    state_names = draw(st.lists(st.sampled_from(SPECIAL_STRINGS), min_size=2, max_size=5, unique=True))
    states: list[Any] = [
        Pass(state, {"none": None, "text": draw(st.sampled_from(SPECIAL_STRINGS)), "list": [None, 1.5, "x"],
                     "at": path("$.id")}, next=following)
        for state, following in itertools.pairwise(state_names)]
    states.append(Task(state_names[-1], functions_[0].name, {"value": None, "nested": {"none": None}}, end=True))
    pools = [draw(strategies.user_pools(next(names))) for _ in range(draw(st.integers(0, 2)))]
    return System("s", "dev", tables=tables_, buckets=buckets_, functions=functions_,
                  workflows=[Workflow(next(names), state_names[0], states)], user_pools=pools, bucket_suffix="t")


@settings(max_examples=15, deadline=None)
@given(colliding_systems())
def test_names_that_collide_as_ids_and_token_like_strings_render_exactly(system: System) -> None:
    rendered = resources(render(system))
    tables = reader.read_tables(system, rendered)
    buckets = reader.read_buckets(system, rendered)
    assert sorted(tables, key=lambda t: t.name) == sorted(system.tables, key=lambda t: t.name)
    assert sorted(buckets, key=lambda b: b.name) == sorted(system.buckets, key=lambda b: b.name)
    functions = reader.read_functions(system, rendered, tables, buckets, FUNCTION_CODE)
    assert sorted(functions, key=lambda f: f.name) == sorted((without_reasons(f) for f in system.functions),
                                                             key=lambda f: f.name)
    assert reader.read_workflows(system, rendered) == list(system.workflows)
    assert reader.read_user_pools(system, rendered) == list(system.user_pools)
