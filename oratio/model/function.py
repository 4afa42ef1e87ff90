"""Lambda functions: code folder, handler, runtime, memory, timeout, environment and grants."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from pathlib import PurePosixPath

import attrs

from oratio.model import rules
from oratio.model.common import (
    FrozenMap,
    Validated,
    check_enum,
    check_exemptions,
    check_identifier,
    check_int_range,
    check_length,
    check_type,
    exemptions_field,
    to_enum,
    to_map,
    to_tuple,
)
from oratio.model.errors import Problem
from oratio.model.grants import ANY_GRANT, GrantHolder, ResourceGrant, ServiceGrant

Runtime = enum.StrEnum("Runtime", {r.upper().replace(".", "_"): r for r in rules.LAMBDA_RUNTIMES})
Runtime.__doc__ = "Lambda runtimes accepted for new functions (from the rule table)."


def environment_size(environment: Mapping[str, str]) -> int:
    """What Lambda's environment size limit counts: the UTF-8 bytes of every key and value."""
    return sum(len(k.encode()) + len(str(v).encode()) for k, v in environment.items())


def environment_problems(path: str, environment: Mapping[str, object]) -> Iterator[Problem]:
    for key, value in environment.items():
        if not isinstance(key, str) or not rules.LAMBDA_ENV_NAME_PATTERN.fullmatch(key):
            yield Problem(f"{path}[{key!r}]", rules.LAMBDA_ENV_NAME,
                          f"{key!r} is not a valid name: a letter, then one or more letters, digits or '_'")
        elif key in rules.LAMBDA_RESERVED_ENV:
            yield Problem(f"{path}[{key!r}]", rules.LAMBDA_ENV_NAME, f"{key!r} is reserved by Lambda")
        if not isinstance(value, str):
            yield Problem(f"{path}[{key!r}]", rules.TYPE, f"expected a string value, got {value!r}")
    if all(isinstance(k, str) for k in environment):
        size = environment_size(environment)  # type: ignore[arg-type]
        if size not in rules.LAMBDA_ENV_BYTES:
            yield Problem(path, rules.LAMBDA_ENV_SIZE,
                          f"{size} bytes of keys and values; Lambda allows {rules.LAMBDA_ENV_BYTES.high}")


def _folder_problems(path: str, folder: object) -> Iterator[Problem]:
    if not isinstance(folder, str) or not folder:
        yield Problem(path, rules.LAMBDA_CODE, f"expected a folder path, got {folder!r}")
    elif PurePosixPath(folder).is_absolute() or ".." in PurePosixPath(folder).parts:
        yield Problem(path, rules.LAMBDA_CODE, f"{folder!r} must be relative and stay inside the project")


@attrs.frozen
class Function(GrantHolder, Validated):
    """A Lambda function whose code is a folder of the project (bundled with its requirements.txt).

    ``include`` names further folders (code shared between functions) copied into the bundle beside the code,
    each under its own folder name, so ``include=("lambdas/common",)`` lets the handler ``import common``.
    """

    _subject = "function"
    name: str
    code: str
    handler: str = "handler.lambda_handler"
    runtime: Runtime = attrs.field(default=Runtime.PYTHON3_11, converter=to_enum(Runtime))
    memory_mb: int = 128
    timeout_s: int = 3
    environment: FrozenMap = attrs.field(factory=FrozenMap, converter=to_map)
    grants: tuple[ResourceGrant | ServiceGrant, ...] = attrs.field(default=(), converter=to_tuple)
    description: str = ""
    exemptions: tuple = exemptions_field()
    include: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)


    def problems(self) -> Iterator[Problem]:
        yield from check_identifier("name", self.name, rules.LOGICAL)
        yield from self._code_problems()
        yield from check_enum("runtime", self.runtime, Runtime, rules.LAMBDA_RUNTIME)
        if isinstance(self.runtime, Runtime) and self.runtime.value not in rules.BUILDABLE_RUNTIMES:
            yield Problem("runtime", rules.LAMBDA_RUNTIME_BUILDABLE,
                          f"{self.runtime.value} is a Lambda runtime oratio cannot build (its bundler and backends "
                          f"do Python only); use one of {', '.join(rules.BUILDABLE_RUNTIMES)}")
        yield from check_int_range("memory_mb", self.memory_mb, rules.LAMBDA_MEMORY_MB, rules.LAMBDA_MEMORY)
        yield from check_int_range("timeout_s", self.timeout_s, rules.LAMBDA_TIMEOUT_S, rules.LAMBDA_TIMEOUT)
        if isinstance(self.environment, Mapping):
            yield from environment_problems("environment", self.environment)
        else:
            yield Problem("environment", rules.TYPE, f"expected a mapping of names to values, got {self.environment!r}")
        yield from check_type("description", self.description, str, "a string")
        yield from check_length("description", self.description, rules.LAMBDA_DESCRIPTION_LENGTH,
                                rules.LAMBDA_DESCRIPTION, "description")
        yield from self._grant_problems()
        yield from check_exemptions(self.exemptions)

    def _code_problems(self) -> Iterator[Problem]:
        yield from code_problems(self.code, self.include)
        if not isinstance(self.handler, str) or not rules.LAMBDA_HANDLER_PATTERN.fullmatch(self.handler) \
                or len(self.handler) not in rules.LAMBDA_HANDLER_LENGTH:
            yield Problem("handler", rules.LAMBDA_HANDLER,
                          f"{self.handler!r} is not module.function (e.g. 'handler.lambda_handler')")

    def _grant_problems(self) -> Iterator[Problem]:
        yield from grant_problems(self.grants)


def code_problems(code: object, include: object) -> Iterator[Problem]:
    """A code folder and its included folders (functions and agent runtimes bundle them alike)."""
    yield from _folder_problems("code", code)
    if not isinstance(include, tuple):
        yield Problem("include", rules.TYPE, f"expected a list of folder paths, got {include!r}")
        return
    for index, folder in enumerate(include):
        yield from _folder_problems(f"include[{index}]", folder)
    names = [PurePosixPath(f).name for f in include if isinstance(f, str)]
    for index, name in enumerate(names):
        if name in names[:index]:
            yield Problem(f"include[{index}]", rules.LAMBDA_CODE,
                          f"a second folder named {name!r}: included folders land in the bundle by name")


def grant_problems(grants: object) -> Iterator[Problem]:
    """Grants of a function, agent runtime or service role: the same vocabulary for all three."""
    if not isinstance(grants, tuple):
        yield Problem("grants", rules.TYPE, f"expected a list of grants, got {grants!r}")
        return
    for index, grant in enumerate(grants):
        if not isinstance(grant, ANY_GRANT):
            yield Problem(f"grants[{index}]", rules.TYPE,
                          f"expected a grant (e.g. table.read()), got {type(grant).__name__} {grant!r}")
            continue
        for problem in grant.problems():
            yield problem.under(f"grants[{index}]")
