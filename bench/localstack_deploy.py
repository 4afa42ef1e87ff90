"""The LocalStack backend's speed: the platform on a freshly started LocalStack, ``python app.py --backend
localstack`` against cdklocal deploying the same platform's ``cdk.out`` (bootstrapped before), alternated,
medians and their ratio; then a no-change up and a ``--preview`` on a warm LocalStack; then 10, 100 and 500
generated tables, to show that time grows linearly and what the parallelism buys.

Usage: .venv/bin/python bench/localstack_deploy.py [--runs 3] [--skip-cdklocal] [--skip-fresh] [--scale 10,100,500]
Uses the embedded LocalStack (it is stopped and started between runs) unless LOCALSTACK_ENDPOINT is set.

Fair to both: each deploy gets a LocalStack just started the same way (the embedded start loads every service
either tool uses, ``embedded/process.py``'s ``WARM_CALLS``), and is timed from after it answers. The warm figures
are taken on a LocalStack of their own (restarted, the platform deployed once untimed), not on the one cdklocal
deployed to. "Beyond Python start" subtracts the median of ``python -c pass``. Commands run with bytecode caching
on (``PYTHONDONTWRITEBYTECODE`` removed, as in a normal install; each command is run once untimed first). The
machine's load average is printed with each figure. Where the time goes: ``bench/localstack_profile.py``.
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


def load() -> str:
    return "load average " + " ".join(f"{value:.1f}" for value in os.getloadavg())


def env_for(endpoint: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**inherited, "AWS_ENDPOINT_URL": endpoint, "AWS_ENDPOINT_URL_S3": endpoint,
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
    subprocess.run([python, "-c", "import oratio.cli, oratio.backends.localstack, oratio.platform"], cwd=ROOT,
                   env=env_for("http://127.0.0.1:1"), check=True)  # bytecode caches written before any timing
    for run in range(runs):
        endpoint = fresh_endpoint()
        times["oratio"].append(timed([python, "app.py", "--backend", "localstack", "--stage", "local"],
                                     env_for(endpoint)))
        line = f"  run {run + 1}/{runs}: oratio {times['oratio'][-1]:.1f} s ({load()})"
        if with_cdklocal:
            endpoint = fresh_endpoint()
            env = env_for(endpoint)
            timed([cdklocal, "bootstrap", "--no-notices"], env)  # "bootstrap done before": not timed
            times["cdklocal"].append(timed([cdklocal, "deploy", "--all", "--app", "cdk.out.local",
                                            "--require-approval", "never", "--no-notices"], env))
            line += f", cdklocal {times['cdklocal'][-1]:.1f} s ({load()})"
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
    env = env_for(fresh_endpoint())  # not the LocalStack cdklocal deployed to: its stacks are not oratio's
    up_command = [python, "app.py", "--backend", "localstack", "--stage", "local"]
    timed(up_command, env)  # the platform deployed, untimed
    timed([*up_command, "--preview"], env)
    start = statistics.median(timed([python, "-c", "pass"], env) for _ in range(runs))
    imports = statistics.median(timed([python, "-c", "import oratio.cli"], env) for _ in range(runs))
    noop = statistics.median(timed(up_command, env) for _ in range(runs))
    noop_load = load()
    preview = statistics.median(timed([*up_command, "--preview"], env) for _ in range(runs))
    print(f"warm LocalStack, medians of {runs}: Python start (python -c pass) {start:.2f} s, with import oratio.cli "
          f"{imports:.2f} s; no-change up {noop:.2f} s ({noop - start:.2f} s beyond start; {noop_load}); --preview "
          f"{preview:.2f} s ({preview - start:.2f} s beyond start; {load()})")


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
    parser.add_argument("--skip-fresh", action="store_true", help="only the warm figures (and --scale)")
    parser.add_argument("--scale", default="10,100,500")
    args = parser.parse_args()
    if not args.skip_fresh:
        platform_against_cdklocal(args.runs, not args.skip_cdklocal)
    warm_noop_and_preview(max(args.runs, 3))
    sizes = [int(n) for n in args.scale.split(",") if n]
    if sizes:
        print("scale (create, then destroy, each size at parallelism 1 and 8):")
        scale(sizes)


if __name__ == "__main__":
    main()
