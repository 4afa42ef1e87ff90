"""Up and destroy: a plan applied level by level (roles, log groups, tables, buckets and pools; then functions and
clients; then state machines), the changes of one level in parallel with a bound, each reported as it ends.

Every step is idempotent against what exists, so a run killed midway is finished by running it again: the next
plan reads what the first one managed to create.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed

import attrs
from botocore.exceptions import BotoCoreError, ClientError

from oratio.backends.localstack.plan import PARALLELISM, Action, Change, Plan
from oratio.backends.localstack.providers import PROVIDERS, ownership_tags
from oratio.backends.localstack.target import Target
from oratio.errors import OratioError


@attrs.frozen
class Applied:
    change: Change
    seconds: float


def _apply_one(target: Target, plan: Plan, change: Change) -> Applied:
    started = time.monotonic()
    provider = PROVIDERS[change.kind]
    owner = (plan.system, plan.stage)
    if change.action is Action.DELETE:
        provider.delete(target, change.physical)
    elif change.action is Action.CREATE:
        assert change.spec is not None
        provider.create(target, change.spec, ownership_tags(owner, change.spec))
    elif change.action is Action.UPDATE:
        assert change.spec is not None
        provider.update(target, change.spec, set(change.fields), ownership_tags(owner, change.spec))
    elif change.action is Action.REPLACE:
        assert change.spec is not None
        provider.delete(target, change.physical)
        provider.create(target, change.spec, ownership_tags(owner, change.spec))
    return Applied(change, time.monotonic() - started)


def apply(target: Target, plan: Plan, progress: Callable[[str], None] | None = None,
          parallelism: int = PARALLELISM) -> list[Applied]:
    """Apply the plan's pending changes: creations and updates in dependency order, deletions in reverse."""
    say = progress or (lambda message: None)
    plan.refuse_if_blocked("destroy" if plan.destroy else "up")
    pending = plan.pending
    deletions = [c for c in pending if c.action is Action.DELETE]
    others = [c for c in pending if c.action is not Action.DELETE]
    batches: list[list[Change]] = []
    for level in sorted({c.level for c in deletions}, reverse=True):
        batches.append([c for c in deletions if c.level == level])
    for level in sorted({c.level for c in others}):
        batches.append([c for c in others if c.level == level])
    done: list[Applied] = []
    total = len(pending)
    with ThreadPoolExecutor(parallelism) as pool:
        for batch in batches:
            futures = {pool.submit(_apply_one, target, plan, change): change for change in batch}
            for future in as_completed(futures):
                change = futures[future]
                try:
                    applied = future.result()
                except (ClientError, BotoCoreError, TimeoutError, RuntimeError) as error:
                    for other in futures:
                        other.cancel()
                    raise OratioError(f"{change.action.value} {change.kind} {change.physical} failed: {error}",
                                      "fix the cause and run again: finished changes are kept, and the next run "
                                      "picks up from what exists") from None
                done.append(applied)
                say(f"  [{len(done)}/{total}] {change.action.value}d {change.kind} {change.physical} "
                    f"({applied.seconds:.1f} s)")
    return done
