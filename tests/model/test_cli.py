"""The command line: help, a broken model reported whole (exit 2), and the model's independence."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "app.py"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_help_explains_both_backends() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "--backend {cdk,localstack}" in result.stdout
    assert "cdk.out" in result.stdout and "LocalStack" in result.stdout and "--stage" in result.stdout


def test_no_verb_is_an_error_with_a_hint() -> None:
    result = run()
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: choose a verb: oratio synth | preview | up | destroy | outputs | show | rules | localstack | demo "
        "| init",
        "  hint: see oratio --help"]


def test_help_lists_every_verb() -> None:
    result = run("--help")
    for verb in ("synth", "preview", "up", "destroy", "outputs", "show", "rules", "localstack", "demo", "init"):
        assert f"\n  {verb} " in result.stdout, verb


@pytest.mark.parametrize(("arguments", "message"), [
    (("up", "--preview"), "error: --preview is the design's form of the verb preview: do not combine it with the "
                          "verb up"),
    (("--destroy", "up"), "error: --destroy is the design's form of the verb destroy: do not combine it with "
                          "the verb up"),
    (("--backend", "localstack", "--destroy", "--replace", "x"), "error: --replace applies to the localstack verbs "
                                                                  "up and preview only, not destroy"),
    (("--backend", "cdk", "--destroy"), "error: --destroy applies to the localstack backend only"),
    (("synth", "--backend", "localstack"), "error: synth is the cdk backend's (CloudFormation for AWS); the "
                                           "localstack backend deploys directly"),
    (("--backend", "cdk", "up"), "error: up is the localstack backend's; with the cdk backend the CDK CLI does it "
                                 "against AWS"),
    (("show", "--stage", ""), "error: --stage is empty (''): a stage names the deployment"),
    (("show", "--stage", "  "), "error: --stage is empty ('  '): a stage names the deployment"),
])
def test_contradictions_and_empty_stages_are_refused_in_one_line(arguments: tuple[str, ...], message: str) -> None:
    result = run(*arguments)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[0] == message
    assert result.stderr.splitlines()[1].startswith("  hint: ") and len(result.stderr.splitlines()) == 2


@pytest.mark.parametrize("arguments", [
    ("--backend", "localstack", "--preview", "--destroy"), ("destroy", "--preview"), ("preview", "--destroy"),
    ("--destroy", "preview")])
def test_preview_with_destroy_is_the_destroy_preview(arguments: tuple[str, ...]) -> None:
    """The issue's trap: ``--preview --destroy`` destroyed. Every spelling of it previews the destroy (that it
    deletes nothing is tested against LocalStack in tests/backends/localstack/test_data_safety.py)."""
    from oratio.cli import build_parser, resolve_verb

    assert resolve_verb(build_parser().parse_args(list(arguments))) == "destroy-preview"


def test_the_hidden_yes_flag_is_gone() -> None:
    result = run("--backend", "localstack", "--yes")
    assert result.returncode == 2 and "unrecognized arguments: --yes" in result.stderr


def test_common_options_go_before_or_after_the_verb() -> None:
    before = run("--stage", "local", "--system", "oratio.platform:platform", "show", "--account", "000000000000")
    after = run("show", "--stage", "local", "--system", "oratio.platform:platform", "--account", "000000000000")
    assert before.returncode == after.returncode == 0, before.stderr + after.stderr
    assert before.stdout == after.stdout
    assert before.stdout.startswith("system oratio, stage local: valid")


def test_the_system_module_is_found_in_the_current_folder(tmp_path: Path) -> None:
    """Like Flask's --app and pytest: no PYTHONPATH needed for a module in the folder oratio runs in."""
    (tmp_path / "myinfra.py").write_text(textwrap.dedent("""
        from oratio.model import Key, System, Table

        def system(stage):
            return System("mine", stage, tables=[Table("notes", Key("id"))])
    """))
    result = subprocess.run([sys.executable, str(ROOT / "app.py"), "--system", "myinfra:system", "show"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["system mine, stage dev: valid",
                         f"  table     notes                  {'mine-dev-notes':<40} no indexes"]
    # Then the CDK backend's stacks: one, for the one table.
    assert lines[2].startswith("stacks (cdk backend")
    assert lines[3].split()[:3] == ["mine-dev-database", "1", "tables"] and len(lines) == 4


def test_the_default_system_comes_from_cdk_json(tmp_path: Path) -> None:
    (tmp_path / "cdk.json").write_text('{"app": "python -m oratio synth", "context": {"oratio:system": "sys2:build"}}')
    (tmp_path / "sys2.py").write_text(textwrap.dedent("""
        from oratio.model import Bucket, System

        def build(stage):
            return System("other", stage, buckets=[Bucket("files")])
    """))
    result = subprocess.run([sys.executable, str(ROOT / "app.py"), "show", "--stage", "prod"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "system other, stage prod: valid"


def test_rules_lists_every_rule_id() -> None:
    from oratio.model.rules import RULES

    result = run("rules")
    assert result.returncode == 0, result.stderr
    for rule_id in RULES:
        assert rule_id in result.stdout


def test_broken_model_prints_every_problem_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "broken_system.py").write_text(textwrap.dedent("""
        from oratio.model import Bucket, Function, Key, System, Table

        def system(stage):
            agents = Table("agents", Key("userId"), Key("userId"))
            return System("oratio", stage, tables=[agents], buckets=[Bucket("Logs")],
                          functions=[Function("f", code="lambdas/f", memory_mb=64, grants=[agents.read()])])
    """))
    result = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "--backend", "cdk", "--system", "broken_system:system"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "error: invalid system: 3 problems; fix each field named below (rule ids are listed in oratio/model/rules.py)",
        "  tables['agents'].sort_key: sort key 'userId' is also the partition key [T109]",
        "  buckets['Logs'].name: name 'Logs' has 'L'; allowed: a-z, 0-9, '-' [N103]",
        "  functions['f'].memory_mb: 64 MB is outside 128-10240 MB [F102]",
    ]


def test_unknown_system_module_is_one_line_with_a_hint(tmp_path: Path) -> None:
    result = run("--backend", "cdk", "--system", "no_such_module:system", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: cannot load the system 'no_such_module:system': No module named 'no_such_module'",
        f"  hint: run oratio in the folder holding no_such_module.py (or its package), or give --system as "
        f"module:function importable from {tmp_path}"]


def test_model_imports_no_backend() -> None:
    code = ("import sys, oratio.model, oratio.platform; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'botocore', 'aws_cdk', 'jsii'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"


def test_a_bad_stage_is_reported_once() -> None:
    result = run("show", "--stage", "Bad")
    assert result.returncode == 2
    assert result.stderr.splitlines()[1:] == ["  stage: stage 'Bad' has 'B'; allowed: a-z, 0-9 [N102]"]


def test_show_lists_every_resource_with_its_physical_name() -> None:
    from oratio.platform import platform

    result = run("show", "--stage", "local", "--account", "000000000000")
    assert result.returncode == 0, result.stderr
    system = platform("local")
    names = system.physical_names("000000000000")
    for physical in (*names.values(), *(system.physical_name(f) for f in system.functions)):
        assert physical in result.stdout




def test_rules_lists_the_rule_table() -> None:
    """``app.py rules`` prints every rule of the table with what it says, its limit and its source."""
    import json

    from oratio.model.rules import MODEL_SOURCE, RULES

    listed = json.loads(run("rules", "--json").stdout)
    assert [entry["id"] for entry in listed] == list(RULES)
    for entry in listed:
        rule = RULES[entry["id"]]
        assert (entry["what"], entry["limit"], entry["source"]) == (rule.title, rule.limit or None, rule.source)
        assert len(entry["limits"]) == len(rule.limits)
        assert entry["source"] == MODEL_SOURCE or entry["source"].startswith("https://"), entry
    # every limit the table holds is printed with its rule, and a rule with limits shows them
    assert all(entry["limit"] for entry in listed if entry["limits"])

    text = run("rules")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split() == ["id", "what", "limit", "source"]
    assert [line.split()[0] for line in lines[1:]] == list(RULES)
    for line, rule in zip(lines[1:], RULES.values(), strict=True):
        assert rule.title in line and line.rstrip().endswith(rule.source) and (rule.limit or "-") in line


@pytest.mark.parametrize(("blocked", "verb", "extra"), [("botocore", "up", "localstack"), ("aws_cdk", "synth", "cdk")])
def test_a_missing_extra_names_the_pip_command(blocked: str, verb: str, extra: str) -> None:
    """Without a backend's extra (its SDK not installed): one line naming the extra, not a traceback."""
    code = (f"import sys; sys.modules[{blocked!r}] = None; from oratio.cli import main; "
            f"sys.exit(main([{verb!r}, '--no-nag'] if {verb!r} == 'synth' else [{verb!r}]))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "LOCALSTACK_ENDPOINT": "http://127.0.0.1:9"})
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [f"error: {blocked} is not installed: the {extra} backend needs it",
                                          f"  hint: pip install 'oratio[{extra}]'"]


@pytest.mark.parametrize(("spec", "first_line"), [
    ("boom:system", "error: the system function boom:system raised RuntimeError: no settings for stage dev "
                    "(at {folder}/boom.py:4)"),
    ("os:getcwd", "error: the system function os:getcwd raised TypeError: posix.getcwd() takes no arguments "
                  "(1 given)"),
    (":", "error: --system ':' is not module:function"),
    ("boom:", "error: the system function boom: raised RuntimeError: no settings for stage dev "
              "(at {folder}/boom.py:4)"),
    ("boom:NOT_A_FUNCTION", "error: --system boom:NOT_A_FUNCTION names an object of type int, not a function of "
                            "the stage"),
    ("boom:../x", "error: --system 'boom:../x' is not module:function"),
])
def test_a_system_function_that_fails_is_one_line_with_a_hint(tmp_path: Path, spec: str, first_line: str) -> None:
    """The user's own code raising (or a spec that names no function) is their error: one line saying where, a
    hint, exit 1; never a traceback."""
    (tmp_path / "boom.py").write_text(textwrap.dedent("""\
        NOT_A_FUNCTION = 3

        def system(stage):
            raise RuntimeError(f"no settings for stage {stage}")
        """))
    result = run("show", "--system", spec, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[1].startswith("  hint: "), result.stderr
    assert lines[0] == first_line.format(folder=tmp_path.resolve())
