"""The LocalStack backend refuses, before any change, whatever could reach real AWS: a remote or oddly written
endpoint, other endpoint variables, real credentials; and it never goes through a proxy."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from oratio.backends.localstack.target import Target, UnsafeTarget, parse_endpoint

STS_RESPONSE = """<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/someone</Arn><UserId>AIDEXAMPLE</UserId>
  <Account>123456789012</Account></GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"""


def refusal(target: Target, environ: dict[str, str]) -> str:
    with pytest.raises(UnsafeTarget) as raised:
        target.check_endpoint(environ)
    return str(raised.value).splitlines()[0]


def test_a_remote_endpoint_is_refused() -> None:
    assert refusal(Target("https://dynamodb.us-east-1.amazonaws.com"), {}) == (
        "refusing to deploy: the endpoint names dynamodb.us-east-1.amazonaws.com, which is not a local host (only "
        "loopback, localhost, or hosts declared local)")


def test_a_host_declared_local_is_accepted() -> None:
    Target("http://localstack.lan:4566").check_endpoint({"ORATIO_LOCAL_HOSTS": "localstack.lan"})
    Target("http://127.0.0.1:4566").check_endpoint({})
    Target("http://[::1]:4566").check_endpoint({})


@pytest.mark.parametrize("variable", ["AWS_PROFILE", "AWS_SESSION_TOKEN"])
def test_real_credentials_in_the_environment_are_refused(variable: str) -> None:
    assert refusal(Target("http://127.0.0.1:4566"), {variable: "x"}) == (
        f"refusing to deploy: {variable} is set, and would lend real AWS credentials")


def test_not_a_url_is_refused() -> None:
    assert refusal(Target("127.0.0.1:4566"), {}).startswith("refusing to deploy: '127.0.0.1:4566' is not an http(s)")


@pytest.fixture
def impostor() -> Iterator[str]:
    """A local endpoint that answers STS like real AWS would: with a real-looking account."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = STS_RESPONSE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_an_endpoint_reporting_another_account_is_refused(impostor: str) -> None:
    with pytest.raises(UnsafeTarget) as raised:
        Target(impostor).check_account()
    assert str(raised.value).splitlines()[0] == (
        "refusing to deploy: the endpoint reports account 123456789012, not LocalStack's test account 000000000000")


# --- The endpoint: a strict parse, and the very value botocore connects to (issue 12, item 2) ----------------------
PROJECT_ROOT = Path(__file__).resolve().parents[3]
SERVICES = ("sts", "dynamodb", "s3", "iam", "lambda", "logs", "stepfunctions", "cognito-idp")


def app(*arguments: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "app.py", *arguments], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without endpoint, credential or proxy settings, plus ``extra``."""
    dropped = ("LOCALSTACK_ENDPOINT", "AWS_", "ORATIO_LOCAL_HOSTS")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped) and k.lower() not in PROXY_NAMES}
    return {**env, **extra}


PROXY_NAMES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


class Counter:
    """A local HTTP server that counts what reaches it (as a proxy or as an endpoint) and answers 502."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        counter = self
        self.requests: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def handle_one_request(self) -> None:
                line = self.rfile.readline(65537)
                if line:
                    counter.requests.append(line.decode(errors="replace").strip())
                    self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize(("value", "normalised"), [
    ("http://127.0.0.1:4566", "http://127.0.0.1:4566"),
    ("http://127.0.0.1:4566/", "http://127.0.0.1:4566"),
    ("HTTP://127.0.0.1:4566", "http://127.0.0.1:4566"),
    ("http://127.0.0.2:4566", "http://127.0.0.2:4566"),  # all of 127.0.0.0/8 is loopback
    ("http://localhost:4566", "http://127.0.0.1:4566"),  # never resolved: the hosts file could remap it
    ("http://LocalHost:4566/", "http://127.0.0.1:4566"),
    ("https://[::1]:4566", "https://[::1]:4566"),
    ("http://127.0.0.1", "http://127.0.0.1"),
])
def test_an_endpoint_is_normalised_to_scheme_host_and_port(value: str, normalised: str) -> None:
    assert parse_endpoint(value) == normalised


@pytest.mark.parametrize(("value", "first_line"), [
    # the three: botocore would have connected to the host before the backslash, or resolved the name
    ("http://evil.com\\@127.0.0.1:4566", "refusing to deploy: LOCALSTACK_ENDPOINT='http://evil.com\\\\@127.0.0.1:4566' "
     "holds '@', '\\\\': an endpoint is scheme://host:port only (no user info, escapes, paths, queries or spaces)"),
    ("http://127.0.0.2:4566\\@127.0.0.1:4566", "refusing to deploy: LOCALSTACK_ENDPOINT='http://127.0.0.2:4566\\\\@"
     "127.0.0.1:4566' holds '@', '\\\\': an endpoint is scheme://host:port only (no user info, escapes, paths, "
     "queries or spaces)"),
    ("http://evil.localhost:4566", "refusing to deploy: LOCALSTACK_ENDPOINT names evil.localhost, which is not a "
     "local host (only loopback, localhost, or hosts declared local)"),
    ("http://user:pw@127.0.0.1:4566", "refusing to deploy: LOCALSTACK_ENDPOINT='http://user:pw@127.0.0.1:4566' holds "
     "'@': an endpoint is scheme://host:port only (no user info, escapes, paths, queries or spaces)"),
    ("http://127.0.0.1:4566/x/..", "refusing to deploy: LOCALSTACK_ENDPOINT='http://127.0.0.1:4566/x/..' has a path "
     "('/x/..'): an endpoint is scheme://host:port only"),
    ("http://127.0.0.1:4566?x=1", "refusing to deploy: LOCALSTACK_ENDPOINT='http://127.0.0.1:4566?x=1' holds '=', "
     "'?': an endpoint is scheme://host:port only (no user info, escapes, paths, queries or spaces)"),
    ("http://127.0.0.1:4566#x", "refusing to deploy: LOCALSTACK_ENDPOINT='http://127.0.0.1:4566#x' holds '#': an "
     "endpoint is scheme://host:port only (no user info, escapes, paths, queries or spaces)"),
    ("http://127.0.0.1:4566\t", "refusing to deploy: LOCALSTACK_ENDPOINT='http://127.0.0.1:4566\\t' holds '\\t': an "
     "endpoint is scheme://host:port only (no user info, escapes, paths, queries or spaces)"),
    ("http://127.0.0.1%2f:4566", "refusing to deploy: LOCALSTACK_ENDPOINT='http://127.0.0.1%2f:4566' holds '%': an "
     "endpoint is scheme://host:port only (no user info, escapes, paths, queries or spaces)"),
    ("http://127.1:4566", "refusing to deploy: LOCALSTACK_ENDPOINT names 127.1, which is not a local host (only "
     "loopback, localhost, or hosts declared local)"),  # a short form the resolver, not ipaddress, would accept
    ("http://localhost.:4566", "refusing to deploy: LOCALSTACK_ENDPOINT names localhost., which is not a local host "
     "(only loopback, localhost, or hosts declared local)"),
    ("http://127.0.0.1:0", "refusing to deploy: LOCALSTACK_ENDPOINT='http://127.0.0.1:0' has no valid port "
     "(1-65535)"),
    ("ftp://127.0.0.1:4566", "refusing to deploy: 'ftp://127.0.0.1:4566' is not an http(s) endpoint URL"),
    ("http:127.0.0.1:4566", "refusing to deploy: 'http:127.0.0.1:4566' is not an http(s) endpoint URL"),
])
def test_hostile_endpoints_are_refused_in_one_line(value: str, first_line: str) -> None:
    with pytest.raises(UnsafeTarget) as raised:
        parse_endpoint(value, source="LOCALSTACK_ENDPOINT")
    assert str(raised.value).splitlines()[0] == first_line


def test_a_localhost_subdomain_is_accepted_only_when_declared() -> None:
    assert parse_endpoint("http://ls.localhost:4566", ("ls.localhost",)) == "http://ls.localhost:4566"
    assert parse_endpoint("http://localhost:4566", ("localhost",)) == "http://localhost:4566"  # declared: as is


def test_the_backslash_trick_sends_nothing_to_either_host() -> None:
    """The issue saw 85 requests reach 127.0.0.2 through 'http://127.0.0.2:P\\@127.0.0.1:P': now neither host gets
    one, and the command ends in one line before starting anything."""
    real, decoy = Counter("127.0.0.1"), Counter("127.0.0.2")
    try:
        value = f"http://127.0.0.2:{decoy.port}\\@127.0.0.1:{real.port}"
        result = app("up", "--stage", "trick", env=clean_env(LOCALSTACK_ENDPOINT=value), timeout=60)
    finally:
        real.close()
        decoy.close()
    assert result.returncode == 1
    assert result.stderr.splitlines()[0].startswith(f"error: refusing to deploy: LOCALSTACK_ENDPOINT={value!r} holds")
    assert "Traceback" not in result.stderr
    assert real.requests == [] and decoy.requests == []


def test_every_client_connects_to_the_checked_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client is handed the normalised URL and uses exactly it, whatever the endpoint variables of botocore
    say (an explicit endpoint wins over AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>)."""
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.9:1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.9:2")
    target = Target("http://localhost:4612/")
    for service in SERVICES:
        assert target.client(service).meta.endpoint_url == "http://127.0.0.1:4612", service
    # without an explicit endpoint botocore would honour the per-service variable: why oratio checks it too
    bare = boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t", region_name="us-east-1")
    assert bare.client("dynamodb").meta.endpoint_url == "http://127.0.0.9:2"


@pytest.mark.parametrize(("environ", "first_line"), [
    ({"AWS_ENDPOINT_URL_S3": "https://s3.amazonaws.com"}, "refusing to deploy: AWS_ENDPOINT_URL_S3 names "
     "s3.amazonaws.com, which is not a local host (only loopback, localhost, or hosts declared local)"),
    ({"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:9999"}, "refusing to deploy: AWS_ENDPOINT_URL_DYNAMODB names "
     "http://127.0.0.1:9999, but oratio sends every service to http://127.0.0.1:4566"),
    ({"AWS_ENDPOINT_URL": "http://127.0.0.1:9999", "LOCALSTACK_ENDPOINT": "http://127.0.0.1:4566"},
     "refusing to deploy: LOCALSTACK_ENDPOINT (http://127.0.0.1:4566) and AWS_ENDPOINT_URL (http://127.0.0.1:9999) "
     "name different endpoints"),
])
def test_other_endpoint_variables_are_checked_too(environ: dict[str, str], first_line: str) -> None:
    assert refusal(Target("http://127.0.0.1:4566"), environ) == first_line


def test_endpoint_variables_naming_the_same_endpoint_are_accepted() -> None:
    Target("http://127.0.0.1:4566").check_endpoint({"AWS_ENDPOINT_URL_S3": "http://localhost:4566/",
                                                    "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
                                                    "LOCALSTACK_ENDPOINT": "http://localhost:4566"})


def test_proxy_variables_are_ignored(localstack: Any) -> None:
    """With every proxy variable pointing at a local proxy, a whole up (code bundles included) sends it nothing;
    a client built the ordinary way, in the same environment, does go through it (the proxy works)."""
    proxy = Counter()
    address = f"http://127.0.0.1:{proxy.port}"
    proxies = {name: address for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
               for name in (variable, variable.lower())}
    try:
        result = app("up", "--stage", "proxied", env=clean_env(LOCALSTACK_ENDPOINT=localstack.url, **proxies))
        assert result.returncode == 0, result.stderr
        assert "applied" in result.stdout or "no changes" in result.stdout
        assert proxy.requests == []
        probe = subprocess.run(
            [sys.executable, "-c", "import boto3\ns = boto3.session.Session(aws_access_key_id='t', "
             "aws_secret_access_key='t', region_name='us-east-1')\n"
             f"try: s.client('sts', endpoint_url={localstack.url!r}).get_caller_identity()\nexcept Exception: pass"],
            env=clean_env(**proxies), capture_output=True, text=True, timeout=60)
        assert probe.returncode == 0, probe.stderr
    finally:
        proxy.close()
    assert proxy.requests and proxy.requests[0].startswith(f"POST {localstack.url}/")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_real_credentials_are_refused_before_localstack_is_started(tmp_path: Path) -> None:
    """AWS_PROFILE=prod with LocalStack stopped: the refusal comes first (it used to start LocalStack, then fail
    with ProfileNotFound). Nothing is installed, started or asked."""
    port = free_port()
    env = clean_env(AWS_PROFILE="prod", ORATIO_HOME=str(tmp_path / "home"), ORATIO_LOCALSTACK_PORT=str(port))
    for verb in ("up", "preview", "destroy", "outputs"):
        result = app(verb, env=env, timeout=60)
        assert result.returncode == 1, verb
        assert result.stderr.splitlines() == [
            "error: refusing to deploy: AWS_PROFILE is set, and would lend real AWS credentials",
            "  hint: unset AWS_PROFILE for local runs"], verb
    assert not (tmp_path / "home").exists()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens there
