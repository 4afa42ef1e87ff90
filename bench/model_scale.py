"""Large systems against CloudFormation's per-stack quotas: how long the CDK backend takes to synthesize 100 to
1,000 tables and 50 to 250 functions (split into shards, ``oratio/backends/cdk/shards.py``), how many stacks that
makes and how full the fullest is; then the same systems deployed on the embedded LocalStack by the LocalStack
backend (which has no stack quota) and destroyed. Times should grow linearly with the size.

Usage: ORATIO_LOCALSTACK_PORT=<port> .venv/bin/python bench/model_scale.py [--tables 100,250,500,1000]
       [--functions 50,125,250] [--skip-deploy]
The embedded LocalStack is used (started if needed) unless LOCALSTACK_ENDPOINT is set.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from oratio.backends.cdk import synth  # noqa: E402
from oratio.backends.cdk.shards import MAX_OUTPUTS, MAX_RESOURCES, MAX_TEMPLATE_BYTES, measure  # noqa: E402
from oratio.model import Retention, System  # noqa: E402
from tests.fixtures.scale_system import functions_system, tables_system  # noqa: E402


def synth_row(system: System, size: int, unit: str) -> None:
    with tempfile.TemporaryDirectory() as outdir:
        started = time.perf_counter()
        stacks = synth(system, outdir, nag=False, project_root=ROOT)
        elapsed = time.perf_counter() - started
        sizes = [measure(s.template_file.read_text()) for s in stacks]
    fullest = max(sizes, key=lambda s: max(s.resources / MAX_RESOURCES, s.outputs / MAX_OUTPUTS,
                                           s.bytes / MAX_TEMPLATE_BYTES))
    print(f"  synth {size:>5} {unit}: {elapsed:6.1f} s ({elapsed / size * 1000:5.1f} ms per {unit[:-1]}), "
          f"{len(stacks)} stacks; fullest: {fullest.resources} resources, {fullest.outputs} outputs, "
          f"{fullest.bytes / 1000:.0f} KB", flush=True)


def deploy_row(system: System, size: int, unit: str) -> None:
    from oratio.backends.localstack import Target, destroy, up
    from oratio.backends.localstack.embedded import ensure_running, resolve_endpoint

    user = resolve_endpoint()
    target = Target(user.url if user else ensure_running().url)
    started = time.perf_counter()
    up(target, system, project_root=ROOT)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    destroy(target, system)
    gone = time.perf_counter() - started
    print(f"  up    {size:>5} {unit}: {elapsed:6.1f} s ({elapsed / size * 1000:5.0f} ms per {unit[:-1]}); "
          f"destroy {gone:.1f} s", flush=True)


def sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default="100,250,500,1000")
    parser.add_argument("--functions", default="50,125,250")
    parser.add_argument("--skip-deploy", action="store_true")
    args = parser.parse_args()
    kinds: list[tuple[str, Callable[..., System], list[int]]] = [
        ("tables", tables_system, sizes(args.tables)), ("functions", functions_system, sizes(args.functions))]
    with tempfile.TemporaryDirectory() as outdir:  # the CDK's Node process starts once, outside the figures
        synth(tables_system(1), outdir, nag=False, project_root=ROOT)
    for unit, make, counts in kinds:
        for count in counts:
            system = make(count, stage=f"b{count}", retention=Retention.DESTROY)
            system.check()
            synth_row(system, count, unit)
            if not args.skip_deploy:
                deploy_row(system, count, unit)


if __name__ == "__main__":
    main()
