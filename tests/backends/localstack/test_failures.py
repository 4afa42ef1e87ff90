"""Every failure of issue 12's list is one line and a hint, exit 1, never a traceback: LocalStack dying while the
plan is read, an endpoint answering 500, a half-written install stamp, a bad port, an outputs path that is a
folder, and output piped into a reader that goes away. Real processes, real SIGKILLs, real broken files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from oratio.backends.localstack import Target, preview
from oratio.backends.localstack.embedded import installer
from oratio.backends.localstack.embedded.layout import Layout
from oratio.platform import platform

PROJECT_ROOT = Path(__file__).resolve().parents[3]
FAKE = PROJECT_ROOT / "tests" / "fixtures" / "fake_localstack.py"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCALSTACK_ENDPOINT", "AWS_"))}
    return {**env, **extra}


def app(*arguments: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "app.py", *arguments], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def one_line_and_a_hint(result: subprocess.CompletedProcess[str]) -> str:
    """The error line, after checking the shape every failure has: exit 1, an error line and a hint, nothing else."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1].startswith("  hint: "), result.stderr
    return lines[0]


@pytest.fixture
def fake_localstack(request: pytest.FixtureRequest) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    process = subprocess.Popen([sys.executable, str(FAKE), request.param], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    port = int(process.stdout.readline())
    yield f"http://127.0.0.1:{port}", process
    if process.poll() is None:
        process.kill()
    process.wait()


@pytest.mark.parametrize("fake_localstack", ["die"], indirect=True)
@pytest.mark.parametrize("verb", ["preview", "up"])
def test_localstack_dying_during_the_read_phase(fake_localstack: tuple[str, subprocess.Popen[str]], verb: str) -> None:
    """It answers the health check and STS, then SIGKILLs itself on the first read (EndpointConnectionError)."""
    url, process = fake_localstack
    result = app(verb, "--stage", "dies", env=clean_env(LOCALSTACK_ENDPOINT=url))
    assert process.wait(timeout=10) == -signal.SIGKILL
    first = one_line_and_a_hint(result)
    assert first.startswith("error: LocalStack stopped answering: "), first
    assert url in first
    assert result.stderr.splitlines()[1].startswith("  hint: start it ('oratio localstack start', or your own) and "
                                                    "run the command again")


@pytest.mark.parametrize("fake_localstack", ["500"], indirect=True)
def test_an_endpoint_answering_500(fake_localstack: tuple[str, subprocess.Popen[str]]) -> None:
    url, process = fake_localstack
    result = app("preview", "--stage", "fails", env=clean_env(LOCALSTACK_ENDPOINT=url))
    first = one_line_and_a_hint(result)
    assert first.startswith("error: LocalStack failed to answer "), first
    assert "(HTTP 500, InternalFailure): the fake LocalStack fails on purpose" in first
    assert process.poll() is None  # it kept answering: the failure is its answers, not its absence


def test_a_half_written_install_stamp_means_not_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stamp cut off mid-write (a crash, a full disk) used to fail every start with JSONDecodeError: now the next
    start installs every part again and writes the stamp whole (a temporary file renamed over it). The parts
    (pip, npm: minutes) are recorded rather than run; the stamp logic is what is tested."""
    layout = Layout(tmp_path / "localstack", 4999)
    layout.python.parent.mkdir(parents=True)
    layout.python.write_text("")  # LocalStack's environment is there
    whole = json.dumps(installer.fingerprint(), indent=2)
    layout.stamp.write_text(whole[: len(whole) // 2])
    with pytest.raises(ValueError):
        json.loads(layout.stamp.read_text())  # really broken
    ran: list[str] = []
    for part in ("_install_localstack", "_install_dynamodb_local", "_install_lambda_runtimes", "_install_plugins"):
        monkeypatch.setattr(installer, part, lambda layout, say, part=part: ran.append(part))
    installer.install(layout)
    assert ran == ["_install_localstack", "_install_dynamodb_local", "_install_lambda_runtimes", "_install_plugins"]
    assert json.loads(layout.stamp.read_text()) == installer.fingerprint()
    assert sorted(p.name for p in layout.root.iterdir()) == ["installed.json", "venv"]  # no temporary file left
    ran.clear()
    installer.install(layout)
    assert ran == []  # repaired: the next start costs a file read


@pytest.mark.parametrize("port", ["abc", "99999", "0", "-1"])
@pytest.mark.parametrize("verb", [("up",), ("localstack", "status")])
def test_a_bad_localstack_port(port: str, verb: tuple[str, ...]) -> None:
    result = app(*verb, env=clean_env(ORATIO_LOCALSTACK_PORT=port), timeout=60)
    assert one_line_and_a_hint(result) == f"error: ORATIO_LOCALSTACK_PORT={port!r} is not a TCP port (1-65535)"


def test_an_outputs_path_that_is_a_folder(localstack: Any) -> None:
    folder = PROJECT_ROOT / ".oratio" / "outputs" / "oratio-outdir.json"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        result = app("outputs", "--stage", "outdir", env=clean_env(LOCALSTACK_ENDPOINT=localstack.url))
    finally:
        folder.rmdir()
    assert one_line_and_a_hint(result) == f"error: cannot write the outputs to {folder}: Is a directory"


def closed_reader(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run with stdout a pipe whose reader is gone before the first line (as ``| head -0`` would)."""
    process = subprocess.Popen([sys.executable, "app.py", *arguments], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read()
    return subprocess.CompletedProcess(process.args, process.wait(timeout=300), "", stderr)


def test_output_piped_into_a_reader_that_goes_away() -> None:
    result = closed_reader("rules", env=clean_env())
    assert result.returncode == 0
    assert result.stderr == ""


def test_an_up_whose_reader_goes_away_still_finishes(localstack: Any) -> None:
    """A closed pipe is not a reason to leave a deploy half-done: the output is dropped, the work finishes."""
    stage = "pipe"
    result = closed_reader("up", "--stage", stage, env=clean_env(LOCALSTACK_ENDPOINT=localstack.url))
    assert result.returncode == 0
    assert result.stderr == ""
    assert preview(Target(localstack.url), platform(stage), project_root=PROJECT_ROOT).pending == ()


def test_an_empty_stage_is_refused_before_a_destroy() -> None:
    """``--stage "$STAGE"`` with STAGE unset used to destroy the local stage."""
    for verb in ("destroy", "up", "preview"):
        result = app(verb, "--stage", "", env=clean_env(), timeout=60)
        assert one_line_and_a_hint(result) == "error: --stage is empty (''): a stage names the deployment"
