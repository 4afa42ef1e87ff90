"""The LocalStack backend refuses, before any change, whatever could reach real AWS."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from oratio.backends.localstack.target import Target, UnsafeTarget

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
        "refusing to deploy: dynamodb.us-east-1.amazonaws.com is not a local host (only loopback, localhost, "
        "or hosts declared local)")


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
