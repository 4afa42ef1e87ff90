"""What generated agent code must be: Python that parses and defines ``handle(request, tools)`` at top level,
the function the serving base (agents/serving_base/main.py) calls. No server of its own: the base serves
AgentCore's /invocations and /ping."""

from __future__ import annotations

import ast


class ContractError(ValueError):
    """The generated code does not follow the serving base's contract."""


def check(code: str) -> None:
    try:
        tree = ast.parse(code, filename="agent.py")
    except SyntaxError as error:
        raise ContractError(f"the generated code is not valid Python: {error}") from None
    handlers = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "handle"]
    if not handlers:
        raise ContractError("the generated code defines no top-level handle(request, tools) function")
    arguments = handlers[0].args
    if len(arguments.posonlyargs) + len(arguments.args) != 2:
        raise ContractError("handle must take exactly two arguments: handle(request, tools)")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in ("serve_forever", "run"):
            raise ContractError("the generated code must not start a server: the serving base serves it")


def extract_code(answer: str) -> str:
    """The code from a model's answer: the first fenced ```python block, else the whole answer."""
    if "```" not in answer:
        return answer.strip() + "\n"
    block = answer.split("```", 2)[1]
    return block.removeprefix("python").removeprefix("py").strip() + "\n"
