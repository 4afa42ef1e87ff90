"""The LocalStack backend: a model system deployed straight onto LocalStack with boto3, Pulumi style.

``preview`` reads what exists and compares it with the model; ``up`` applies that plan (idempotent); ``destroy``
removes what the system owns except retained tables, buckets and user pools; ``outputs`` reports names, ARNs and
ids. Ownership is marked by tags (system, stage), so nothing of another system is touched, and the spec hash
tagged on each resource tells a model change from drift. The plan's data rules (``plan.py``) stop ``up`` before
any change that would lose data or take over what is not the system's, until a flag allows it (``Allow``); an
``up`` or ``destroy`` holds the writer lock of its (endpoint, system, stage) (``lock.py``).

Each resource kind is one provider, in ``providers/`` under the kind's name (``providers/table.py``); ``plan.py``
and ``apply.py`` know kinds only through the providers' registry.

``embedded/`` runs LocalStack itself without Docker; it is used when no endpoint is given.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from oratio.backends.localstack.apply import Applied, apply
from oratio.backends.localstack.lock import writer_lock
from oratio.backends.localstack.outputs import output_lines, outputs, outputs_file, write_outputs
from oratio.backends.localstack.plan import PARALLELISM, Action, Allow, Change, Plan, make_plan
from oratio.backends.localstack.providers import Spec, desired_state
from oratio.backends.localstack.target import DEFAULT_REGION, Target, UnsafeTarget
from oratio.model import System

__all__ = ["Action", "Allow", "Applied", "Change", "Plan", "Spec", "Target", "UnsafeTarget", "deploy_command",
           "destroy", "local_target", "outputs", "preview", "preview_destroy", "up"]

REGION_VARIABLE = "ORATIO_REGION"


def preview(target: Target, system: System, *, project_root: Path | None = None,
            progress: Callable[[str], None] | None = None, allow: Allow | None = None) -> Plan:
    return _verified(target, lambda: _plan(target, system, project_root, progress, allow))


def _verified(target: Target, read: Callable[[], Plan]) -> Plan:
    """``read()``'s plan, made while the endpoint is asked whether it is LocalStack (``Target.check_account``):
    the endpoint is checked first (``Target.check_endpoint``: a local host, no real credentials), reads change
    nothing, and nothing is applied or shown before the account check has passed. When both fail, the account
    check's refusal is the one raised: it says why the reads failed."""
    target.check_endpoint()
    with ThreadPoolExecutor(1, thread_name_prefix="oratio-account-check") as pool:
        account = pool.submit(target.check_account)
        try:
            plan = read()
        except BaseException:
            account.result()
            raise
        account.result()
    return plan


def _plan(target: Target, system: System, project_root: Path | None, progress: Callable[[str], None] | None,
          allow: Allow | None) -> Plan:
    specs = desired_state(system, target.place, project_root or Path.cwd(), progress)
    return make_plan(target, system.name, system.stage, specs, progress=progress, allow=allow)


def preview_destroy(target: Target, system: System, *, progress: Callable[[str], None] | None = None) -> Plan:
    """What ``destroy`` would delete and keep, changing nothing."""
    return _verified(target, lambda: make_plan(target, system.name, system.stage, [], destroy=True,
                                                progress=progress))


def up(target: Target, system: System, *, project_root: Path | None = None,
       progress: Callable[[str], None] | None = None, parallelism: int = PARALLELISM,
       allow: Allow | None = None) -> tuple[Plan, list[Applied]]:
    """Plan and apply under the writer lock; a plan with a change the data rules stop is refused whole, before
    any change (``Plan.refuse_if_blocked``)."""
    target.check_endpoint()
    with writer_lock(target.endpoint, system.name, system.stage, "up", progress):
        plan = _verified(target, lambda: _plan(target, system, project_root, progress, allow))
        plan.refuse_if_blocked("up")
        return plan, apply(target, plan, progress, parallelism)


def destroy(target: Target, system: System, *, progress: Callable[[str], None] | None = None
            ) -> tuple[Plan, list[Applied]]:
    target.check_endpoint()
    with writer_lock(target.endpoint, system.name, system.stage, "destroy", progress):
        plan = _verified(target, lambda: make_plan(target, system.name, system.stage, [], destroy=True,
                                                    progress=progress))
        return plan, apply(target, plan, progress)


def local_target() -> Target:
    """The target of every LocalStack command, checked before anything is started or asked: the user's LocalStack
    when they name one (strictly parsed, normalised), else the embedded one's address; the environment must lend
    no real credentials and name no other endpoint (``Target.check_endpoint``)."""
    from oratio.backends.localstack import embedded

    region = os.environ.get(REGION_VARIABLE) or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    user = embedded.resolve_endpoint()
    target = Target(user.url if user is not None else embedded.Layout.default().url, region)
    target.check_endpoint()
    return target


def resolve_target(progress: Callable[[str], None]) -> Target:
    """The user's LocalStack when they name one, otherwise the embedded one (started when nothing answers), once
    the checks of ``local_target`` pass."""
    from oratio.backends.localstack import embedded

    target = local_target()
    if embedded.resolve_endpoint() is None:
        embedded.ensure_running(progress)
    return target


def deploy_command(system: System, *, mode: str = "up", as_json: bool = False,
                   project_root: Path | None = None, allow: Allow | None = None) -> int:
    """``python app.py --backend localstack [--preview | --destroy] [--json]``: ``mode`` up, preview, destroy or
    destroy-preview (``--preview --destroy``: what destroy would do, changing nothing)."""
    started = time.monotonic()
    say: Callable[[str], None] = (lambda m: print(m, file=sys.stderr)) if as_json else print
    target = resolve_target(say)
    if mode == "destroy-preview":
        plan = preview_destroy(target, system, progress=say)
        _emit(as_json, plan.as_json(), say, [plan.render()])
        return 0
    if mode == "destroy":
        plan, applied = destroy(target, system, progress=say)
        kept = [c for c in plan.changes if c.action is Action.RETAIN]
        lost = [c for c in plan.changes if c.action is Action.DELETE and c.loss and not c.loss.startswith("0 ")]
        _emit(as_json, {"plan": plan.as_json(), "applied": len(applied)}, say, [
            f"destroyed {len(applied)} resources of {system.name} ({system.stage}) in "
            f"{time.monotonic() - started:.1f} s",
            *(f"  deleted {c.kind} {c.physical} with its {c.loss} (retention DESTROY)" for c in lost),
            *(f"  kept {c.kind} {c.physical} (retained, with its data)" for c in kept)])
        return 0
    if mode == "preview":
        plan = preview(target, system, project_root=project_root, progress=say, allow=allow)
        _emit(as_json, plan.as_json(), say, [plan.render()])
        return 0
    plan, applied = up(target, system, project_root=project_root, progress=say, allow=allow)
    if not as_json:
        say(plan.render())
    values = outputs(target, system)
    path = write_outputs(values, outputs_file(system, project_root))
    summary = (f"no changes: {system.name} ({system.stage}) is up to date" if not applied else
               f"applied {len(applied)} changes to {system.name} ({system.stage})")
    _emit(as_json, {"plan": plan.as_json(), "applied": len(applied), "outputs": values}, say, [
        f"{summary} in {time.monotonic() - started:.1f} s", *output_lines(values), f"outputs written to {path}"])
    return 0


def _emit(as_json: bool, document: dict[str, Any], say: Callable[[str], None], lines: list[str]) -> None:
    if as_json:
        print(json.dumps(document, indent=2, sort_keys=True))
    else:
        for line in lines:
            say(line)


def outputs_command(system: System, *, as_json: bool = False, project_root: Path | None = None) -> int:
    """``oratio outputs``: the deployed system's names, ARNs and ids (also written to the outputs file)."""
    target = resolve_target(lambda m: print(m, file=sys.stderr))
    values = outputs(target, system)
    path = write_outputs(values, outputs_file(system, project_root))
    _emit(as_json, values, print, [*output_lines(values), f"outputs written to {path}"])
    return 0
