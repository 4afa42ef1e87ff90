"""oratio as a user gets it: the wheel built from this checkout, installed into a fresh virtual environment outside
the checkout, then ``oratio init`` in an empty folder and ``show``, ``synth``, ``up``, ``destroy`` from there.

Time: installing the wheel's dependencies from PyPI takes about 4 minutes on this machine (aws-cdk-lib alone is a
60 MB wheel), so the fresh environment gets the wheel itself (``pip install --no-deps``) and finds the already
installed dependencies of this checkout's ``.venv`` through a ``.pth`` line (a path entry only: the checkout's
editable oratio is not visible there; a test checks that oratio is imported from the fresh environment). The
wheel's declared dependencies and extras are checked from its metadata instead. ``up`` and ``destroy`` use the
suite's LocalStack through LOCALSTACK_ENDPOINT (a second embedded LocalStack would cost about 90 s to install);
that the embedded one would live in the project's ``.oratio/`` and install the plug-ins shipped in the wheel is
checked from the installed package.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOT_PACKAGED = shutil.ignore_patterns(".git", ".venv", "node_modules", ".oratio", "cdk.out*", "__pycache__",
                                      "*.egg-info", "build", "dist", ".pytest_cache", ".hypothesis", ".ruff_cache")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built from a copy of the checkout (no build/ or egg-info left in it), in pip's isolated build environment."""
    source = tmp_path_factory.mktemp("source") / "oratio"
    shutil.copytree(ROOT, source, ignore=NOT_PACKAGED)
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                             "--disable-pip-version-check", "--quiet", "--wheel-dir", str(out), str(source)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    (built,) = out.glob("oratio-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    place = tmp_path_factory.mktemp("user") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(place)], check=True, timeout=120)
    site = Path(subprocess.run([str(place / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path("
                                "'purelib'))"], capture_output=True, text=True, check=True).stdout.strip())
    (site / "zz_checkout_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    result = subprocess.run([str(place / "bin" / "python"), "-m", "pip", "install", "--no-deps", "--quiet",
                             "--disable-pip-version-check", str(wheel)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return place


@pytest.fixture(scope="module")
def project(venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("projects") / "notes-app"
    folder.mkdir()
    yield folder


def oratio(venv: Path, cwd: Path, *arguments: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"),
           "CDK_DISABLE_CLI_TELEMETRY": "true", **extra_env}
    return subprocess.run([str(venv / "bin" / "oratio"), *arguments], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def test_the_wheel_ships_the_plugins_and_the_starter_and_declares_the_extras(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (metadata_name,) = (n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(metadata_name).decode()
    for shipped in ("oratio/localstack_plugins/pyproject.toml", "oratio/localstack_plugins/oratio_localstack/"
                    "executor.py", "oratio/localstack_plugins/oratio_localstack/loopback.js",
                    "oratio/starter/files/infra.py", "oratio/starter/files/dot-gitignore",
                    "oratio/starter/recommended-feature-flags.json", "oratio/testing/strategies.py"):
        assert shipped in names, shipped
    requires = [line.removeprefix("Requires-Dist: ") for line in metadata.splitlines()
                if line.startswith("Requires-Dist: ")]
    assert [r for r in requires if "extra ==" not in r] == ["attrs<27,>=25.1"]  # the model's only dependency
    extras = {line.removeprefix("Provides-Extra: ") for line in metadata.splitlines()
              if line.startswith("Provides-Extra: ")}
    assert extras == {"cdk", "localstack", "test", "all"}
    assert "Requires-Python: >=3.11" in metadata.splitlines()
    assert any(r.startswith("aws-cdk-lib==2.275.0") and 'extra == "cdk"' in r for r in requires)
    assert any(r.startswith("boto3") and 'extra == "localstack"' in r for r in requires)


def test_installed_oratio_keeps_its_home_and_plugins_out_of_the_checkout(venv: Path, project: Path) -> None:
    code = ("import json, oratio; from oratio.backends.localstack.embedded.layout import Layout, plugins_source; "
            "print(json.dumps([oratio.__file__, str(Layout.default().root), str(plugins_source())]))")
    (project / "cdk.json").write_text("{}")
    try:
        result = subprocess.run([str(venv / "bin" / "python"), "-c", code], cwd=project, capture_output=True,
                                text=True, check=True, env={"PATH": "/usr/bin:/bin"})
    finally:
        (project / "cdk.json").unlink()
    module, home, plugins = (Path(p) for p in json.loads(result.stdout))
    assert module.is_relative_to(venv)  # the wheel's oratio, not the checkout's
    assert home == project.resolve() / ".oratio" / "localstack"  # the user's project, not site-packages
    assert plugins.is_relative_to(venv) and (plugins / "pyproject.toml").is_file()
    assert (plugins / "oratio_localstack" / "executor.py").is_file()


@pytest.mark.localstack
def test_init_show_synth_up_destroy_from_the_users_folder(venv: Path, project: Path, localstack: Any) -> None:
    made = oratio(venv, project, "init")
    assert made.returncode == 0, made.stderr
    for expected in ("infra.py", "functions/hello/handler.py", "cdk.json", "package.json", "tests/test_infra.py",
                     "README.md", ".gitignore", "pyproject.toml"):
        assert (project / expected).is_file(), expected
        assert f"  {expected}\n" in made.stdout

    tested = subprocess.run([str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                            cwd=project, capture_output=True, text=True, timeout=300, env={"PATH": "/usr/bin:/bin"})
    assert tested.returncode == 0, tested.stdout + tested.stderr  # the starter's test, with oratio.testing
    assert "\n1 passed in " in tested.stdout
    shutil.rmtree(project / ".hypothesis", ignore_errors=True)

    refused = oratio(venv, project, "init")
    assert refused.returncode == 1 and refused.stderr.startswith(f"error: {project.resolve()} is not empty")

    shown = oratio(venv, project, "show", "--account", "000000000000")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[0] == "system notes-app, stage dev: valid"
    assert "notes-app-dev-hello" in shown.stdout and "notes-app-dev-uploads-000000000000" in shown.stdout

    synth = oratio(venv, project, "synth", "--stage", "prod")
    assert synth.returncode == 0, synth.stderr
    assert "cdk-nag found nothing unacknowledged" in synth.stdout
    templates = sorted(p.name for p in (project / "cdk.out").glob("*.template.json"))
    assert templates == ["notes-app-prod-database.template.json", "notes-app-prod-functions.template.json",
                         "notes-app-prod-storage.template.json"]
    assert "end-of-life" not in synth.stderr  # the Node that jsii runs is a supported one

    endpoint = {"LOCALSTACK_ENDPOINT": localstack.url}
    up = oratio(venv, project, "up", **endpoint)
    assert up.returncode == 0, up.stderr + up.stdout
    assert "applied" in up.stdout and "notes-app-local-hello" in up.stdout
    assert json.loads((project / ".oratio" / "outputs" / "notes-app-local.json").read_text())["functions"]
    assert (project / ".oratio" / "bundles").is_dir()  # caches under the user's project

    again = oratio(venv, project, "preview", "--json", **endpoint)
    assert again.returncode == 0, again.stderr
    assert {change["action"] for change in json.loads(again.stdout)["changes"]} == {"unchanged"}

    down = oratio(venv, project, "destroy", **endpoint)
    assert down.returncode == 0, down.stderr
    assert "\ndestroyed 3 resources of notes-app (local) in " in down.stdout  # function, its log group and role
    assert "kept table notes-app-local-notes (retained, with its data)" in down.stdout
