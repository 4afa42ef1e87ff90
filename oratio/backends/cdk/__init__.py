"""The CDK backend: a model system rendered as aws-cdk-lib stacks, synthesized to CloudFormation in ``cdk.out``.

``synth_command`` is what ``python app.py --backend cdk`` runs (and, through ``cdk.json``, the CDK CLI).
Construct ids are the model's logical names, so they are stable: renaming a resource in the model is the only
thing that changes its CloudFormation logical id (and so replaces it).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from oratio.errors import OratioError
from oratio.model import System


@attrs.frozen
class SynthesizedStack:
    name: str
    template_file: Path
    resource_count: int
    resource_types: dict[str, int]
    outputs: int = 0
    template_bytes: int = 0


def require_node() -> None:
    """A supported Node for jsii (``oratio.node``: the pip-installed Node 24 of oratio[cdk], else PATH's)."""
    from oratio.node import select_node

    select_node()


def synth(system: System, outdir: str | Path, *, nag: bool = True, cfn_validation: bool = False,
          project_root: Path | None = None, progress: Callable[[str], None] | None = None,
          context: dict[str, Any] | None = None) -> list[SynthesizedStack]:
    """Write the cloud assembly of ``system`` to ``outdir``; return each stack with its resources counted."""
    require_node()
    from oratio.backends.cdk.app import build_app  # aws_cdk loads in about a second: only when synthesizing

    try:
        app = build_app(system, outdir=str(outdir), project_root=project_root, nag=nag,
                        cfn_validation=cfn_validation, progress=progress, context=context)
    except RuntimeError as error:  # jsii's errors: a setting the CDK refuses (e.g. in cdk.json's context)
        raise OratioError(f"the CDK refused the app: {str(error).splitlines()[0]}",
                          "check cdk.json and the context given with -c; the model itself was valid") from None
    try:
        assembly = app.synth()
    except RuntimeError as error:  # jsii reports validation failures (cdk-nag findings) as RuntimeError
        raise OratioError(f"the CDK app failed its checks: {str(error).splitlines()[0]}",
                          f"read the findings above (also in {Path(outdir) / 'validation-report.json'}); fix each, "
                          "or give the resource an exemption with its reason in the model") from None
    from oratio.backends.cdk.shards import QUOTAS_URL, measure, over_quota

    stacks = []
    for stack in assembly.stacks:
        template = Path(assembly.directory) / stack.template_file
        text = template.read_text()
        size = measure(text)
        if problems := over_quota(size):  # the plan's estimate fell short: never hand CloudFormation such a stack
            raise OratioError(f"stack {stack.stack_name} exceeds CloudFormation's quotas: {'; '.join(problems)}",
                              f"this is a bug in oratio/backends/cdk/shards.py's estimates (see {QUOTAS_URL}); "
                              "report it with the system's size")
        resources = json.loads(text).get("Resources", {})
        types: dict[str, int] = {}
        for resource in resources.values():
            if resource["Type"] != "AWS::CDK::Metadata":  # the CLI's usage report, not a resource of the system
                types[resource["Type"]] = types.get(resource["Type"], 0) + 1
        stacks.append(SynthesizedStack(stack.stack_name, template, sum(types.values()), types, size.outputs,
                                       size.bytes))
    return stacks


def synth_command(system: System, output: str | None = None, *, nag: bool = True, cfn_validation: bool = False,
                  project_root: Path | None = None, context: dict[str, Any] | None = None) -> int:
    """``python app.py --backend cdk``: synthesize, then list each stack with its resource count."""
    outdir = output or os.environ.get("CDK_OUTDIR") or "cdk.out"  # the CDK CLI names its own output folder
    started = time.monotonic()
    say = _stderr if os.environ.get("CDK_OUTDIR") else print  # under the CDK CLI, stdout is its channel
    say(f"synthesizing {system.name} ({system.stage}) with the CDK into {outdir}/ ...")
    stacks = synth(system, outdir, nag=nag, cfn_validation=cfn_validation, project_root=project_root,
                   progress=lambda message: say(f"  {message}"), context=context)
    for stack in stacks:
        kinds = ", ".join(f"{count} {kind.split('::', 1)[1]}" for kind, count in sorted(stack.resource_types.items()))
        say(f"  {stack.name:<28} {stack.resource_count:>3} resources, {stack.outputs:>3} outputs, "
            f"{stack.template_bytes / 1000:>5.0f} KB  ({kinds})")
    checked = "cdk-nag found nothing unacknowledged" if nag else "cdk-nag skipped (--no-nag)"
    say(f"wrote {len(stacks)} stacks to {outdir}/ in {time.monotonic() - started:.1f} s; {checked}")
    if not os.environ.get("CDK_OUTDIR"):
        say("next: npx cdk diff, npx cdk deploy --all (AWS), or see README for cdklocal (LocalStack)")
    return 0


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)
