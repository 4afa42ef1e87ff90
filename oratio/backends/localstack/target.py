"""Where the LocalStack backend deploys, and the checks that keep it from ever touching real AWS.

cdklocal once sent deploys to real AWS when its endpoint settings were not picked up
(localstack/aws-cdk-local#103). Here every client is built from one ``Target`` with explicit dummy credentials
and an explicit endpoint, and ``Target.verify()`` refuses, before any change, an endpoint that is not local, an
account that is not LocalStack's, or an environment that would lend real credentials.
"""

from __future__ import annotations

import ipaddress
import os
import threading
from typing import Any
from urllib.parse import urlparse

import attrs

from oratio.errors import OratioError
from oratio.model.permissions import Place

LOCALSTACK_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"
# Hosts besides loopback that the user declares local (e.g. a LocalStack container on a laptop's bridge).
LOCAL_HOSTS_VARIABLE = "ORATIO_LOCAL_HOSTS"
# Variables through which boto3 would pick up real credentials: their presence alone is refused.
CREDENTIAL_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


class UnsafeTarget(OratioError):
    """The endpoint or the environment could reach real AWS: nothing was changed."""


def is_local_host(host: str, declared: tuple[str, ...] = ()) -> bool:
    if host in ("localhost", *declared) or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@attrs.frozen
class Target:
    """A LocalStack endpoint and region; builds every boto3 client the backend uses."""

    endpoint: str
    region: str = DEFAULT_REGION
    _clients: dict[str, Any] = attrs.field(factory=dict, eq=False, repr=False, alias="_clients")
    _lock: threading.Lock = attrs.field(factory=threading.Lock, eq=False, repr=False, alias="_lock")
    _session: list[Any] = attrs.field(factory=list, eq=False, repr=False, alias="_session")

    @property
    def place(self) -> Place:
        return Place("aws", self.region, LOCALSTACK_ACCOUNT)

    def client(self, service: str) -> Any:
        """One client per service, shared by threads (clients are thread-safe; a session is not, so clients
        are made under a lock, from one session whose loader caches the service models they share)."""
        with self._lock:
            if service not in self._clients:
                import boto3
                from botocore.config import Config

                if not self._session:
                    self._session.append(boto3.session.Session(aws_access_key_id="test",
                                                               aws_secret_access_key="test",
                                                               region_name=self.region))
                self._clients[service] = self._session[0].client(
                    service, endpoint_url=self.endpoint,
                    config=Config(retries={"max_attempts": 3, "mode": "standard"}, max_pool_connections=32,
                                  connect_timeout=5, read_timeout=120, s3={"addressing_style": "path"}))
            return self._clients[service]

    def check_endpoint(self, environ: dict[str, str] | None = None) -> None:
        """Refuse before any request: a non-local endpoint, or real credentials in the environment."""
        env = os.environ if environ is None else environ
        parsed = urlparse(self.endpoint)
        declared = tuple(h.strip() for h in env.get(LOCAL_HOSTS_VARIABLE, "").split(",") if h.strip())
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise UnsafeTarget(f"refusing to deploy: {self.endpoint!r} is not an http(s) endpoint URL",
                               "point LOCALSTACK_ENDPOINT at LocalStack, e.g. http://127.0.0.1:4566")
        if not is_local_host(parsed.hostname, declared):
            raise UnsafeTarget(f"refusing to deploy: {parsed.hostname} is not a local host (only loopback, "
                               "localhost, or hosts declared local)",
                               f"if {parsed.hostname} really is your LocalStack, add it to {LOCAL_HOSTS_VARIABLE}")
        present = [name for name in CREDENTIAL_VARIABLES if env.get(name)]
        if present:
            raise UnsafeTarget(f"refusing to deploy: {', '.join(present)} is set, and would lend real AWS "
                               "credentials", f"unset {' and '.join(present)} for local runs")

    def check_account(self) -> None:
        """Ask the endpoint who we are: LocalStack answers with its test account, real AWS never does."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            account = self.client("sts").get_caller_identity()["Account"]
        except (BotoCoreError, ClientError) as error:
            raise OratioError(f"LocalStack at {self.endpoint} does not answer: {error}",
                              "start it with 'python app.py localstack start', or check LOCALSTACK_ENDPOINT") from None
        if account != LOCALSTACK_ACCOUNT:
            raise UnsafeTarget(f"refusing to deploy: the endpoint reports account {account}, not LocalStack's "
                               f"test account {LOCALSTACK_ACCOUNT}", "point LOCALSTACK_ENDPOINT at LocalStack")

    def verify(self) -> None:
        self.check_endpoint()
        self.check_account()
