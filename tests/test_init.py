"""``oratio init``: what it writes, what it refuses, and that its pins and flags match this repository's."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import aws_cdk
import pytest

from oratio.errors import OratioError
from oratio.init import FLAG_OVERRIDES, init_project, system_name_for

ROOT = Path(__file__).resolve().parents[1]


def test_the_starter_flags_are_the_installed_aws_cdk_libs_recommended_ones() -> None:
    """The list cdk init writes comes from aws-cdk-lib's recommended-feature-flags.json: read it from the jsii
    bundle of the installed aws-cdk-lib, so that a version bump that changes it fails here."""
    (bundle,) = (Path(aws_cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz")
    with tarfile.open(bundle) as archive:
        recommended = json.load(archive.extractfile("package/recommended-feature-flags.json"))
    starter = json.loads((ROOT / "oratio" / "starter" / "recommended-feature-flags.json").read_text())
    assert starter == recommended
    project = json.loads((ROOT / "cdk.json").read_text())["context"]
    assert project == {**recommended, **FLAG_OVERRIDES}


def test_the_starter_pins_the_same_cdk_cli_and_cdklocal_as_this_repository() -> None:
    ours = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    starter = json.loads((ROOT / "oratio" / "starter" / "files" / "package.json").read_text())["devDependencies"]
    assert starter == ours


def test_init_writes_a_project_and_refuses_a_folder_that_is_not_empty(tmp_path: Path, capsys) -> None:
    target = tmp_path / "My App_2"
    assert init_project(target) == 0
    assert "created the oratio project 'my-app-2'" in capsys.readouterr().out
    cdk = json.loads((target / "cdk.json").read_text())
    assert cdk["app"] == "python -m oratio synth" and cdk["context"]["oratio:system"] == "infra:system"
    assert 'System("my-app-2", stage' in (target / "infra.py").read_text()
    assert (target / ".gitignore").read_text().splitlines()[:1] == [".venv/"]
    with pytest.raises(OratioError) as refused:
        init_project(target)
    assert str(refused.value).splitlines()[0] == f"{target.resolve()} is not empty: oratio init writes a new project"
    (target / "infra.py").write_text("changed")
    assert init_project(target, force=True) == 0
    assert (target / "infra.py").read_text() != "changed"


@pytest.mark.parametrize(("folder", "name"), [("notes", "notes"), ("9lives", "myapp"), ("A" * 30, "a" * 20),
                                              ("x--y--", "x--y")])
def test_system_names_come_from_the_folder_and_are_valid(tmp_path: Path, folder: str, name: str) -> None:
    assert system_name_for(tmp_path / folder) == name
