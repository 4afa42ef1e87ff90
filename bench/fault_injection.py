"""Fault injection: does an interrupted or doubled ``up`` of the Oratio platform still converge, with nothing made
twice? (issue 12, "Must show").

1. Killed ups: ``--kills`` rounds, each on a new stage: ``oratio up`` started, SIGKILLed (its whole process group)
   at a random moment between its start and the time a whole up takes, then one ``up``. Each round must converge:
   the finishing up exits 0, a preview afterwards has nothing pending, and no resource exists twice.
2. Concurrent ups: ``--pairs`` rounds, each on a new stage: two ``oratio up`` started at once. With the
   one-writer-at-a-time lock the second waits or is refused in one line; either way, afterwards a preview has
   nothing pending and no resource exists twice.

"Twice" is counted by listing every kind by name (user pools and their app clients, functions, tables, buckets,
state machines, roles, log groups) and counting names seen more than once; only user pools and app clients can
be duplicated by AWS's APIs, the other kinds are counted to show it. The figures are printed; the script exits 1
when a round did not converge or anything was duplicated.

Usage: .venv/bin/python bench/fault_injection.py [--kills 20] [--pairs 5] [--seed N] [--keep]
Uses the embedded LocalStack (started if needed, on ORATIO_LOCALSTACK_PORT) unless LOCALSTACK_ENDPOINT is set.
Stages are new each run (``f<run id><round>``); they are destroyed at the end unless ``--keep`` (destroy keeps
retained tables, buckets and pools, with their data, as it always does).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from oratio.backends.localstack import Target, preview  # noqa: E402
from oratio.backends.localstack.embedded import ensure_running, resolve_endpoint  # noqa: E402
from oratio.platform import platform  # noqa: E402


@attrs.frozen
class Round:
    stage: str
    codes: tuple[int, ...]  # exit codes of the ups of the round (the killed one: -9)
    pending: int  # what a preview afterwards would still change
    duplicates: dict[str, int]  # kind: names seen more than once
    resources: int  # resources of the stage, every kind
    killed_after_s: float | None = None
    left: tuple[str, ...] = ()  # the pending changes, "action kind name: fields"

    @property
    def converged(self) -> bool:
        return self.pending == 0 and not any(self.duplicates.values())


def up_command(stage: str) -> list[str]:
    return [sys.executable, "app.py", "up", "--stage", stage]


def environment(endpoint: str) -> dict[str, str]:
    return {**os.environ, "LOCALSTACK_ENDPOINT": endpoint}


def pages(client: Any, operation: str, key: str, **arguments: Any) -> Iterable[Any]:
    for page in client.get_paginator(operation).paginate(**arguments):
        yield from page[key]


def names_by_kind(target: Target, prefix: str) -> dict[str, list[str]]:
    """Every resource whose name starts with the stage's prefix, by kind; a name may appear more than once."""
    cognito = target.client("cognito-idp")
    pools = [p for p in pages(cognito, "list_user_pools", "UserPools", MaxResults=60) if p["Name"].startswith(prefix)]
    clients = [f"{pool['Name']}/{c['ClientName']}" for pool in pools
               for c in pages(cognito, "list_user_pool_clients", "UserPoolClients", UserPoolId=pool["Id"])]
    return {
        "user-pool": [p["Name"] for p in pools],
        "user-pool-client": clients,
        "function": [f["FunctionName"] for f in pages(target.client("lambda"), "list_functions", "Functions")
                     if f["FunctionName"].startswith(prefix)],
        "table": [t for t in pages(target.client("dynamodb"), "list_tables", "TableNames") if t.startswith(prefix)],
        "bucket": [b["Name"] for b in target.client("s3").list_buckets()["Buckets"] if b["Name"].startswith(prefix)],
        "state-machine": [m["name"] for m in pages(target.client("stepfunctions"), "list_state_machines",
                                                   "stateMachines") if m["name"].startswith(prefix)],
        "role": [r["RoleName"] for r in pages(target.client("iam"), "list_roles", "Roles")
                 if r["RoleName"].startswith(prefix)],
        "log-group": [g["logGroupName"] for g in pages(target.client("logs"), "describe_log_groups", "logGroups")
                      if prefix in g["logGroupName"]],
    }


def check(target: Target, stage: str, codes: tuple[int, ...], killed_after_s: float | None = None) -> Round:
    system = platform(stage)
    plan = preview(target, system, project_root=ROOT)
    pending = len(plan.pending)
    left = tuple(f"{c.action.value} {c.kind} {c.name}: {', '.join(c.fields) or '-'}" for c in plan.pending)
    found = names_by_kind(target, f"{system.name}-{stage}-")
    duplicates = {kind: sum(n - 1 for n in Counter(names).values() if n > 1) for kind, names in found.items()}
    return Round(stage, codes, pending, duplicates, sum(len(names) for names in found.values()), killed_after_s,
                 left)


def timed_up(stage: str, env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run(up_command(stage), cwd=ROOT, env=env, check=True, capture_output=True)
    return time.monotonic() - started


def killed_round(target: Target, stage: str, env: dict[str, str], rng: random.Random, full_s: float) -> Round:
    delay = rng.uniform(0.0, full_s)
    running = subprocess.Popen(up_command(stage), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(delay)
    if running.poll() is None:
        os.killpg(running.pid, signal.SIGKILL)
    killed_code = running.wait()
    finish = subprocess.run(up_command(stage), cwd=ROOT, env=env, capture_output=True, text=True)
    if finish.returncode != 0:
        print(f"    the finishing up failed: {finish.stderr.strip().splitlines()[:2]}")
    return check(target, stage, (killed_code, finish.returncode), delay)


def concurrent_round(target: Target, stage: str, env: dict[str, str]) -> Round:
    ups = [subprocess.Popen(up_command(stage), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True) for _ in range(2)]
    results = [(p.wait(), p.stderr.read() if p.stderr else "") for p in ups]
    for code, stderr in results:
        if code != 0:
            print(f"    an up exited {code}: {stderr.strip().splitlines()[:1]}")
    return check(target, stage, tuple(code for code, _ in results))


def report(title: str, rounds: list[Round]) -> bool:
    converged = sum(r.converged for r in rounds)
    total: Counter[str] = Counter()
    for r in rounds:
        total.update(r.duplicates)
    duplicated = {kind: n for kind, n in sorted(total.items()) if n}
    print(f"{title}: {converged}/{len(rounds)} converged; preview pending after: "
          f"{sum(r.pending for r in rounds)}; duplicates: {sum(total.values())} "
          f"({', '.join(f'{k} {n}' for k, n in duplicated.items()) or 'none of any kind'}); "
          f"resources per stage: {sorted({r.resources for r in rounds})}")
    return converged == len(rounds)


def describe(r: Round) -> str:
    killed = f"killed after {r.killed_after_s:.2f} s, " if r.killed_after_s is not None else ""
    dups = ", ".join(f"{k} x{n}" for k, n in r.duplicates.items() if n) or "no duplicate"
    left = f" ({'; '.join(r.left)})" if r.left else ""
    return f"  {r.stage}: {killed}exit codes {list(r.codes)}, pending after {r.pending}{left}, {dups}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20, help="killed ups, each then finished by one up")
    parser.add_argument("--pairs", type=int, default=5, help="pairs of concurrent ups")
    parser.add_argument("--seed", type=int, default=None, help="for the kill moments (default: random, printed)")
    parser.add_argument("--keep", action="store_true", help="do not destroy the stages at the end")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    user = resolve_endpoint()
    endpoint = user.url if user is not None else ensure_running(print).url
    env = environment(endpoint)
    target = Target(endpoint)
    run_id = uuid.uuid4().hex[:4]
    stages: list[str] = []

    def new_stage(kind: str, number: int) -> str:
        stages.append(f"f{run_id}{kind}{number:02d}")
        return stages[-1]

    full_s = timed_up(new_stage("t", 0), env)
    print(f"fault injection on {endpoint}, seed {seed}: a whole up of the platform takes {full_s:.1f} s; "
          f"kills at a uniform moment in [0, {full_s:.1f}] s")
    killed: list[Round] = []
    for number in range(args.kills):
        killed.append(killed_round(target, new_stage("k", number), env, rng, full_s))
        print(describe(killed[-1]))
    concurrent: list[Round] = []
    for number in range(args.pairs):
        concurrent.append(concurrent_round(target, new_stage("c", number), env))
        print(describe(concurrent[-1]))
    ok = report(f"killed ups ({args.kills}, each then one up)", killed)
    ok = report(f"concurrent pairs ({args.pairs})", concurrent) and ok
    if not args.keep:
        for stage in stages:
            subprocess.run([sys.executable, "app.py", "destroy", "--stage", stage], cwd=ROOT, env=env,
                           capture_output=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
