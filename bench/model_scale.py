"""Large systems against CloudFormation's per-stack quotas: how long the CDK backend takes to synthesize 100 to
1,000 tables and 50 to 250 functions (split into shards, ``oratio/backends/cdk/shards.py``), how many stacks that
makes and how full the fullest is, and cfn-lint on every template of the largest size; then the same systems on
the embedded LocalStack by the LocalStack backend (which has no stack quota): up, a second up that finds nothing
to change (it reads every resource back), and destroy. Each phase is printed with its time per resource, and the
summary says whether it grows linearly (the time per resource at the largest size against the smallest).

Usage: ORATIO_LOCALSTACK_PORT=<port> .venv/bin/python bench/model_scale.py [--tables 100,250,500,1000]
       [--functions 50,125,250] [--skip-deploy] [--skip-lint]
The embedded LocalStack is used (started if needed) unless LOCALSTACK_ENDPOINT is set.
"""

from __future__ import annotations

import argparse
import json
import subprocess
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

# What the CDK's templates may show in cfn-lint (tests/backends/cdk/test_app.py's ACCEPTED_CFN_LINT): warnings only.
ACCEPTED_CFN_LINT = {"W3005"}
# Slower per resource at the largest size than at the smallest by at most this factor: linear, within the noise
# of a 2-core machine shared with other work.
LINEAR_WITHIN = 1.5


def cfn_lint(templates: list[Path]) -> str:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())",
                             "--format", "json", *map(str, templates)], capture_output=True, text=True, check=False)
    findings = json.loads(result.stdout or "[]")
    unexpected = [f for f in findings if f["Rule"]["Id"] not in ACCEPTED_CFN_LINT]
    if unexpected or result.returncode not in (0, 4, 8, 12):
        raise SystemExit(f"cfn-lint found problems ({result.returncode}): {unexpected or result.stderr[-2000:]}")
    return f"cfn-lint clean on all {len(templates)} templates ({time.perf_counter() - started:.0f} s)"


def synth_row(system: System, size: int, unit: str, lint: bool) -> float:
    with tempfile.TemporaryDirectory() as outdir:
        started = time.perf_counter()
        stacks = synth(system, outdir, nag=False, project_root=ROOT)
        elapsed = time.perf_counter() - started
        sizes = [measure(s.template_file.read_text()) for s in stacks]
        linted = f"; {cfn_lint([s.template_file for s in stacks])}" if lint else ""
    fullest = max(sizes, key=lambda s: max(s.resources / MAX_RESOURCES, s.outputs / MAX_OUTPUTS,
                                           s.bytes / MAX_TEMPLATE_BYTES))
    print(f"  synth {size:>5} {unit}: {elapsed:6.1f} s ({elapsed / size * 1000:5.1f} ms per {unit[:-1]}), "
          f"{len(stacks)} stacks, {sum(s.resources for s in sizes)} resources; fullest: {fullest.resources} "
          f"resources, {fullest.outputs} outputs, {fullest.bytes / 1000:.0f} KB{linted}", flush=True)
    return elapsed


def deploy_row(system: System, size: int, unit: str) -> dict[str, float]:
    """Up, a no-change up and destroy; the seconds of each per resource deployed (roles and log groups count)."""
    from oratio.backends.localstack import Target, destroy, up
    from oratio.backends.localstack.embedded import ensure_running, resolve_endpoint

    user = resolve_endpoint()
    target = Target(user.url if user else ensure_running().url)
    started = time.perf_counter()
    _, applied = up(target, system, project_root=ROOT)
    up_s = time.perf_counter() - started
    started = time.perf_counter()
    _, unchanged = up(target, system, project_root=ROOT)
    again_s = time.perf_counter() - started
    if unchanged:
        raise SystemExit(f"the second up changed {len(unchanged)} resources: it should find nothing to do")
    started = time.perf_counter()
    _, deleted = destroy(target, system)
    destroy_s = time.perf_counter() - started
    count = len(applied)
    if len(deleted) != count:
        raise SystemExit(f"destroy deleted {len(deleted)} resources of the {count} that up created")
    print(f"  deploy {size:>4} {unit} ({count} resources): up {up_s:6.1f} s ({up_s / count * 1000:4.0f} ms each), "
          f"no-change up {again_s:5.1f} s ({again_s / count * 1000:4.0f} ms each), destroy {destroy_s:6.1f} s "
          f"({destroy_s / count * 1000:4.0f} ms each)", flush=True)
    return {"up": up_s / count, "no-change up": again_s / count, "destroy": destroy_s / count}


def linearity(unit: str, per_resource: dict[int, dict[str, float]]) -> None:
    """Seconds per resource at the largest size against the smallest: about 1 when time grows linearly."""
    if len(per_resource) < 2:
        return
    small, large = min(per_resource), max(per_resource)
    for phase in per_resource[small]:
        ratio = per_resource[large][phase] / per_resource[small][phase]
        verdict = "linear" if ratio <= LINEAR_WITHIN else "NOT linear"
        steps = ", ".join(f"{size}: {figures[phase] * 1000:.0f}" for size, figures in sorted(per_resource.items()))
        print(f"  {unit} {phase}: ms each {steps}; {large} against {small}: x{ratio:.2f}, {verdict}",
              flush=True)


def sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default="100,250,500,1000")
    parser.add_argument("--functions", default="50,125,250")
    parser.add_argument("--skip-deploy", action="store_true")
    parser.add_argument("--skip-lint", action="store_true", help="no cfn-lint on the largest size's templates")
    args = parser.parse_args()
    kinds: list[tuple[str, Callable[..., System], list[int]]] = [
        ("tables", tables_system, sizes(args.tables)), ("functions", functions_system, sizes(args.functions))]
    with tempfile.TemporaryDirectory() as outdir:  # the CDK's Node process starts once, outside the figures
        synth(tables_system(1), outdir, nag=False, project_root=ROOT)
    for unit, make, counts in kinds:
        per_resource: dict[int, dict[str, float]] = {}
        for count in counts:
            system = make(count, stage=f"b{count}", retention=Retention.DESTROY)
            system.check()
            synth_s = synth_row(system, count, unit, lint=not args.skip_lint and count == max(counts))
            per_resource[count] = {f"synth (per {unit[:-1]})": synth_s / count}
            if not args.skip_deploy:
                per_resource[count].update(deploy_row(system, count, unit))
        linearity(unit, per_resource)


if __name__ == "__main__":
    main()
