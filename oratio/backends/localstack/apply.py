"""Up and destroy: a plan applied in dependency order (the providers' levels: roles, log groups, tables, buckets and
pools; then agent runtimes and clients; then functions; then state machines and HTTP APIs), in parallel with a
bound, each change reported as it ends. A change starts once what it needs is done: by default every change of the
lower levels; a provider may name fewer (``Provider.needs``: a function needs its role, its log group and the agent
runtimes it names, not the tables it names). Deletions go level by level, in reverse, before the rest.

Every step is idempotent against what exists, so a run killed midway is finished by running it again: the next
plan reads what the first one managed to create.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

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
    """Apply the plan's pending changes: deletions level by level in reverse; creations and updates in dependency
    order, each started as soon as what it needs is done (``_prerequisites``), up to ``parallelism`` at once."""
    say = progress or (lambda message: None)
    plan.refuse_if_blocked("destroy" if plan.destroy else "up")
    pending = plan.pending
    deletions = [c for c in pending if c.action is Action.DELETE]
    others = [c for c in pending if c.action is not Action.DELETE]
    steps: list[tuple[Change, frozenset[str]]] = []  # (change, the keys of the changes it waits for)
    for level in sorted({c.level for c in deletions}, reverse=True):
        later = frozenset(c.key for c in deletions if c.level > level)
        steps += [(c, later) for c in deletions if c.level == level]
    deleted_first = frozenset(c.key for c in deletions)
    steps += [(c, deleted_first | _prerequisites(c, others)) for c in others]
    done: list[Applied] = []
    total = len(pending)
    finished: set[str] = set()
    # What a provider names as needed (a function's role) goes before the rest of its level (the tables, which
    # take longest and which nothing names): with a bound on changes at once, it starts first.
    named = {physical for c in others if c.spec is not None for physical in PROVIDERS[c.kind].needs(c.spec) or ()}
    waiting = sorted(steps, key=lambda step: step[0].physical not in named)  # stable: otherwise the plan's order
    with ThreadPoolExecutor(parallelism) as pool:
        running: dict[Future[Applied], Change] = {}
        while waiting or running:
            ready = [step for step in waiting if step[1] <= finished]
            for step in ready:
                waiting.remove(step)
                running[pool.submit(_apply_one, target, plan, step[0])] = step[0]
            if not running:  # cannot happen: a change waits only for changes of this plan that come before it
                raise OratioError(f"cannot order {', '.join(step[0].key for step in waiting)}",
                                  "report this to oratio's maintainers with the preview's output")
            ended, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in ended:
                change = running.pop(future)
                try:
                    applied = future.result()
                except (ClientError, BotoCoreError, TimeoutError, RuntimeError) as error:
                    for other in running:
                        other.cancel()
                    raise OratioError(f"{change.action.value} {change.kind} {change.physical} failed: {error}",
                                      "fix the cause and run again: finished changes are kept, and the next run "
                                      "picks up from what exists") from None
                finished.add(change.key)
                done.append(applied)
                say(f"  [{len(done)}/{total}] {change.action.value}d {change.kind} {change.physical} "
                    f"({applied.seconds:.1f} s)")
    return done


def _prerequisites(change: Change, others: list[Change]) -> frozenset[str]:
    """The keys of the creations and updates of lower levels that ``change`` waits for: those its provider says it
    needs (``Provider.needs``: by physical name), or, when it does not say, all of them."""
    lower = [c for c in others if c.level < change.level]
    needs = PROVIDERS[change.kind].needs(change.spec) if change.spec is not None else None
    return frozenset(c.key for c in lower if needs is None or c.physical in needs)
