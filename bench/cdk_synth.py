"""What the model costs at synth time: ``python app.py --backend cdk`` against the same resources as a plain
hand-written CDK app (``bench/handwritten_app.py``), each timed as a whole process, alternated, medians and
their ratio printed; with and without aws-cdk-lib's built-in CloudFormation validation, and cdk-nag's cost.

Usage: .venv/bin/python bench/cdk_synth.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}


def timed(command: list[str]) -> float:
    with tempfile.TemporaryDirectory() as outdir:
        started = time.perf_counter()
        subprocess.run([c.replace("{out}", outdir) for c in command], cwd=ROOT, env=ENV, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - started


def compare(name: str, commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    times: dict[str, list[float]] = {label: [] for label in commands}
    for run in range(runs):
        for label, command in commands.items():  # alternated, so that drift hits both alike
            times[label].append(timed(command))
        print(f"  {name}: run {run + 1}/{runs} " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()),
              flush=True)
    return {label: statistics.median(values) for label, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    python = sys.executable
    handwritten = [python, "bench/handwritten_app.py", "{out}"]
    oratio = [python, "app.py", "--backend", "cdk", "--output", "{out}"]
    # Warm the bundle cache and jsii's package cache once: neither is what is measured.
    timed(oratio)
    rows = []
    for validation in (False, True):
        extra = ["--cfn-validation"] if validation else []
        label = "with built-in validation" if validation else "without built-in validation"
        medians = compare(label, {"handwritten": [*handwritten, *extra],
                                  "oratio --no-nag": [*oratio, "--no-nag", *extra],
                                  "oratio (cdk-nag on)": [*oratio, *extra]}, runs)
        rows.append((label, medians))
    print(f"\nmedians of {runs} alternated runs, whole processes (Python start, import, synth, write):")
    for label, medians in rows:
        plain, nagged = medians["oratio --no-nag"], medians["oratio (cdk-nag on)"]
        print(f"  {label:<29} handwritten {medians['handwritten']:.2f} s | oratio --no-nag {plain:.2f} s | "
              f"ratio {plain / medians['handwritten']:.3f} | oratio with cdk-nag {nagged:.2f} s "
              f"(+{nagged - plain:.2f} s for cdk-nag)")


if __name__ == "__main__":
    main()
