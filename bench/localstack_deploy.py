"""The LocalStack backend's speed: the platform on a freshly started LocalStack, ``python app.py --backend
localstack`` against cdklocal deploying the same platform's ``cdk.out`` (bootstrapped before), alternated,
medians and their ratio; then a no-change up and a ``--preview`` on a warm LocalStack; then 10, 100 and 500
generated tables, to show that time grows linearly and what the parallelism buys.

Usage: .venv/bin/python bench/localstack_deploy.py [--runs 3] [--skip-cdklocal] [--scale 10,100,500]
Uses the embedded LocalStack (it is stopped and started between runs) unless LOCALSTACK_ENDPOINT is set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from oratio.backends.localstack import Target, destroy, up  # noqa: E402
from oratio.backends.localstack.embedded import ensure_running, resolve_endpoint, stop  # noqa: E402
from oratio.backends.localstack.plan import PARALLELISM  # noqa: E402
from oratio.model import Key, Retention, System, Table  # noqa: E402


def fresh_endpoint() -> str:
    """A LocalStack just started (the embedded one), or the user's own as it is."""
    user = resolve_endpoint()
    if user is not None:
        return user.url
    stop()
    return ensure_running().url


def env_for(endpoint: str) -> dict[str, str]:
    return {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_ENDPOINT_URL_S3": endpoint,
            "LOCALSTACK_ENDPOINT": endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1", "CDK_DISABLE_CLI_TELEMETRY": "true",
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def platform_against_cdklocal(runs: int, with_cdklocal: bool) -> None:
    python = sys.executable
    cdklocal = str(ROOT / "node_modules" / ".bin" / "cdklocal")
    if with_cdklocal:
        subprocess.run([python, "app.py", "--backend", "cdk", "--stage", "local", "--output", "cdk.out.local"],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    times: dict[str, list[float]] = {"oratio": [], "cdklocal": []}
    for run in range(runs):
        endpoint = fresh_endpoint()
        times["oratio"].append(timed([python, "app.py", "--backend", "localstack", "--stage", "local"],
                                     env_for(endpoint)))
        line = f"  run {run + 1}/{runs}: oratio {times['oratio'][-1]:.1f} s"
        if with_cdklocal:
            endpoint = fresh_endpoint()
            env = env_for(endpoint)
            timed([cdklocal, "bootstrap", "--no-notices"], env)  # "bootstrap done before": not timed
            times["cdklocal"].append(timed([cdklocal, "deploy", "--all", "--app", "cdk.out.local",
                                            "--require-approval", "never", "--no-notices"], env))
            line += f", cdklocal {times['cdklocal'][-1]:.1f} s"
        print(line, flush=True)
    oratio = statistics.median(times["oratio"])
    print(f"platform on a fresh LocalStack, median of {runs}: oratio {oratio:.1f} s", end="")
    if with_cdklocal:
        cdk = statistics.median(times["cdklocal"])
        print(f", cdklocal deploy of cdk.out {cdk:.1f} s, ratio {cdk / oratio:.1f}x")
    else:
        print()


def warm_noop_and_preview(runs: int) -> None:
    python = sys.executable
    endpoint = resolve_endpoint().url if resolve_endpoint() else ensure_running().url
    env = env_for(endpoint)
    timed([python, "app.py", "--backend", "localstack", "--stage", "local"], env)
    start = statistics.median(timed([python, "-c", "import oratio.cli"], env) for _ in range(runs))
    noop = statistics.median(timed([python, "app.py", "--backend", "localstack", "--stage", "local"], env)
                             for _ in range(runs))
    preview = statistics.median(timed([python, "app.py", "--backend", "localstack", "--stage", "local",
                                       "--preview"], env) for _ in range(runs))
    print(f"warm LocalStack, medians of {runs}: Python start + import {start:.2f} s; no-change up {noop:.2f} s "
          f"({noop - start:.2f} s beyond start); --preview {preview:.2f} s ({preview - start:.2f} s beyond start)")


def scale(sizes: list[int]) -> None:
    endpoint = resolve_endpoint().url if resolve_endpoint() else ensure_running().url
    target = Target(endpoint)
    for size in sizes:
        system = System("scale", f"t{size}", tables=[Table(f"table-{i}", Key("id"), retention=Retention.DESTROY)
                                                    for i in range(size)])
        row = []
        for parallelism in (1, PARALLELISM):
            started = time.perf_counter()
            up(target, system, parallelism=parallelism)
            elapsed = time.perf_counter() - started
            row.append(f"parallelism {parallelism}: {elapsed:.1f} s ({elapsed / size * 1000:.0f} ms per table)")
            destroy(target, system)
        print(f"  {size:>4} tables: " + "; ".join(row), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-cdklocal", action="store_true")
    parser.add_argument("--scale", default="10,100,500")
    args = parser.parse_args()
    platform_against_cdklocal(args.runs, not args.skip_cdklocal)
    warm_noop_and_preview(max(args.runs, 3))
    print("scale (create, then destroy, each size at parallelism 1 and 8):")
    scale([int(n) for n in args.scale.split(",") if n])


if __name__ == "__main__":
    main()
