"""Agent runtimes (Amazon Bedrock AgentCore Runtime, direct code deployment): a code folder packaged as a .zip,
run by AgentCore on arm64 hosts, serving ``POST /invocations`` and ``GET /ping`` on port 8080.

Physical names: AgentCore's names are ``[a-zA-Z][a-zA-Z0-9_]{0,47}`` (no hyphen), so a runtime's physical name is
``{system}_{stage}_{name}`` with every ``-`` turned into ``_`` (``System.runtime_name``). Within one system that
is injective: the prefix is fixed and resource names are ``[a-z0-9-]``, with no ``_`` of their own, so two names
that differ stay different. A model whose derived name is longer than 48 characters is refused (A101).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping

import attrs

from oratio.model import rules
from oratio.model.common import (
    FrozenMap,
    Validated,
    check_enum,
    check_exemptions,
    check_identifier,
    check_type,
    exemptions_field,
    to_enum,
    to_map,
    to_tuple,
)
from oratio.model.errors import Problem
from oratio.model.function import code_problems, grant_problems
from oratio.model.grants import GrantHolder, Named, TargetGrant

AgentRuntimeLanguage = enum.StrEnum("AgentRuntimeLanguage", {r: r for r in rules.AGENTCORE_RUNTIMES})
AgentRuntimeLanguage.__doc__ = "AgentCore's code runtimes (CodeConfiguration.runtime), from the rule table."


def runtime_prefix(system: str, stage: str) -> str:
    """``{system}_{stage}_`` in AgentCore's alphabet: every runtime of the system, model or run-time, starts so."""
    return f"{system}_{stage}_".replace("-", "_")


def runtime_environment_problems(path: str, environment: Mapping[str, object]) -> Iterator[Problem]:
    """AgentCore's EnvironmentVariablesMap: at most 50 entries, names 1-100 and values 0-5000 characters."""
    if len(environment) not in rules.AGENT_RUNTIME_ENV_COUNT:
        yield Problem(path, rules.AGENT_RUNTIME_ENV,
                      f"{len(environment)} variables; AgentCore allows {rules.AGENT_RUNTIME_ENV_COUNT.high}")
    for key, value in environment.items():
        if not isinstance(key, str) or len(key) not in rules.AGENT_RUNTIME_ENV_NAME_LENGTH \
                or not rules.AGENT_RUNTIME_ENV_NAME_PATTERN.fullmatch(key):
            yield Problem(f"{path}[{key!r}]", rules.AGENT_RUNTIME_ENV,
                          f"{key!r} is not a valid name: {rules.AGENT_RUNTIME_ENV_NAME_LENGTH.bounds}, a letter, "
                          "then letters, digits or '_'")
        if not isinstance(value, str):
            yield Problem(f"{path}[{key!r}]", rules.TYPE, f"expected a string value, got {value!r}")
        elif len(value) not in rules.AGENT_RUNTIME_ENV_VALUE_LENGTH:
            yield Problem(f"{path}[{key!r}]", rules.AGENT_RUNTIME_ENV,
                          f"value has {len(value)} characters; AgentCore allows "
                          f"{rules.AGENT_RUNTIME_ENV_VALUE_LENGTH.high}")


@attrs.frozen
class AgentRuntime(Named, GrantHolder, Validated):
    """An agent that AgentCore runs from this project's code.

    ``code`` is the folder with the entry point; ``include`` names shared folders copied beside it (as for
    functions); a ``requirements.txt`` in ``code`` is installed for linux/arm64. ``entry_point`` is AgentCore's
    ``codeConfiguration.entryPoint`` (the file it starts, e.g. ``["main.py"]``). Its role is trusted by AgentCore
    with the confused-deputy conditions AWS documents, and holds exactly ``grants``.

    @default runtime PYTHON_3_13, entry_point ("main.py",)
    """

    _subject = "agent runtime"
    kind = "agent-runtime"
    env_suffix = "RUNTIME_ARN"
    grant_actions = ("invoke",)
    name: str
    code: str
    entry_point: tuple[str, ...] = attrs.field(default=("main.py",), converter=to_tuple)
    runtime: AgentRuntimeLanguage = attrs.field(default=AgentRuntimeLanguage.PYTHON_3_13,
                                                converter=to_enum(AgentRuntimeLanguage))
    environment: FrozenMap = attrs.field(factory=FrozenMap, converter=to_map)
    grants: tuple = attrs.field(default=(), converter=to_tuple)
    description: str = ""
    exemptions: tuple = exemptions_field()
    include: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)


    def invoke(self, env_var: str | None = None) -> TargetGrant:
        """InvokeAgentRuntime on this runtime (and its endpoints); its ARN reaches the environment."""
        return TargetGrant(self, "invoke", env_var)


    def problems(self) -> Iterator[Problem]:
        yield from check_identifier("name", self.name, rules.LOGICAL)
        yield from code_problems(self.code, self.include)
        yield from self._entry_point_problems()
        yield from check_enum("runtime", self.runtime, AgentRuntimeLanguage, rules.AGENT_RUNTIME_RUNTIME)
        if isinstance(self.runtime, AgentRuntimeLanguage) and self.runtime not in rules.AGENTCORE_BUNDLED_RUNTIMES:
            yield Problem("runtime", rules.AGENT_RUNTIME_RUNTIME,
                          f"{self.runtime} is an AgentCore runtime, but oratio's bundler packages Python only; use "
                          f"one of {', '.join(rules.AGENTCORE_BUNDLED_RUNTIMES)}")
        if isinstance(self.environment, Mapping):
            yield from runtime_environment_problems("environment", self.environment)
        else:
            yield Problem("environment", rules.TYPE, f"expected a mapping of names to values, got {self.environment!r}")
        yield from check_type("description", self.description, str, "a string")
        if isinstance(self.description, str) and len(self.description) not in rules.AGENT_RUNTIME_DESCRIPTION_LENGTH:
            yield Problem("description", rules.AGENT_RUNTIME_DESCRIPTION,
                          f"{len(self.description)} characters; AgentCore allows "
                          f"{rules.AGENT_RUNTIME_DESCRIPTION_LENGTH.high}")
        yield from grant_problems(self.grants)
        yield from check_exemptions(self.exemptions)

    def _entry_point_problems(self) -> Iterator[Problem]:
        parts, length = rules.AGENT_RUNTIME_ENTRY_POINT_PARTS, rules.AGENT_RUNTIME_ENTRY_POINT_LENGTH
        if not isinstance(self.entry_point, tuple) or len(self.entry_point) not in parts:
            yield Problem("entry_point", rules.AGENT_RUNTIME_ENTRY_POINT,
                          f"expected {parts.bounds} (e.g. ['main.py']), got {self.entry_point!r}")
            return
        for index, part in enumerate(self.entry_point):
            if not isinstance(part, str) or len(part) not in length:
                yield Problem(f"entry_point[{index}]", rules.AGENT_RUNTIME_ENTRY_POINT,
                              f"{part!r} is not {length.bounds}")
        first = self.entry_point[0]
        if isinstance(first, str) and not first.endswith(".py"):
            yield Problem("entry_point[0]", rules.AGENT_RUNTIME_ENTRY_POINT,
                          f"{first!r} is not a Python file: AgentCore starts the entry point's .py file")
