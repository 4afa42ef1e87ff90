"""checkov (its CloudFormation framework) on the platform's templates: every finding is fixed in the platform or
acknowledged by a model exemption with its reason, rendered as the resource's ``Metadata.checkov.skip``.

checkov lives in its own environment (``.oratio/checkov/``, made by ``make setup``: its pins, boto3 1.35 among
them, conflict with the project's). It runs offline, proven here: every run goes through a counting proxy on
127.0.0.1 that forwards nothing, and the offline run makes no connection at all. Without the switches, checkov
asks PyPI for a newer version (``CKV_SKIP_PACKAGE_UPDATE_CHECK``) and Prisma Cloud for its guidelines and id
mapping (``--skip-download``, ``BC_SKIP_MAPPING``); the last test shows the proxy sees those calls.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest

from oratio.backends.cdk.app import build_app
from oratio.backends.cdk.checks import CHECKOV_CHECKS, CHECKOV_WILDCARD_WRITE, REASON_SEPARATOR
from oratio.model import Bucket, Exemption, Function, Key, System, Table, rules
from oratio.model.permissions import (
    agent_runtime_statements,
    function_statements,
    service_role_statements,
    workflow_statements,
)
from oratio.platform import platform
from tests.backends.cdk.conftest import CDK_CONTEXT, PROJECT_ROOT
from tests.fixtures.api_system import api_system

CHECKOV = PROJECT_ROOT / ".oratio" / "checkov" / "bin" / "checkov"
# The switches that keep checkov on this machine: no version check (PyPI), no guidelines or check-id mapping
# download (Prisma Cloud); no API key is ever given, so nothing is uploaded either.
OFFLINE_ENV = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}
OFFLINE_ARGS = ("--skip-download",)
PROXY_VARIABLES = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


class CountingProxy:
    """An HTTP proxy on 127.0.0.1 that records each request line (``CONNECT host:443``) and refuses it."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            with client:
                client.settimeout(5)
                try:
                    head = client.recv(4096)
                except OSError:
                    head = b""
                self.requests.append(head.split(b"\r\n", 1)[0].decode(errors="replace"))
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def __enter__(self) -> CountingProxy:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._server.close()


def run_checkov(templates: Sequence[Path], *, offline: bool = True) -> tuple[list[dict[str, Any]], list[str]]:
    """checkov's JSON reports (one per framework) for ``templates``, and the requests its proxy saw."""
    assert CHECKOV.exists(), f"checkov is not installed at {CHECKOV}: run `make setup` (it makes .oratio/checkov/)"
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES and k.upper() != "NO_PROXY"}
    env.update(OFFLINE_ENV if offline else {})
    files = [arg for template in templates for arg in ("-f", str(template))]
    with CountingProxy() as proxy:
        env.update({name: proxy.url for name in PROXY_VARIABLES})
        result = subprocess.run(
            [str(CHECKOV), *files, "--framework", "cloudformation", "--output", "json", "--soft-fail",
             *(OFFLINE_ARGS if offline else ())],
            capture_output=True, text=True, env=env, timeout=300, check=False)
    assert result.returncode == 0, f"checkov failed ({result.returncode}): {result.stderr[-2000:]}"
    report = json.loads(result.stdout)
    return (report if isinstance(report, list) else [report]), proxy.requests


def model_reasons(system: System) -> set[str]:
    """Every reason the model gives: its resources' exemptions and its wildcard statements'."""
    resources = (*system.tables, *system.buckets, *system.functions, *system.workflows, *system.user_pools,
                 *system.agent_runtimes, *system.service_roles, *system.vector_buckets, *system.http_apis)
    reasons = {e.reason for r in resources for e in r.exemptions}
    statements = [*(s for f in system.functions for s in function_statements(f)),
                  *(s for w in system.workflows for s in workflow_statements(w)),
                  *(s for r in system.agent_runtimes for s in agent_runtime_statements(system, r)),
                  *(s for r in system.service_roles for s in service_role_statements(system, r))]
    return reasons | {s.reason for s in statements if s.reason}


def synthesized(system: System, outdir: Path, nag: bool = True) -> list[Path]:
    build_app(system, outdir=str(outdir), project_root=PROJECT_ROOT, nag=nag, context=CDK_CONTEXT).synth()
    return sorted(outdir.glob("*.template.json"))


@pytest.fixture(scope="module")
def platform_runs(assembly_dir: Path, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[dict[str, tuple[System, list[dict[str, Any]], list[str]]]]:
    """checkov once per stage on the platform's templates: dev's (the session's assembly) and prod's."""
    runs = {}
    for stage in ("dev", "prod"):
        system = platform(stage)
        outdir = assembly_dir if stage == "dev" else tmp_path_factory.mktemp(f"cdk.out-{stage}")
        templates = sorted(outdir.glob("*.template.json")) if stage == "dev" else synthesized(system, outdir)
        assert len(templates) >= 6, templates
        runs[stage] = (system, *run_checkov(templates))
    yield runs


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_no_failed_check_without_a_reason_from_the_model(platform_runs: dict, stage: str) -> None:
    system, reports, requests = platform_runs[stage]
    (report,) = reports
    failed = [(c["check_id"], c["resource"], c["file_path"]) for c in report["results"]["failed_checks"]]
    assert failed == [], "fix it in the platform, or give the resource an exemption with its reason in the model"
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 50, report["summary"]  # it did check: the platform passes most checks
    reasons = model_reasons(system)
    skipped = report["results"]["skipped_checks"]
    assert skipped, "the platform has exemptions: some skipped checks are expected"
    for check in skipped:
        comment = check["check_result"]["suppress_comment"]
        assert comment.split(REASON_SEPARATOR) and set(comment.split(REASON_SEPARATOR)) <= reasons, (
            check["check_id"], check["resource"], comment)
    assert requests == [], "checkov tried to reach the network"


def test_the_platform_acknowledges_each_finding_of_the_last_review(platform_runs: dict) -> None:
    # The 26 findings checkov 3.3.30 made before the platform carried its reasons, one per resource of a kind: now
    # skipped on each such resource with the model's reason, or (the recordings bucket's versioning) passed.
    system, (report,), _ = platform_runs["dev"]
    functions = len(system.functions)
    log_groups = functions + sum(w.logging for w in system.workflows) + sum(a.access_logs for a in system.http_apis)
    for check_id, resource_type, count in [
            ("CKV_AWS_119", "AWS::DynamoDB::Table", len(system.tables)),
            ("CKV_AWS_158", "AWS::Logs::LogGroup", log_groups),
            ("CKV_AWS_116", "AWS::Lambda::Function", functions), ("CKV_AWS_117", "AWS::Lambda::Function", functions),
            ("CKV_AWS_115", "AWS::Lambda::Function", functions), ("CKV_AWS_173", "AWS::Lambda::Function", functions),
            ("CKV_AWS_18", "AWS::S3::Bucket", len(system.buckets)),
            (CHECKOV_WILDCARD_WRITE, "AWS::IAM::Role", None)]:
        found = [c for c in report["results"]["skipped_checks"]
                 if c["check_id"] == check_id and c["resource"].startswith(resource_type + ".")]
        assert len(found) == count if count is not None else found, (check_id, found)
    versioning = [c for c in report["results"]["passed_checks"] if c["check_id"] == "CKV_AWS_21"]
    assert len(versioning) == len(system.buckets) and all(b.versioned for b in system.buckets)


def test_exemptions_render_as_checkov_skips_on_their_resources(tmp_path: Path) -> None:
    logs_reason = "a test: logs encrypted with AWS managed keys"
    system = System("skips", "dev", bucket_suffix="test", buckets=[
        Bucket("plain", versioned=True, exemptions=[Exemption("access-logs", "a test: no log bucket here")])],
        tables=[Table("t", Key("id"), exemptions=[Exemption("customer-managed-key", "a test: AWS owned key")])],
        functions=[Function("f", "tests/fixtures/function", exemptions=[
            Exemption("customer-managed-key", logs_reason), Exemption("latest-runtime", "a test: any runtime")])])
    resources = {}
    for template in synthesized(system, tmp_path, nag=False):
        resources.update(json.loads(template.read_text())["Resources"])

    def skips(resource_type: str) -> list[dict[str, str]]:
        (resource,) = [r for r in resources.values() if r["Type"] == resource_type]
        return resource.get("Metadata", {}).get("checkov", {}).get("skip", [])

    assert skips("AWS::S3::Bucket") == [{"id": "CKV_AWS_18", "comment": "a test: no log bucket here"}]
    assert skips("AWS::DynamoDB::Table") == [{"id": "CKV_AWS_119", "comment": "a test: AWS owned key"}]
    # A function's exemption reaches the resources made for it, each with the checks of its own type.
    assert skips("AWS::Lambda::Function") == [{"id": "CKV_AWS_173", "comment": logs_reason}]
    assert skips("AWS::Logs::LogGroup") == [{"id": "CKV_AWS_158", "comment": logs_reason}]
    assert skips("AWS::IAM::Role") == []  # its grants have no "*" resource
    assert set(CHECKOV_CHECKS) == rules.EXEMPTABLE_CHECKS  # every check name has its checkov ids (maybe none)


def test_an_http_apis_exemptions_reach_its_stage_and_access_log_group(tmp_path: Path) -> None:
    # Named {cid}Stage and {cid}AccessLogs, not part_id's Owner-Part: handed to the skips by the API stack.
    system = api_system()
    keys, logs_off = Exemption("customer-managed-key", "a test: logs under AWS managed keys"), \
        Exemption("access-logs", "a test: this API keeps no access logs")
    with_logs = attrs.evolve(system.http_apis[0], name="logged", exemptions=[keys])
    without_logs = attrs.evolve(system.http_apis[0], name="quiet", access_logs=False, exemptions=[logs_off])
    resources = {}
    for template in synthesized(attrs.evolve(system, http_apis=[with_logs, without_logs]), tmp_path, nag=False):
        resources.update(json.loads(template.read_text())["Resources"])
    skips = {logical_id: r["Metadata"]["checkov"]["skip"] for logical_id, r in resources.items()
             if "checkov" in r.get("Metadata", {})}
    (logged_logs,) = [i for i in skips if i.startswith("LoggedAccessLogs")]
    (quiet_stage,) = [i for i in skips if i.startswith("QuietStage")]
    assert resources[logged_logs]["Type"] == "AWS::Logs::LogGroup"
    assert skips[logged_logs] == [{"id": "CKV_AWS_158", "comment": keys.reason}]
    assert skips[quiet_stage] == [{"id": "CKV_AWS_95", "comment": logs_off.reason}]
    assert not [i for i in skips if i.startswith(("LoggedStage", "QuietAccessLogs"))]


def test_checkov_fails_a_finding_the_model_does_not_acknowledge_and_the_proxy_sees_its_calls(tmp_path: Path) -> None:
    # The sensitivity of both checks above: a bucket with no exemption fails CKV_AWS_18; and run without the
    # offline switches, checkov's calls out (PyPI, Prisma Cloud) reach the counting proxy, which forwards none.
    system = System("bare", "dev", bucket_suffix="test", buckets=[Bucket("plain", versioned=True)])
    (report,), requests = run_checkov(synthesized(system, tmp_path, nag=False), offline=False)
    failed = {c["check_id"] for c in report["results"]["failed_checks"]}
    assert "CKV_AWS_18" in failed
    hosts = {line.split()[1].rsplit(":", 1)[0] for line in requests if line.startswith("CONNECT ")}
    assert hosts and not any(host.startswith("127.") for host in hosts), requests
