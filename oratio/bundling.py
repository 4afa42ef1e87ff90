"""Lambda bundles without Docker, shared by every backend: a function's code folder plus its
``requirements.txt`` installed for the Lambda platform, cached by content so unchanged code is not rebundled.

The CDK's PythonFunction needs Docker; here pip installs manylinux wheels for the function's Python version
(``--platform manylinux2014_x86_64 --only-binary=:all:``), which is what Lambda's x86_64 runtime loads; agent
runtimes (AgentCore runs them on arm64 hosts) get ``manylinux2014_aarch64`` wheels with ``architecture="arm64"``.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from oratio.errors import OratioError

# pip's platform tag for each architecture a bundle can target.
PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".mypy_cache")
# Zip entries get one fixed time, so that the same sources always give the same bytes (and asset hash).
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _project_root() -> Path:
    return Path(__file__).resolve().parents[1]


def _sources(code_dir: Path) -> list[Path]:
    return sorted(p for p in code_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and p.suffix != ".pyc")


def content_hash(code_dir: Path, runtime: str, include: Sequence[Path] = (), architecture: str = "x86_64") -> str:
    """A hash of every source file's path and bytes (code and included folders), the runtime and (when not
    x86_64, so that existing bundles keep their keys) the architecture: the cache key."""
    digest = hashlib.sha256(runtime.encode() + (b"" if architecture == "x86_64" else architecture.encode()))
    for folder, prefix in [(code_dir, ""), *((extra, extra.name + "/") for extra in include)]:
        for path in _sources(folder):
            digest.update((prefix + str(path.relative_to(folder))).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def bundle(code_dir: str | Path, runtime: str, *, include: Sequence[str | Path] = (),
           project_root: Path | None = None, cache_root: Path | None = None,
           progress: Callable[[str], None] | None = None, architecture: str = "x86_64") -> Path:
    """The folder Lambda runs: the sources of ``code_dir``, each ``include`` folder under its own name, and the
    requirements, built once per content."""
    root = project_root or _project_root()
    source = (root / code_dir).resolve()
    extras = [(root / folder).resolve() for folder in include]
    say = progress or (lambda message: None)
    for folder, what in [(source, "code folder"), *((extra, "included folder") for extra in extras)]:
        if not folder.is_dir():
            raise OratioError(f"the function's {what} {folder} does not exist",
                              "create it, or fix the function's code=/include= path (relative to the project root)")
    if not runtime.startswith("python"):
        raise OratioError(f"cannot bundle runtime {runtime!r}: only Python runtimes are bundled",
                          "use a python3.x runtime")
    if architecture not in PLATFORMS:
        raise OratioError(f"cannot bundle for architecture {architecture!r}", f"use one of {', '.join(PLATFORMS)}")
    key = content_hash(source, runtime, extras, architecture)
    target = (cache_root or root / ".oratio" / "bundles") / f"{source.name}-{key}"
    if target.is_dir():
        return target
    where = "" if architecture == "x86_64" else f" ({architecture})"
    say(f"bundling {source.relative_to(root) if source.is_relative_to(root) else source} for {runtime}{where}")
    building = target.with_name(target.name + ".partial")
    shutil.rmtree(building, ignore_errors=True)
    shutil.copytree(source, building, ignore=IGNORED)
    for extra in extras:
        shutil.copytree(extra, building / extra.name, ignore=IGNORED)
    requirements = source / "requirements.txt"
    if requirements.is_file() and any(line.strip() and not line.lstrip().startswith("#")
                                      for line in requirements.read_text().splitlines()):
        _pip_install(requirements, building, runtime.removeprefix("python"), PLATFORMS[architecture])
    building.rename(target)  # only a complete bundle ever carries the final name
    return target


def _pip_install(requirements: Path, target: Path, python_version: str, platform: str) -> None:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
               "--target", str(target), "--platform", platform, "--implementation", "cp",
               "--python-version", python_version, "--only-binary=:all:", "-r", str(requirements)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise OratioError(f"installing {requirements} for Python {python_version} failed: {last}",
                          "check the requirement names and that each has a manylinux wheel")


def bundle_zip(code_dir: str | Path, runtime: str, *, include: Sequence[str | Path] = (),
               project_root: Path | None = None, cache_root: Path | None = None,
               progress: Callable[[str], None] | None = None, architecture: str = "x86_64") -> Path:
    """The bundle as a deterministic zip (sorted entries, fixed times), e.g. for Lambda's CreateFunction or an
    AgentCore code configuration."""
    folder = bundle(code_dir, runtime, include=include, project_root=project_root, cache_root=cache_root,
                    progress=progress, architecture=architecture)
    archive = folder.with_suffix(".zip")
    if not archive.is_file():
        partial = archive.with_suffix(".zip.partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as out:
            for path in _sources(folder):
                info = zipfile.ZipInfo(str(path.relative_to(folder)), ZIP_TIME)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                out.writestr(info, path.read_bytes())
        partial.rename(archive)
    return archive
