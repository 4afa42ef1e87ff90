"""``python app.py --backend localstack`` as users run it: preview as text and JSON, up, a second up that
changes nothing, an up killed midway that the next run finishes, outputs written, and the refusals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from oratio.backends.localstack import Target, preview
from oratio.platform import platform

pytestmark = pytest.mark.localstack
PROJECT_ROOT = Path(__file__).resolve().parents[3]


def app(*arguments: str, endpoint: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "LOCALSTACK_ENDPOINT": endpoint, **(extra_env or {})}
    return subprocess.run([sys.executable, "app.py", *arguments], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_an_up_killed_midway_is_finished_by_the_next_run(localstack: Any) -> None:
    stage = f"i{uuid.uuid4().hex[:8]}"  # new each run: the LocalStack may outlive one test session
    env = {**os.environ, "LOCALSTACK_ENDPOINT": localstack.url}
    command = [sys.executable, "app.py", "--backend", "localstack", "--stage", stage]
    running = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    assert running.stdout is not None
    done = 0
    for line in running.stdout:
        done += line.strip().startswith("[")
        if done == 4:  # four resources made, the rest not: kill it as a user's Ctrl-C or a crash would
            os.killpg(running.pid, signal.SIGKILL)
            break
    running.wait()
    system = platform(stage)
    target = Target(localstack.url)
    interrupted = preview(target, system, project_root=PROJECT_ROOT)
    assert 0 < len(interrupted.pending) < len(interrupted.changes)
    finished = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert preview(target, system, project_root=PROJECT_ROOT).pending == ()
    pools = [p for p in target.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
             if p["Name"] == f"oratio-{stage}-users"]
    assert len(pools) == 1  # nothing made twice


def test_up_then_again_says_no_changes_and_writes_outputs(localstack: Any) -> None:
    first = app("--backend", "localstack", "--stage", "cli", endpoint=localstack.url)
    assert first.returncode == 0, first.stderr
    again = app("--backend", "localstack", "--stage", "cli", endpoint=localstack.url)
    assert again.returncode == 0
    assert "no changes: oratio (cli) is up to date" in again.stdout
    written = json.loads((PROJECT_ROOT / ".oratio" / "outputs" / "oratio-cli.json").read_text())
    assert written["endpoint"] == localstack.url
    assert written["tables"]["agents"] == "oratio-cli-agents"
    assert set(written["user_pools"]["users"]["clients"]) == {"web"}


def test_preview_as_json_changes_nothing(localstack: Any) -> None:
    result = app("--backend", "localstack", "--stage", "jsonpreview", "--preview", "--json", endpoint=localstack.url)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["summary"] == {"create": len(document["changes"])}
    again = app("--backend", "localstack", "--stage", "jsonpreview", "--preview", "--json", endpoint=localstack.url)
    assert json.loads(again.stdout)["summary"] == document["summary"]  # the first preview created nothing


@pytest.mark.parametrize(("endpoint", "extra_env", "first_line"), [
    ("https://s3.amazonaws.com", {}, "error: refusing to deploy: LOCALSTACK_ENDPOINT names s3.amazonaws.com, which "
                                     "is not a local host (only loopback, localhost, or hosts declared local)"),
    (None, {"AWS_PROFILE": "production"}, "error: refusing to deploy: AWS_PROFILE is set, and would lend real AWS "
                                          "credentials"),
])
def test_the_command_line_refuses_what_could_reach_aws(localstack: Any, endpoint: str | None,
                                                       extra_env: dict[str, str], first_line: str) -> None:
    result = app("--backend", "localstack", "--stage", "refused", endpoint=endpoint or localstack.url,
                 extra_env=extra_env)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == first_line
    assert "Traceback" not in result.stderr
