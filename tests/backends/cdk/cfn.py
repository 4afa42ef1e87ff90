"""Reading CloudFormation as the tests need it: pseudo-parameter joins, and a state machine's definition.

Independent of the backend under test: these follow CloudFormation's documented forms.
"""

from __future__ import annotations

import json
import re
from typing import Any

from oratio.model.permissions import Place

# ARNs written with markers that ``cfn_value`` turns into CloudFormation's Fn::Join of pseudo parameters.
MARKED = Place("<AWS::Partition>", "<AWS::Region>", "<AWS::AccountId>")


def cfn_value(text: str) -> Any:
    """``arn:<AWS::Partition>:s3:::b`` as CloudFormation writes it: a join of strings and Refs (or a plain string)."""
    parts = [p for p in re.split(r"(<AWS::\w+>)", text) if p]
    rendered = [{"Ref": p[1:-1]} if p.startswith("<AWS::") else p for p in parts]
    if len(rendered) == 1 and isinstance(rendered[0], str):
        return rendered[0]
    return {"Fn::Join": ["", rendered]}


def resolved_string(value: Any) -> str:
    """A Fn::Join of strings and pseudo-parameter Refs back to marked text (the inverse of ``cfn_value``)."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::Select" in value:
        index, items = value["Fn::Select"]
        return resolved_string(items[index])
    separator, parts = value["Fn::Join"]  # parts: strings, pseudo-parameter Refs, or joins themselves
    return separator.join(resolved_string(p) for p in parts)


def definition(state_machine: dict[str, Any]) -> dict[str, Any]:
    """The ASL definition of an AWS::StepFunctions::StateMachine resource, with pseudo parameters marked."""
    return json.loads(resolved_string(state_machine["Properties"]["DefinitionString"]))
