"""The command line: ``python app.py --backend {cdk,localstack} [--stage S]``, ``localstack ...``, ``demo``."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from oratio.errors import OratioError

DEFAULT_SYSTEM = "oratio.platform:platform"

DESCRIPTION = """\
Render one backend-neutral model of serverless infrastructure with a backend.

backends:
  cdk         the model as AWS CDK stacks, synthesized to CloudFormation in cdk.out/
              (then deploy with the CDK CLI: npx cdk deploy --all)
  localstack  the model deployed straight onto LocalStack with boto3: preview, up, destroy, outputs
              (starts the embedded LocalStack when nothing answers at the endpoint)

commands:
  show                                  validate the system and list its resources with physical names
  localstack {start,stop,status,logs}   run the embedded LocalStack (no Docker needed)
  demo                                  the full local run: an agent created end to end
"""

EPILOG = """\
examples:
  python app.py --backend cdk --stage dev       write cdk.out/ for the dev stage
  python app.py --backend localstack --preview  show what would change on LocalStack
  python app.py --backend localstack --destroy  tear down what is not retained
  python app.py localstack start                start the embedded LocalStack on 127.0.0.1:4566
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="app.py", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=("cdk", "localstack"), help="which backend renders the model")
    parser.add_argument("--stage", default=None,
                        help="stage of the system: dev, prod, local, ... (default: dev for cdk, local for localstack)")
    parser.add_argument("--system", default=DEFAULT_SYSTEM, metavar="MODULE:FUNCTION",
                        help=f"the function that builds the system from a stage (default: {DEFAULT_SYSTEM})")
    parser.add_argument("--output", default=None, help="cdk: the cloud assembly folder (default: cdk.out)")
    parser.add_argument("--no-nag", action="store_true",
                        help="cdk: skip cdk-nag's AwsSolutions checks (faster iterations; never for a deploy)")
    parser.add_argument("--cfn-validation", action="store_true",
                        help="cdk: also run aws-cdk-lib's built-in CloudFormation validation (about 5 s more)")
    parser.add_argument("--preview", action="store_true", help="localstack: show the plan, change nothing")
    parser.add_argument("--destroy", action="store_true", help="localstack: delete what is not retained")
    parser.add_argument("--json", action="store_true", help="localstack: print the plan as JSON")
    parser.add_argument("--yes", action="store_true", help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    show = commands.add_parser("show", help="validate the system and list its resources")
    show.add_argument("--stage", dest="show_stage", default=None, help="stage of the system (default: dev)")
    show.add_argument("--account", default="123456789012", help="account id used in bucket names")
    local = commands.add_parser("localstack", help="run the embedded LocalStack")
    local.add_argument("action", choices=("start", "stop", "status", "logs"))
    local.add_argument("--lines", type=int, default=50, help="logs: how many lines")
    demo = commands.add_parser("demo", help="the full local run: an agent created end to end")
    demo.add_argument("--stage", dest="demo_stage", default="local")
    return parser


def load_system(spec: str, stage: str) -> Any:
    """Import ``module:function`` and call it with the stage; every model problem is reported at once."""
    from oratio.model import System, deferred_validation

    module_name, _, attribute = spec.partition(":")
    try:
        factory: Callable[[str], Any] = getattr(importlib.import_module(module_name), attribute or "system")
    except (ImportError, AttributeError) as error:
        raise OratioError(f"cannot load the system {spec!r}: {error}",
                          "give --system as module:function, importable from the current folder") from error
    with deferred_validation():
        system = factory(stage)
    if not isinstance(system, System):
        raise OratioError(f"{spec} returned {type(system).__name__}, not an oratio.model.System")
    system.check()
    return system


def project_root_of(spec: str) -> Path:
    """The folder a system's code paths are relative to: the one its module's top package is imported from
    (the checkout, for the Oratio platform), so that the commands work from any current folder."""
    top = importlib.import_module(spec.partition(":")[0].split(".")[0])
    origin = Path(getattr(top, "__file__", None) or Path.cwd() / "x").resolve()
    return origin.parent.parent if origin.name == "__init__.py" else origin.parent


def main(argv: Sequence[str] | None = None) -> int:
    from oratio.model import ModelError

    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except ModelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OratioError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def show(system: Any, account: str) -> int:
    """Print every resource of the system with its physical name: what a backend would create."""
    print(f"system {system.name}, stage {system.stage}: valid")
    for table in system.tables:
        indexes = ", ".join(i.name for i in table.global_indexes) or "no indexes"
        print(f"  table     {table.name:<22} {system.physical_name(table):<40} {indexes}")
    for bucket in system.buckets:
        print(f"  bucket    {bucket.name:<22} {system.bucket_name(bucket, account)}")
    names = system.physical_names(account)
    for function in system.functions:
        env = ", ".join(sorted(system.environment(function, names)))
        print(f"  function  {function.name:<22} {system.physical_name(function):<40} env: {env}")
    for workflow in system.workflows:
        print(f"  workflow  {workflow.name:<22} {system.physical_name(workflow):<40} "
              f"{len(workflow.states)} states from {workflow.start}")
    for pool in system.user_pools:
        clients = ", ".join(c.name for c in pool.clients)
        print(f"  user pool {pool.name:<22} {system.physical_name(pool):<40} clients: {clients}")
    for runtime in getattr(system, "agent_runtimes", ()):
        print(f"  runtime   {runtime.name:<22} {system.runtime_name(runtime):<40} {runtime.runtime} "
              f"{' '.join(runtime.entry_point)}")
    for role in getattr(system, "service_roles", ()):
        print(f"  role      {role.name:<22} {names[f'service-role:{role.name}']:<40} assumed by {role.service}")
    for vectors in getattr(system, "vector_buckets", ()):
        print(f"  vectors   {vectors.name:<22} {system.physical_name(vectors)}")
    return 0


def _cdk_context(key: str) -> str | None:
    """A value given to the CDK CLI with ``-c key=value`` (it hands the app its context as JSON)."""
    try:
        value = json.loads(os.environ.get("CDK_CONTEXT_JSON") or "{}").get(key)
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "localstack":
        from oratio.backends.localstack.embedded.cli import run as run_localstack

        return run_localstack(args.action, lines=args.lines)
    if args.command == "demo":
        from oratio.demo import run_demo

        return run_demo(stage=args.demo_stage)
    if args.command == "show":
        return show(load_system(args.system, args.show_stage or args.stage or "dev"), args.account)
    if args.backend is None:
        raise OratioError("choose a backend: --backend cdk or --backend localstack", "see python app.py --help")
    if args.backend == "cdk":
        system = load_system(args.system, args.stage or _cdk_context("stage") or "dev")
        from oratio.backends.cdk import synth_command

        return synth_command(system, output=args.output, nag=not args.no_nag, cfn_validation=args.cfn_validation,
                             project_root=project_root_of(args.system))
    system = load_system(args.system, args.stage or "local")
    from oratio.backends.localstack import deploy_command

    mode = "destroy" if args.destroy else "preview" if args.preview else "up"
    return deploy_command(system, mode=mode, as_json=args.json, project_root=project_root_of(args.system))
