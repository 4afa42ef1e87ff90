"""The command line: ``oratio VERB [--backend B] [--system MODULE:FUNCTION] [--stage S] ...``.

One set of verbs for every backend where they apply (``synth`` is the CDK's; ``preview``, ``up``, ``destroy`` and
``outputs`` are the LocalStack backend's: the CDK CLI does those against AWS). ``--backend``, ``--system`` and
``--stage`` are accepted before or after the verb. The design's forms still work:
``python app.py --backend cdk`` is ``synth``; ``python app.py --backend localstack [--preview | --destroy]`` is
``up`` (``preview``, ``destroy``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from oratio.errors import OratioError

PLATFORM_SYSTEM = "oratio.platform:platform"
SYSTEM_CONTEXT_KEY = "oratio:system"  # cdk.json's context names the project's system (oratio init writes it)
BACKENDS = ("cdk", "localstack")
# The verbs and the backend each applies to (None: no backend involved).
VERB_BACKENDS: dict[str, tuple[str, ...] | None] = {
    "synth": ("cdk",), "preview": ("localstack",), "up": ("localstack",), "destroy": ("localstack",),
    "outputs": ("localstack",), "show": None, "rules": None, "localstack": None, "demo": None, "init": None,
}
# What the CDK CLI does for a LocalStack verb (against AWS), for the error that refuses the pair.
CDK_EQUIVALENT = {"preview": "npx cdk diff", "up": "npx cdk deploy --all", "destroy": "npx cdk destroy --all",
                  "outputs": "the stacks' outputs in cdk.out/ or the CloudFormation console"}
# Which extra brings which backend's SDK (the base package installs the model only).
EXTRAS = {"aws_cdk": "cdk", "constructs": "cdk", "cdk_nag": "cdk", "jsii": "cdk", "boto3": "localstack",
          "botocore": "localstack"}

DESCRIPTION = """\
Render one backend-neutral model of serverless infrastructure with a backend.

verbs:
  synth        cdk: the model as AWS CDK stacks, CloudFormation in cdk.out/ (then: npx cdk deploy --all)
  preview      localstack: what up would change, changing nothing (--json for machines)
  up           localstack: create or update the system on LocalStack, print and write its outputs
  destroy      localstack: delete what the system owns (retained tables, buckets and pools stay)
  outputs      localstack: the deployed system's names, ARNs and ids
  show         validate the system and list its resources with their physical names
  rules        the model's rule table: id, what, limit, source (--json for machines)
  localstack   {start,stop,status,logs} the embedded LocalStack (no Docker needed)
  demo         this repository's full local run: an agent created end to end
  init         a starter project in a folder (like cdk init)
"""

EPILOG = """\
the system: --system MODULE:FUNCTION, a function of the stage returning an oratio.model.System, importable
from the current folder; default: cdk.json's context "oratio:system", else the Oratio platform.

examples:
  oratio init myapp && cd myapp     a starter project
  oratio show --stage dev           validate, list the resources
  oratio synth --stage prod         cdk.out/ for prod (also: python app.py --backend cdk --stage prod)
  oratio up                         deploy on the embedded LocalStack (stage local)
  oratio preview --json             the plan as JSON
  oratio up --replace sessions      allow a replacement that loses data (README: Safety)
  oratio destroy --preview          what destroy would delete and keep, changing nothing
  oratio destroy
  oratio localstack start           start the embedded LocalStack on 127.0.0.1:4566
"""


def _common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """``--backend``, ``--system`` and ``--stage``: on the main parser with defaults, on every verb without
    (``SUPPRESS``), so that a value given after the verb wins and one given before is not overwritten."""
    default: Any = None if top else argparse.SUPPRESS
    parser.add_argument("--backend", choices=BACKENDS, default=default,
                        help="which backend renders the model (default: the verb's own)")
    parser.add_argument("--system", default=default, metavar="MODULE:FUNCTION",
                        help="the function that builds the system from a stage (see below)")
    parser.add_argument("--stage", default=default,
                        help="stage of the system: dev, prod, local, ... (default: dev; local for LocalStack)")


def _cdk_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    default: Any = None if top else argparse.SUPPRESS
    flag: Any = False if top else argparse.SUPPRESS
    parser.add_argument("--output", default=default, help="cdk: the cloud assembly folder (default: cdk.out)")
    parser.add_argument("--no-nag", action="store_true", default=flag,
                        help="cdk: skip cdk-nag's AwsSolutions checks (faster iterations; never for a deploy)")
    parser.add_argument("--cfn-validation", action="store_true", default=flag,
                        help="cdk: also run aws-cdk-lib's built-in CloudFormation validation (about 5 s more)")


def _json_option(parser: argparse.ArgumentParser, *, top: bool) -> None:
    parser.add_argument("--json", action="store_true", default=False if top else argparse.SUPPRESS,
                        help="localstack: print the plan (or outputs) as JSON")


def _safety_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """The flags that allow, one resource at a time, what the plan's data rules stop (README: Safety)."""
    default: Any = [] if top else argparse.SUPPRESS
    parser.add_argument("--replace", action="append", default=default, metavar="NAME",
                        help="localstack up: allow replacing NAME although its data (or its retention) is lost with "
                             "the old one (repeatable)")
    parser.add_argument("--adopt", action="append", default=default, metavar="NAME",
                        help="localstack up: take over NAME, which exists without oratio's tags and holds data "
                             "(repeatable)")
    parser.add_argument("--force-delete", action="append", default=default, metavar="NAME",
                        help="localstack up: allow deleting NAME, no longer in the model, with the data it holds "
                             "(repeatable)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oratio", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    _common_options(parser, top=True)
    _cdk_options(parser, top=True)
    _json_option(parser, top=True)
    # The design's mode flags of `--backend localstack` (no verb); with a verb they are refused.
    parser.add_argument("--preview", action="store_true", help="with --backend localstack: the verb preview")
    parser.add_argument("--destroy", action="store_true", help="with --backend localstack: the verb destroy")
    _safety_options(parser, top=True)
    verbs = parser.add_subparsers(dest="command", metavar="VERB")

    def verb(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = verbs.add_parser(name, help=help_text, description=help_text)
        _common_options(sub, top=False)
        for mode in ("preview", "destroy"):  # accepted only to be refused with a clear line (see resolve_verb)
            sub.add_argument(f"--{mode}", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        return sub

    _cdk_options(verb("synth", "cdk: synthesize CloudFormation into cdk.out/"), top=False)
    for name, help_text in (("preview", "localstack: show the plan, change nothing (--destroy: the destroy's)"),
                            ("up", "localstack: create or update the system"),
                            ("destroy", "localstack: delete what is not retained (--preview: show it only)"),
                            ("outputs", "localstack: the deployed system's names, ARNs and ids")):
        sub = verb(name, help_text)
        _json_option(sub, top=False)
        if name in ("preview", "up"):
            _safety_options(sub, top=False)
    show = verb("show", "validate the system and list its resources")
    show.add_argument("--account", default="123456789012", help="account id used in bucket names")
    rules = verb("rules", "the model's rule table: id, what, limit, source")
    rules.add_argument("--json", action="store_true", default=False, help="print the rules as JSON")
    local = verb("localstack", "run the embedded LocalStack")
    local.add_argument("action", choices=("start", "stop", "status", "logs"))
    local.add_argument("--lines", type=int, default=50, help="logs: how many lines")
    verb("demo", "this repository's full local run: an agent created end to end")
    init = verb("init", "a starter project in a folder (default: the current one)")
    init.add_argument("folder", nargs="?", default=".", help="where to write it (created if missing)")
    init.add_argument("--force", action="store_true", help="write into a folder that is not empty")
    init.add_argument("--name", default=None, help="the system's name (default: from the folder's name)")
    return parser


def resolve_verb(args: argparse.Namespace) -> str:
    """The verb to run: the one given, or the design's ``--backend ... [--preview | --destroy]`` form mapped onto
    one. Contradictions are refused with one line, never guessed."""
    modes = [flag for flag in ("preview", "destroy") if getattr(args, flag, False)]
    if args.command is not None:
        if (args.command, modes) in (("destroy", ["preview"]), ("preview", ["destroy"])):
            return "destroy-preview"
        if modes:
            raise OratioError(f"--{modes[0]} is the design's form of the verb {modes[0]}: do not combine it with "
                              f"the verb {args.command}", f"run: oratio {modes[0]} (or drop --{modes[0]})")
        allowed = VERB_BACKENDS[args.command]
        if args.backend is not None and allowed is not None and args.backend not in allowed:
            if args.command == "synth":
                raise OratioError("synth is the cdk backend's (CloudFormation for AWS); the localstack backend "
                                  "deploys directly", "run: oratio preview or oratio up")
            raise OratioError(f"{args.command} is the localstack backend's; with the cdk backend the CDK CLI does "
                              f"it against AWS", f"run: oratio synth, then {CDK_EQUIVALENT[args.command]}")
        return args.command
    if args.backend is None:
        raise OratioError("choose a verb: oratio synth | preview | up | destroy | outputs | show | rules | "
                          "localstack | demo | init", "see oratio --help")
    if args.backend == "cdk":
        if modes:
            raise OratioError(f"--{modes[0]} applies to the localstack backend only",
                              f"with the cdk backend use the CDK CLI: {CDK_EQUIVALENT[modes[0]]}")
        return "synth"
    if len(modes) > 1:  # the design's --preview --destroy: what destroy would do, changing nothing
        return "destroy-preview"
    return modes[0] if modes else "up"


def check_stage(stage: str | None) -> None:
    if stage is not None and not stage.strip():
        raise OratioError(f"--stage is empty ({stage!r}): a stage names the deployment",
                          "give one, e.g. --stage dev (a-z, 0-9, starting with a letter)")


def default_system(project: Path | None = None) -> str:
    """cdk.json's ``oratio:system`` context (oratio init writes it; the CDK CLI passes it too), else the platform."""
    from_cli = _cdk_context(SYSTEM_CONTEXT_KEY)
    if from_cli:
        return from_cli
    value = read_cdk_json(project or Path.cwd()).get("context", {}).get(SYSTEM_CONTEXT_KEY)
    return value if isinstance(value, str) and value else PLATFORM_SYSTEM


def read_cdk_json(folder: Path) -> dict[str, Any]:
    path = folder / "cdk.json"
    if not path.is_file():
        return {}
    try:
        document = json.loads(path.read_text())
    except ValueError as error:
        raise OratioError(f"cannot read {path}: {error}", "fix the JSON in cdk.json") from error
    return document if isinstance(document, dict) else {}


def cdk_context(project: Path) -> dict[str, Any] | None:
    """The context a synth gets: the CDK CLI hands its own to the app (CDK_CONTEXT_JSON); run directly, the app
    reads the project's cdk.json itself, so that both synthesize the same templates (feature flags included)."""
    if os.environ.get("CDK_CONTEXT_JSON"):
        return None
    for folder in (project, Path.cwd()):
        context = read_cdk_json(folder).get("context")
        if isinstance(context, dict):
            return context
    return None


def ensure_importable_from_cwd() -> None:
    """The current folder comes first on the import path, as with Flask's --app, the CDK's app and pytest."""
    cwd = str(Path.cwd())
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)


def load_system(spec: str, stage: str) -> Any:
    """Import ``module:function`` and call it with the stage; every model problem is reported at once."""
    from oratio.model import ModelError, System, deferred_validation

    ensure_importable_from_cwd()
    module_name, _, attribute = spec.partition(":")
    if not all(part.isidentifier() for part in module_name.split(".")) or \
            not (attribute == "" or attribute.isidentifier()):
        raise OratioError(f"--system {spec!r} is not module:function",
                          "give a module importable from the current folder and a function of the stage, "
                          "e.g. --system infra:system")
    try:
        factory: Callable[[str], Any] = getattr(importlib.import_module(module_name), attribute or "system")
    except ModuleNotFoundError as error:
        if error.name and error.name.split(".")[0] in EXTRAS:
            raise missing_extra(error.name) from error
        raise OratioError(f"cannot load the system {spec!r}: {error}",
                          f"run oratio in the folder holding {module_name.split('.')[0]}.py (or its package), "
                          f"or give --system as module:function importable from {Path.cwd()}") from error
    except (ImportError, AttributeError) as error:
        raise OratioError(f"cannot load the system {spec!r}: {error}",
                          "give --system as module:function, a function of the stage") from error
    if not callable(factory):
        raise OratioError(f"--system {spec} names an object of type {type(factory).__name__}, not a function of "
                          "the stage",
                          "give module:function, a function taking the stage and returning an oratio.model.System")
    try:
        with deferred_validation():
            system = factory(stage)
    except (ModelError, OratioError):
        raise
    except Exception as error:  # the user's own code failed: say where, in one line
        call = f"import {module_name}; {module_name}.{attribute or 'system'}({stage!r})"
        raise OratioError(f"the system function {spec} raised {type(error).__name__}: {error}{_where(error)}",
                          f"fix it (it is called with the stage); its traceback: python -c \"{call}\"") from None
    if not isinstance(system, System):
        raise OratioError(f"{spec} returned {type(system).__name__}, not an oratio.model.System",
                          "give --system a function of the stage that returns an oratio.model.System")
    system.check()
    return system


def _where(error: BaseException) -> str:
    """`` (at file:line)``: the innermost frame of the traceback outside oratio, or nothing."""
    frames = traceback.extract_tb(error.__traceback__)
    outside = [f for f in frames if Path(f.filename).resolve() != Path(__file__).resolve()
               and "/oratio/model/" not in f.filename]
    return f" (at {outside[-1].filename}:{outside[-1].lineno})" if outside else ""


def project_root_of(spec: str) -> Path:
    """The folder a system's code paths are relative to: the one its module's top package is imported from
    (the checkout, for the Oratio platform), so that the commands work from any current folder."""
    from oratio.backends.localstack.embedded.layout import checkout_root

    top_name = spec.partition(":")[0].split(".")[0]
    if top_name == "oratio":  # the platform's Lambda code is in the repository, not in the package
        checkout = checkout_root()
        if checkout is None:
            raise OratioError("the Oratio platform's Lambda code ships with oratio's repository, not its package",
                              "give your own system with --system module:function (oratio init makes one)")
        return checkout
    top = importlib.import_module(top_name)
    origin = Path(getattr(top, "__file__", None) or Path.cwd() / "x").resolve()
    return origin.parent.parent if origin.name == "__init__.py" else origin.parent


def missing_extra(module: str) -> OratioError:
    extra = EXTRAS.get(module.split(".")[0], "all")
    return OratioError(f"{module.split('.')[0]} is not installed: the {extra} backend needs it",
                       f"pip install 'oratio[{extra}]'")


class _QuietPipe:
    """stdout or stderr that, once its reader is gone (``oratio preview | head``), drops what is written instead of
    raising BrokenPipeError: the command finishes its work (an ``up`` is not cut off midway by a closed pipe) and
    ends quietly, as ``git log | head`` does, with its own exit status."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _silence(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())  # what is still buffered, and Python's flush at exit, go nowhere
        os.close(devnull)

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._silence()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._silence()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _guard_pipes() -> None:
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, _QuietPipe) and hasattr(stream, "fileno"):
            try:
                stream.fileno()
            except (OSError, ValueError):  # not a real file (pytest's capture): nothing to guard
                continue
            setattr(sys, name, _QuietPipe(stream))


def _backend_failure(error: Exception) -> OratioError | None:
    """An SDK error that escaped a LocalStack command (LocalStack died, or answered 500), as one line and a hint."""
    if not type(error).__module__.startswith(("botocore", "boto3", "urllib3")):
        return None
    from oratio.backends.localstack.failures import describe

    return describe(error)


def main(argv: Sequence[str] | None = None) -> int:
    from oratio.model import ModelError

    _guard_pipes()
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except ModelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OratioError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except ModuleNotFoundError as error:  # a backend's SDK imported lazily: say which extra brings it
        if not error.name or error.name.split(".")[0] not in EXTRAS:
            raise
        print(f"error: {missing_extra(error.name)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        failure = _backend_failure(error)
        if failure is None:
            raise
        print(f"error: {failure}", file=sys.stderr)
        return failure.exit_code


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
    for runtime in system.agent_runtimes:
        print(f"  runtime   {runtime.name:<22} {system.runtime_name(runtime):<40} {runtime.runtime} "
              f"{' '.join(runtime.entry_point)}")
    for role in system.service_roles:
        print(f"  role      {role.name:<22} {names[f'service-role:{role.name}']:<40} assumed by {role.service}")
    for vectors in system.vector_buckets:
        print(f"  vectors   {vectors.name:<22} {system.physical_name(vectors)}")
    for api in system.http_apis:
        print(f"  http api  {api.name:<22} {system.physical_name(api):<40} {len(api.routes)} routes")
    from oratio.backends.cdk.shards import describe, plan  # no CDK import: the plan is made from the model alone

    print("stacks (cdk backend; a concern too large for one stack is split by a hash of each name):")
    for line in describe(plan(system)):
        print(f"  {line}")
    return 0


def list_rules(as_json: bool = False) -> int:
    """Print every rule of the model's rule table: id, what it says, its limit (if any) and its source."""
    import attrs

    from oratio.model.rules import RULES

    if as_json:
        print(json.dumps([{"id": r.id, "what": r.title, "limit": r.limit or None, "source": r.source,
                           "limits": [attrs.asdict(limit) for limit in r.limits]} for r in RULES.values()], indent=2))
        return 0
    rows = [("id", "what", "limit", "source"), *((r.id, r.title, r.limit or "-", r.source) for r in RULES.values())]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        print("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=False)) + f"  {row[3]}")
    return 0


def _cdk_context(key: str) -> str | None:
    """A value given to the CDK CLI with ``-c key=value`` (it hands the app its context as JSON)."""
    try:
        value = json.loads(os.environ.get("CDK_CONTEXT_JSON") or "{}").get(key)
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _dispatch(args: argparse.Namespace) -> int:
    verb = resolve_verb(args)
    check_stage(args.stage)
    flagged = [f"--{flag.replace('_', '-')}" for flag in ("replace", "adopt", "force_delete")
               if getattr(args, flag, [])]
    if flagged and verb not in ("up", "preview"):
        raise OratioError(f"{flagged[0]} applies to the localstack verbs up and preview only, not {verb}",
                          f"run: oratio up {flagged[0]} NAME")
    if verb == "localstack":
        from oratio.backends.localstack.embedded.cli import run as run_localstack

        return run_localstack(args.action, lines=args.lines)
    if verb == "init":
        from oratio.init import init_project

        return init_project(Path(args.folder), force=args.force, name=args.name)
    if verb == "rules":
        return list_rules(as_json=args.json)
    if verb == "demo":
        from oratio.backends.localstack.embedded.layout import checkout_root

        if checkout_root() is None:
            raise OratioError("the demo runs the Oratio platform from oratio's repository, not from the package",
                              "clone the repository and run: make demo (or: oratio init, then oratio up)")
        from oratio.backends.localstack import local_target
        from oratio.demo import run_demo

        local_target()  # the safety checks first

        return run_demo(stage=args.stage or "local")
    if verb in ("preview", "up", "destroy", "outputs"):
        from oratio.backends.localstack import local_target

        local_target()  # the safety checks come first: before the system is loaded or LocalStack started
    spec = args.system or default_system()
    if verb == "show":
        return show(load_system(spec, args.stage or "dev"), args.account)
    if verb == "synth":
        system = load_system(spec, args.stage or _cdk_context("stage") or "dev")
        from oratio.backends.cdk import synth_command

        project = project_root_of(spec)
        return synth_command(system, output=args.output, nag=not args.no_nag, cfn_validation=args.cfn_validation,
                             project_root=project, context=cdk_context(project))
    system = load_system(spec, args.stage or "local")
    if verb == "outputs":
        from oratio.backends.localstack import outputs_command

        return outputs_command(system, as_json=args.json, project_root=project_root_of(spec))
    from oratio.backends.localstack import Allow, deploy_command

    allow = Allow(frozenset(getattr(args, "replace", [])), frozenset(getattr(args, "adopt", [])),
                  frozenset(getattr(args, "force_delete", [])))
    return deploy_command(system, mode=verb, as_json=args.json, project_root=project_root_of(spec), allow=allow)
