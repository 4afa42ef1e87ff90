"""The shared Lambda bundler: sources copied, cached by content, deterministic zips, clear errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from oratio.bundling import bundle, bundle_zip
from oratio.errors import OratioError


@pytest.fixture
def project(tmp_path: Path) -> Path:
    code = tmp_path / "lambdas" / "hello"
    code.mkdir(parents=True)
    (code / "handler.py").write_text("def lambda_handler(event, context):\n    return event\n")
    (code / "requirements.txt").write_text("# boto3 comes with the runtime\n")
    (code / "__pycache__").mkdir()
    (code / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"stale")
    return tmp_path


def test_bundle_holds_the_sources_only(project: Path) -> None:
    folder = bundle("lambdas/hello", "python3.11", project_root=project)
    assert sorted(p.name for p in folder.rglob("*")) == ["handler.py", "requirements.txt"]


def test_unchanged_code_is_not_rebundled(project: Path) -> None:
    messages: list[str] = []
    first = bundle("lambdas/hello", "python3.11", project_root=project, progress=messages.append)
    again = bundle("lambdas/hello", "python3.11", project_root=project, progress=messages.append)
    assert first == again and messages == ["bundling lambdas/hello for python3.11"]
    (project / "lambdas" / "hello" / "handler.py").write_text("def lambda_handler(event, context):\n    return 1\n")
    assert bundle("lambdas/hello", "python3.11", project_root=project) != first


def test_zip_is_deterministic(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    first = bundle_zip("lambdas/hello", "python3.11", project_root=project)
    other_cache = tmp_path_factory.mktemp("cache")
    second = bundle_zip("lambdas/hello", "python3.11", project_root=project, cache_root=other_cache)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert archive.namelist() == ["handler.py", "requirements.txt"]


def test_missing_folder_is_one_clear_error(project: Path) -> None:
    with pytest.raises(OratioError) as raised:
        bundle("lambdas/missing", "python3.11", project_root=project)
    assert str(raised.value).splitlines()[0] == (
        f"the function's code folder {project / 'lambdas' / 'missing'} does not exist")


def test_included_folders_land_by_name_and_count_in_the_cache_key(project: Path) -> None:
    common = project / "lambdas" / "common"
    common.mkdir()
    (common / "__init__.py").write_text("SHARED = 1\n")
    folder = bundle("lambdas/hello", "python3.11", include=["lambdas/common"], project_root=project)
    assert (folder / "common" / "__init__.py").read_text() == "SHARED = 1\n"
    assert (folder / "handler.py").is_file()
    (common / "__init__.py").write_text("SHARED = 2\n")
    changed = bundle("lambdas/hello", "python3.11", include=["lambdas/common"], project_root=project)
    assert changed != folder and (changed / "common" / "__init__.py").read_text() == "SHARED = 2\n"


def test_arm64_bundles_are_their_own_and_ask_pip_for_aarch64_wheels(project: Path, monkeypatch) -> None:
    """Agent runtimes run on arm64 (AgentCore): their requirements are installed from manylinux2014_aarch64 wheels."""
    x86 = bundle("lambdas/hello", "python3.13", project_root=project)
    arm = bundle("lambdas/hello", "python3.13", project_root=project, architecture="arm64")
    assert arm != x86 and sorted(p.name for p in arm.rglob("*")) == ["handler.py", "requirements.txt"]
    (project / "lambdas" / "hello" / "requirements.txt").write_text("boto3\n")
    calls: list[list[str]] = []
    monkeypatch.setattr("oratio.bundling.subprocess.run",
                        lambda command, **_: calls.append(command) or type("R", (), {"returncode": 0})())
    bundle("lambdas/hello", "python3.13", project_root=project, architecture="arm64")
    (command,) = calls
    assert command[command.index("--platform") + 1] == "manylinux2014_aarch64"
    assert command[command.index("--python-version") + 1] == "3.13"
    with pytest.raises(OratioError, match="architecture 'sparc'"):
        bundle("lambdas/hello", "python3.13", project_root=project, architecture="sparc")
