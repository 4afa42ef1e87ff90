"""Outputs of a deployed system: names, ARNs and ids as LocalStack reports them, plus the endpoint; each kind's
come from its provider."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from oratio.backends.localstack.providers import MODEL_PROVIDERS
from oratio.backends.localstack.target import Target
from oratio.errors import OratioError
from oratio.model import System


def outputs(target: Target, system: System) -> dict[str, Any]:
    """What a client of the system needs (the same facts as the CDK backend's stack outputs)."""
    result: dict[str, Any] = {"endpoint": target.endpoint, "region": target.region, "system": system.name,
                              "stage": system.stage}
    for provider in MODEL_PROVIDERS:
        values = ((resource.name, provider.output(target, system, resource))
                  for resource in getattr(system, str(provider.collection)))
        result[str(provider.output_group)] = {name: value for name, value in values if value is not None}
    return result


def output_lines(values: dict[str, Any]) -> list[str]:
    """The outputs as a person reads them: one line a resource, in the system's order."""
    lines = [f"outputs (endpoint {values['endpoint']}):"]
    for provider in MODEL_PROVIDERS:
        for name, value in values[str(provider.output_group)].items():
            lines += [f"  {label:<14} {shown:<24} {text}" for label, shown, text in provider.output_lines(name, value)]
    return lines


def outputs_file(system: System, root: Path | None = None) -> Path:
    return (root or Path.cwd()) / ".oratio" / "outputs" / f"{system.prefix}.json"


def write_outputs(values: dict[str, Any], path: Path) -> Path:
    """Write the outputs file (whole or not at all: a temporary file renamed over it)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise IsADirectoryError(21, "Is a directory", str(path))
        partial.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n")
        os.replace(partial, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise OratioError(f"cannot write the outputs to {path}: {error.strerror or error}",
                          f"remove or rename what is at {path} (the deploy itself is done; 'oratio outputs' "
                          "writes them again)") from None
    return path
