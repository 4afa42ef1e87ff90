"""The command line: help, a broken model reported whole (exit 2), and the model's independence."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "app.py"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_help_explains_both_backends() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "--backend {cdk,localstack}" in result.stdout
    assert "cdk.out" in result.stdout and "LocalStack" in result.stdout and "--stage" in result.stdout


def test_no_backend_is_an_error_with_a_hint() -> None:
    result = run()
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == "error: choose a backend: --backend cdk or --backend localstack"


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


def test_unknown_system_module_is_one_line() -> None:
    result = run("--backend", "cdk", "--system", "no_such_module:system")
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot load the system 'no_such_module:system'")
    assert "Traceback" not in result.stderr


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
