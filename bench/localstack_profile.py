"""Where one LocalStack command's time goes: the phases of a ``--preview``, a no-change ``up`` or an ``up`` of the
platform (imports, checks, desired state, the read pass, apply, outputs) and a timeline of every AWS API call
(service.operation, thread, start and end relative to the command's start), slowest calls and per-service totals.

Usage: .venv/bin/python bench/localstack_profile.py [--mode preview|up|fresh-up] [--timeline]
``fresh-up`` first stops and starts the embedded LocalStack (not timed, as the deploy bench does) so that the profiled
``up`` creates everything on a freshly started LocalStack. Runs in this
process, like the CLI does after its start (``python -X importtime app.py ...`` shows the imports in detail).
Uses the embedded LocalStack (started if needed) unless LOCALSTACK_ENDPOINT is set.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if "fresh-up" in sys.argv:  # before the clock starts: the deploy bench's fresh LocalStack
    subprocess.run([sys.executable, "-c", "from bench.localstack_deploy import fresh_endpoint; fresh_endpoint()"],
                   cwd=ROOT, check=True)
STARTED = time.perf_counter()

import argparse  # noqa: E402
import collections  # noqa: E402
import contextlib  # noqa: E402
import threading  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(ROOT))

import oratio.cli  # noqa: E402, F401  (what the CLI imports before it does anything)

CLI_IMPORTED = time.perf_counter()


class Timeline:
    """Every API call botocore makes through the backend's clients: (service.operation, thread, start, end)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, float, float]] = []
        self._lock = threading.Lock()

    def attach(self, client: Any) -> None:
        def before(model: Any, context: dict[str, Any], **_: Any) -> None:
            context["oratio_started"] = time.perf_counter()

        def after(model: Any, context: dict[str, Any], **_: Any) -> None:
            started = context.get("oratio_started")
            if started is None:
                return
            name = f"{client.meta.service_model.service_name}.{model.name}"
            with self._lock:
                self.calls.append((name, threading.current_thread().name, started - STARTED,
                                   time.perf_counter() - STARTED))

        client.meta.events.register("before-call.*.*", before)
        client.meta.events.register("after-call.*.*", after)
        client.meta.events.register("after-call-error.*.*", after)

    def report(self, show_all: bool) -> None:
        if not self.calls:
            print("no API calls")
            return
        calls = sorted(self.calls, key=lambda c: c[2])
        if show_all:
            print("timeline (s from the start of the process; name, thread, start-end, duration):")
            for name, thread, start, end in calls:
                print(f"  {start:7.3f}-{end:7.3f} {end - start:6.3f}  {thread:<28} {name}")
        per_service: dict[str, list[float]] = collections.defaultdict(list)
        for name, _, start, end in calls:
            per_service[name.split(".")[0]].append(end - start)
        print(f"{len(calls)} API calls from {calls[0][2]:.3f} s to {max(c[3] for c in calls):.3f} s; "
              f"per service (calls, total, slowest):")
        for service, durations in sorted(per_service.items(), key=lambda item: -sum(item[1])):
            print(f"  {service:<28} {len(durations):>4} {sum(durations):7.3f} s {max(durations):7.3f} s")
        print("slowest calls:")
        for name, thread, start, end in sorted(calls, key=lambda c: c[2] - c[3])[:10]:
            print(f"  {end - start:6.3f} s at {start:7.3f}  {name} ({thread})")


@contextlib.contextmanager
def phase(phases: list[tuple[str, float, float]], name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    phases.append((name, started - STARTED, time.perf_counter() - STARTED))


def instrumented(timeline: Timeline) -> None:
    """Every client the backend makes goes through ``Target.client``: each new one gets the timeline's hooks."""
    from oratio.backends.localstack.target import Target

    original: Callable[..., Any] = Target.client
    attached: set[int] = set()

    def client(self: Target, service: str) -> Any:
        made = original(self, service)
        if id(made) not in attached:
            attached.add(id(made))
            timeline.attach(made)
        return made

    Target.client = client  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("preview", "up", "fresh-up"), default="preview")
    parser.add_argument("--timeline", action="store_true", help="print every call, not only the summary")
    args = parser.parse_args()
    phases: list[tuple[str, float, float]] = [("import oratio.cli", 0.0, CLI_IMPORTED - STARTED)]
    timeline = Timeline()

    with phase(phases, "import the backend"):
        from oratio.backends.localstack import _verified, outputs, plan, resolve_target
        from oratio.backends.localstack.apply import apply
        from oratio.backends.localstack.lock import writer_lock
        from oratio.platform import platform as platform_system
    instrumented(timeline)
    system = platform_system("local")
    say: Callable[[str], None] = lambda message: None  # noqa: E731
    with phase(phases, "checks and target (local_target, resolve_target)"):
        target = resolve_target(say)
    with phase(phases, "desired state (bundles, specs)"):
        from oratio.backends.localstack.providers import desired_state

        specs = desired_state(system, target.place, ROOT, say)
    with phase(phases, "read pass with the account check (STS) beside it"):
        made = _verified(target, lambda: plan.make_plan(target, system.name, system.stage, specs,
                                                         allow=plan.Allow()))
    if args.mode != "preview":
        with writer_lock(target.endpoint, system.name, system.stage, "up"), phase(phases, "apply"):
            applied = apply(target, made)
        print(f"applied {len(applied)} changes")
        with phase(phases, "outputs"):
            outputs(target, system)
    total = time.perf_counter() - STARTED
    print(f"{args.mode}: {len(made.changes)} resources, {len(made.pending)} pending; {total:.3f} s in all")
    for name, start, end in phases:
        print(f"  {end - start:6.3f} s  ({start:6.3f}-{end:6.3f})  {name}")
    timeline.report(args.timeline)


if __name__ == "__main__":
    main()
