"""``oratio init [folder]``: a starter project, as ``cdk init`` makes one.

It writes a system module (``infra.py``: a table, a bucket, a function with its handler folder), ``cdk.json``
with the CDK's recommended feature flags and the system's name for oratio (context ``oratio:system``),
``package.json`` pinning the CDK CLI and cdklocal, a test over the model's Hypothesis strategies, a README and
a ``.gitignore``. A folder that is not empty is refused unless ``force``: nothing is overwritten by surprise.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from oratio.errors import OratioError
from oratio.model import rules

STARTER = resources.files("oratio.starter")
# Files stored under another name in the package (a .gitignore would be ignored by packaging tools).
RENAMED = {"dot-gitignore": ".gitignore"}
IGNORED_PARTS = {"__pycache__"}
DEFAULT_NAME = "myapp"


def system_name_for(folder: Path) -> str:
    """A valid system name (rule N101: 1-20 of [a-z0-9-], starting with a letter) from the folder's name."""
    name = re.sub(r"[^a-z0-9-]+", "-", folder.resolve().name.lower()).strip("-")[: rules.SYSTEM.max_length]
    name = name.rstrip("-")
    return name if name and name[0].isalpha() else DEFAULT_NAME


# The one recommended flag oratio sets otherwise: minimizePolicies merges and re-sorts IAM statements, while the
# model's statements are already least privilege, one per grant, in the model's order, as the LocalStack backend
# renders them too (merged, a role's policy would no longer read back as the model's grants).
FLAG_OVERRIDES = {"@aws-cdk/aws-iam:minimizePolicies": False}


def cdk_json(name: str) -> dict[str, object]:
    flags = {**json.loads((STARTER / "recommended-feature-flags.json").read_text()), **FLAG_OVERRIDES}
    return {
        "app": "python -m oratio synth",
        "output": "cdk.out",
        "watch": {"include": ["infra.py", "functions/**"],
                  "exclude": ["**/__pycache__", ".oratio/**", "cdk.out/**", "tests/**"]},
        "context": {"oratio:system": "infra:system", **flags},
    }


def _starter_files(name: str) -> dict[str, str]:
    files: dict[str, str] = {}

    def walk(folder: Traversable, prefix: str) -> None:
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name in IGNORED_PARTS or entry.name.endswith(".pyc"):
                continue
            relative = f"{prefix}{RENAMED.get(entry.name, entry.name)}"
            if entry.is_dir():
                walk(entry, relative + "/")
            else:
                files[relative] = entry.read_text().replace("{name}", name)

    walk(STARTER / "files", "")
    files["cdk.json"] = json.dumps(cdk_json(name), indent=2) + "\n"
    return files


def init_project(folder: Path, *, force: bool = False, name: str | None = None) -> int:
    if folder.exists() and not folder.is_dir():
        raise OratioError(f"{folder} is a file, not a folder", "give a folder: oratio init myapp")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise OratioError(f"{folder.resolve()} is not empty: oratio init writes a new project",
                          "give an empty or new folder (oratio init myapp), or --force to write into this one "
                          "(files of the same names are replaced)")
    system_name = name or system_name_for(folder)
    problems = _name_problems(system_name)
    if problems:
        raise OratioError(f"--name {system_name!r} is not a valid system name: {problems[0]}",
                          "give 1-20 of a-z, 0-9, '-', starting with a letter")
    written = []
    for relative, text in _starter_files(system_name).items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(relative)
    print(f"created the oratio project {system_name!r} in {folder.resolve()}:")
    for relative in written:
        print(f"  {relative}")
    where = "" if folder.resolve() == Path.cwd().resolve() else f"cd {folder} && "
    print(f"next: {where}oratio show, oratio up (embedded LocalStack), oratio synth (cdk.out/ for AWS); "
          "see README.md")
    return 0


def _name_problems(name: str) -> list[str]:
    rule = rules.SYSTEM
    if not rule.min_length <= len(name) <= rule.max_length:
        return [f"{len(name)} characters, allowed {rule.min_length}-{rule.max_length}"]
    if not rule.char_pattern.fullmatch(name) or not name[0].isalpha():
        return [f"allowed: {rule.chars_text}, starting with a letter"]
    return []
