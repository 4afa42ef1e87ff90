"""Processes of the embedded LocalStack the tests look for, read from /proc as any observer would."""

from __future__ import annotations

from pathlib import Path

from oratio.backends.localstack.embedded import process
from oratio.backends.localstack.embedded.layout import Layout


def agent_processes(layout: Layout) -> list[int]:
    """Running processes whose command line is an agent's entry point under LocalStack's agentcore folder."""
    found = []
    for pid in process._strays(layout):
        try:
            arguments = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
        except OSError:
            continue
        if any("/agentcore/" in argument for argument in arguments[:2]):
            found.append(pid)
    return found
