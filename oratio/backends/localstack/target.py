"""Where the LocalStack backend deploys, and the checks that keep it from ever touching real AWS.

cdklocal once sent deploys to real AWS when its endpoint settings were not picked up
(localstack/aws-cdk-local#103). Here every client is built from one ``Target`` with explicit dummy credentials,
no proxy, and an explicit endpoint that went through ``parse_endpoint``: a strict parse (http or https, a host
and a port, nothing else) whose normalised result is the very string botocore is given, and which each client is
checked to use. The host must be a loopback IP literal, ``localhost`` (connected to as 127.0.0.1, so the hosts
file cannot send it elsewhere), or a host the user declares local: no other name is ever resolved.
``check_environment`` refuses, before anything is started or asked, an environment that would lend real
credentials or name another endpoint; ``Target.check_account`` refuses an endpoint that is not LocalStack.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import string
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from typing import Any, TypeVar
from urllib.parse import urlsplit

import attrs

from oratio.errors import OratioError
from oratio.model.permissions import Place

LOCALSTACK_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"
# Hosts besides loopback that the user declares local (e.g. a LocalStack container on a laptop's bridge).
LOCAL_HOSTS_VARIABLE = "ORATIO_LOCAL_HOSTS"
# Where the user names their own LocalStack, in this order.
ENDPOINT_VARIABLES = ("LOCALSTACK_ENDPOINT", "AWS_ENDPOINT_URL")
# botocore's per-service endpoint variables (AWS_ENDPOINT_URL_DYNAMODB, ...): oratio's clients are given their
# endpoint explicitly, which wins over these, so one naming another endpoint would be silently ignored: refused.
SERVICE_ENDPOINT_PREFIX = "AWS_ENDPOINT_URL_"
# Variables through which boto3 would pick up real credentials: their presence alone is refused.
CREDENTIAL_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
# An endpoint is scheme://host[:port][/]: these characters only. No '@' (user info), backslash, '%', '?', '#',
# whitespace, control or non-ASCII characters (IDNA look-alikes) can reach the parser.
ENDPOINT_CHARACTERS = frozenset(string.ascii_letters + string.digits + ".-:/[]")
ENDPOINT_EXAMPLE = "http://127.0.0.1:4566"
_ACTIVE = "\0reading"  # the read cache's mark that a plan is reading
T = TypeVar("T")


class UnsafeTarget(OratioError):
    """The endpoint or the environment could reach real AWS: nothing was changed."""


def declared_local_hosts(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    env = os.environ if environ is None else environ
    return tuple(h.strip().lower() for h in env.get(LOCAL_HOSTS_VARIABLE, "").split(",") if h.strip())


def is_local_host(host: str, declared: tuple[str, ...] = ()) -> bool:
    """A loopback IP literal (127.0.0.0/8, ::1), ``localhost`` itself, or a host the user declared local.
    ``*.localhost`` names are not: they would be resolved through the network's DNS."""
    if host == "localhost" or host in declared:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_endpoint(value: str, declared: tuple[str, ...] = (), source: str = "the endpoint") -> str:
    """The endpoint as ``scheme://host[:port]``, normalised from a strict parse; ``UnsafeTarget`` for anything
    else. ``localhost`` becomes 127.0.0.1 (the hosts file could map the name elsewhere)."""
    hint = f"set {source} to LocalStack's address, e.g. {ENDPOINT_EXAMPLE}"
    odd = sorted({c for c in value if c not in ENDPOINT_CHARACTERS})
    if odd:
        shown = ", ".join(repr(c) for c in odd)
        raise UnsafeTarget(f"refusing to deploy: {source}={value!r} holds {shown}: an endpoint is scheme://host:port "
                           "only (no user info, escapes, paths, queries or spaces)", hint)
    try:
        parts = urlsplit(value)
    except ValueError:  # an unbalanced IPv6 bracket
        raise UnsafeTarget(f"refusing to deploy: {value!r} is not an http(s) endpoint URL", hint) from None
    if parts.scheme.lower() not in ("http", "https") or not value.lower().startswith(f"{parts.scheme.lower()}://") \
            or not parts.hostname:
        raise UnsafeTarget(f"refusing to deploy: {value!r} is not an http(s) endpoint URL", hint)
    if parts.path not in ("", "/"):
        raise UnsafeTarget(f"refusing to deploy: {source}={value!r} has a path ({parts.path!r}): an endpoint is "
                           "scheme://host:port only", hint)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:
        raise UnsafeTarget(f"refusing to deploy: {source}={value!r} has no valid port (1-65535)", hint)
    host = parts.hostname  # lower-cased by urlsplit, brackets of an IPv6 literal removed
    bracketed = parts.netloc.startswith("[")
    if bracketed != (":" in host):
        raise UnsafeTarget(f"refusing to deploy: {source}={value!r}: an IPv6 host goes in brackets, nothing else "
                           "does", hint)
    if not is_local_host(host, declared):
        raise UnsafeTarget(f"refusing to deploy: {source} names {host}, which is not a local host (only loopback, "
                           "localhost, or hosts declared local)",
                           f"if {host} really is your LocalStack, add it to {LOCAL_HOSTS_VARIABLE}")
    if host == "localhost" and "localhost" not in declared:
        host = "127.0.0.1"
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme.lower()}://{netloc}" + (f":{port}" if port is not None else "")


def user_endpoint(environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """``(variable, normalised endpoint)`` of the user's own LocalStack when they name one; two variables naming
    different endpoints are refused (which one was meant?)."""
    env = os.environ if environ is None else environ
    declared = declared_local_hosts(env)
    named = [(name, parse_endpoint(env[name], declared, name)) for name in ENDPOINT_VARIABLES if env.get(name)]
    if len({url for _, url in named}) > 1:
        (first, first_url), (second, second_url) = named[:2]
        raise UnsafeTarget(f"refusing to deploy: {first} ({first_url}) and {second} ({second_url}) name different "
                           "endpoints", "unset one of them, or make them the same")
    return named[0] if named else None


def check_environment(endpoint: str, environ: Mapping[str, str] | None = None) -> None:
    """Refuse, before anything is started or asked: real credentials in the environment, or a per-service
    endpoint variable naming anything but ``endpoint`` (the normalised endpoint every client uses)."""
    env = os.environ if environ is None else environ
    declared = declared_local_hosts(env)
    for name in sorted(n for n in env if n.startswith(SERVICE_ENDPOINT_PREFIX) and env[n]):
        url = parse_endpoint(env[name], declared, name)
        if url != endpoint:
            raise UnsafeTarget(f"refusing to deploy: {name} names {url}, but oratio sends every service to "
                               f"{endpoint}", f"unset {name} (or point it at {endpoint})")
    user_endpoint(env)  # both endpoint variables parse, and agree
    present = [name for name in CREDENTIAL_VARIABLES if env.get(name)]
    if present:
        raise UnsafeTarget(f"refusing to deploy: {', '.join(present)} is set, and would lend real AWS "
                           "credentials", f"unset {' and '.join(present)} for local runs")


@attrs.frozen
class Target:
    """A LocalStack endpoint and region; builds every boto3 client the backend uses."""

    endpoint: str
    region: str = DEFAULT_REGION
    _clients: dict[str, Any] = attrs.field(factory=dict, eq=False, repr=False, alias="_clients")
    _lock: threading.Lock = attrs.field(factory=threading.Lock, eq=False, repr=False, alias="_lock")
    _session: list[Any] = attrs.field(factory=list, eq=False, repr=False, alias="_session")
    # While a plan reads (``reading``): listings that several resources' reads need, asked once (``once``).
    _read_cache: dict[str, Any] = attrs.field(factory=dict, eq=False, repr=False, alias="_read_cache")

    @property
    def place(self) -> Place:
        return Place("aws", self.region, LOCALSTACK_ACCOUNT)

    def client(self, service: str) -> Any:
        """One client per service, shared by threads (clients are thread-safe; a session is not, so clients
        are made under a lock, from one session whose loader caches the service models they share).

        The endpoint botocore is given is the normalised result of ``parse_endpoint``, and the client is checked
        to use exactly that. Proxy variables (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY) are ignored: an explicit empty
        ``proxies`` stops botocore from reading them, so no request, code bundles included, goes through a proxy.
        The session does not read AWS_PROFILE (``check_environment`` refuses it; ``localstack start`` still works).
        """
        made = self._clients.get(service)  # no lock once made: a thread making another service's client
        if made is not None:              # does not hold up calls on this one
            return made
        with self._lock:
            if service not in self._clients:
                import botocore.session  # not boto3: nothing here needs its resources, and it costs ~0.1 s to import
                from botocore.config import Config

                endpoint = parse_endpoint(self.endpoint, declared_local_hosts())
                if not self._session:
                    self._session.append(botocore.session.Session(session_vars={"profile": (None, None, None, None)}))
                client = self._session[0].create_client(
                    service, region_name=self.region, endpoint_url=endpoint, aws_access_key_id="test",
                    aws_secret_access_key="test",
                    config=Config(retries={"max_attempts": 3, "mode": "standard"}, max_pool_connections=32,
                                  connect_timeout=5, read_timeout=120, s3={"addressing_style": "path"}, proxies={}))
                if client.meta.endpoint_url != endpoint:
                    raise UnsafeTarget(f"refusing to deploy: botocore would connect {service} to "
                                       f"{client.meta.endpoint_url}, not to the checked endpoint {endpoint}",
                                       "report this to oratio's maintainers with your botocore version")
                self._clients[service] = client
            return self._clients[service]

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """The read pass of a plan: within it, ``once`` answers each key with one call, however many reads ask
        (a user pool's listing, wanted by the pool, its clients and an API's authorizer); after it, every call is
        made again (an apply must see what its own changes did)."""
        with self._lock:
            self._read_cache.clear()
            self._read_cache[_ACTIVE] = True
        try:
            yield
        finally:
            with self._lock:
                self._read_cache.clear()

    def once(self, key: str, call: Callable[[], T]) -> T:
        """``call()``, or while ``reading``, the answer the first caller of ``key`` got (callers meanwhile wait
        for it, rather than asking again; a failure is raised to each of them)."""
        with self._lock:
            reading = _ACTIVE in self._read_cache
            answer: Future[T] | None = self._read_cache.get(key) if reading else None
            first = answer is None
            if reading and answer is None:
                answer = self._read_cache[key] = Future()
        if answer is None:
            return call()
        if first:
            try:
                answer.set_result(call())
            except BaseException as error:
                answer.set_exception(error)
        return answer.result()

    def check_endpoint(self, environ: Mapping[str, str] | None = None) -> None:
        """Refuse before any request: an endpoint that does not parse strictly or is not local, or an
        environment that would lend real credentials or name another endpoint (``check_environment``)."""
        env = os.environ if environ is None else environ
        check_environment(parse_endpoint(self.endpoint, declared_local_hosts(env)), env)

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
