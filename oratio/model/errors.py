"""The model's one error type: every problem of a value, each with the path of its field and the rule."""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import attrs

from oratio.model.rules import Rule


@attrs.frozen
class Problem:
    """One broken rule: where (a path such as ``tables['agents'].global_indexes[0].partition_key``) and why."""

    path: str
    rule: Rule
    detail: str

    def under(self, prefix: str) -> Problem:
        """The same problem seen from a value that holds this one at ``prefix``."""
        if not self.path:
            return attrs.evolve(self, path=prefix)
        joiner = "" if self.path.startswith("[") else "."
        return attrs.evolve(self, path=f"{prefix}{joiner}{self.path}")

    def __str__(self) -> str:
        where = self.path or "(value)"
        return f"{where}: {self.detail} [{self.rule.id}]"


class ModelError(ValueError):
    """Raised when a model value breaks one or more of AWS's rules (or the model's own).

    The first line says how many problems there are and what to do; each following line is one problem.
    """

    def __init__(self, problems: Iterable[Problem], subject: str = "model") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.subject = subject
        count = len(self.problems)
        head = (
            f"invalid {subject}: {count} problem{'s' if count != 1 else ''}; "
            "fix each field named below (rule ids are listed in oratio/model/rules.py)"
        )
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(p.path for p in self.problems)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(p.rule.id for p in self.problems)


# While deferred, constructors record their problems here instead of raising, so that a whole system can be
# built first and then report every problem with its full path (System.check()).
_deferred: contextvars.ContextVar[bool] = contextvars.ContextVar("oratio_model_deferred", default=False)


@contextmanager
def deferred_validation() -> Iterator[None]:
    """Build model values without raising; call ``System.check()`` afterwards to get every problem at once."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def raise_problems(problems: Iterable[Problem], subject: str) -> None:
    """Raise a ModelError for ``problems`` (if any), unless validation is deferred."""
    found = tuple(problems)
    if found and not _deferred.get():
        raise ModelError(found, subject)
