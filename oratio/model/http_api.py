"""HTTP APIs (API Gateway v2): routes to functions of the system, a JWT authorizer from one of its user pools,
CORS, throttling and access logs.

Routes are protected by default: a route answers only requests bearing a valid token of the API's authorizer,
unless it says ``public=True`` with the reason why no sign-in is needed (the reason reaches cdk-nag's
acknowledgement). The authorizer names a user pool and app clients of the system: its issuer
(``https://cognito-idp.{region}.amazonaws.com/{poolId}``) and audience (the clients' ids) are derived by the
backends from the pool they deploy, never typed. The API has one stage, ``$default``, deployed automatically.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from typing import Any

import attrs

from oratio.model import rules
from oratio.model.common import (
    Validated,
    check_exemptions,
    check_identifier,
    check_int_range,
    check_items,
    check_nested,
    check_type,
    exemptions_field,
    to_tuple,
)
from oratio.model.errors import Problem

DEFAULT_ROUTE = "$default"
DEFAULT_STAGE = "$default"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
CORS_METHODS = (*METHODS[:-1], "*")
# The header the authorizer reads the token from (API Gateway's identity source syntax).
IDENTITY_SOURCE = "$request.header.Authorization"
# What an access log line holds: the request, the route, the caller and the outcome (no bodies, no tokens).
ACCESS_LOG_FORMAT = ('{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
                     '"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod",'
                     '"routeKey":"$context.routeKey","status":"$context.status",'
                     '"protocol":"$context.protocol","responseLength":"$context.responseLength",'
                     '"integrationError":"$context.integrationErrorMessage",'
                     '"authorizerError":"$context.authorizer.error","sub":"$context.authorizer.claims.sub"}')

_PARAMETER = re.compile(r"\{([^{}]*)\}")
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


class Method(enum.StrEnum):
    GET = "GET"
    POST = "POST"
    PUT = "PUT"
    PATCH = "PATCH"
    DELETE = "DELETE"
    HEAD = "HEAD"
    OPTIONS = "OPTIONS"
    ANY = "ANY"


def issuer(region: str, pool_id: str) -> str:
    """The issuer of a Cognito user pool's tokens (the ``iss`` claim), as the JWT authorizer expects it."""
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


def split_route_key(key: str) -> tuple[str, str]:
    """``GET /agents/{agentId}`` to (``GET``, ``/agents/{agentId}``); ``$default`` to (``ANY``, ``$default``)."""
    if key == DEFAULT_ROUTE:
        return "ANY", DEFAULT_ROUTE
    method, _, path = key.partition(" ")
    return method, path


def source_path(path: str) -> str:
    """A route's path as it appears in the execute-api ARN API Gateway invokes with: each path variable (greedy
    or not) a ``*``, since the ARN holds the requested path (``/agents/*`` for ``/agents/{agentId}``)."""
    if path == DEFAULT_ROUTE:
        return "/*"
    return "/".join("*" if _PARAMETER.fullmatch(segment) else segment for segment in path.split("/"))


@attrs.frozen
class Route(Validated):
    """``key`` is API Gateway's route key: ``METHOD /path`` (``GET /agents/{agentId}``, ``ANY /files/{proxy+}``)
    or ``$default``, which catches what no other route matches. ``function`` names a function of the system.

    ``public``: the route needs no token (default False: protected by the API's authorizer); a public route
    gives ``reason``, the reason no sign-in is needed.
    """

    _subject = "route"
    key: str
    function: str
    public: bool = False
    reason: str | None = None

    @property
    def method(self) -> str:
        return split_route_key(self.key)[0]

    @property
    def path(self) -> str:
        return split_route_key(self.key)[1]

    @property
    def path_parameters(self) -> tuple[str, ...]:
        """The names of the route's path variables (``proxy`` for ``{proxy+}``)."""
        return tuple(name.rstrip("+") for name in _PARAMETER.findall(self.path))

    @property
    def shape(self) -> str:
        """The key with its variables' names erased: two routes of one shape are the same route to API Gateway."""
        return _PARAMETER.sub(lambda m: "{+}" if m.group(1).endswith("+") else "{}", self.key)

    def problems(self) -> Iterator[Problem]:
        if not isinstance(self.key, str):
            yield Problem("key", rules.TYPE, f"expected a route key such as 'GET /items/{{id}}', got {self.key!r}")
        else:
            yield from _route_key_problems(self.key)
        yield from check_identifier("function", self.function, rules.LOGICAL)
        yield from check_type("public", self.public, bool, "True or False")
        if self.public is True and not (isinstance(self.reason, str)
                                        and len(self.reason.strip()) in rules.REASON_LENGTH):
            yield Problem("reason", rules.API_ROUTE_AUTH,
                          f"a public route needs a reason ({rules.REASON_LENGTH.bounds}) saying why no sign-in "
                          "is needed")


def _route_key_problems(key: str) -> Iterator[Problem]:
    if key == DEFAULT_ROUTE:
        return
    method, space, path = key.partition(" ")
    if not space or method not in METHODS:
        yield Problem("key", rules.API_ROUTE_KEY,
                      f"{key!r} is not '$default' nor 'METHOD /path' with METHOD one of {', '.join(METHODS)}")
        return
    if not path.startswith("/"):
        yield Problem("key", rules.API_ROUTE_KEY, f"the path of {key!r} must start with '/'")
        return
    if len(path) > 1 and path.endswith("/"):
        yield Problem("key", rules.API_ROUTE_KEY, f"the path of {key!r} must not end with '/'")
        return
    segments = path[1:].split("/") if path != "/" else []
    names: set[str] = set()
    for index, segment in enumerate(segments):
        if not segment:
            yield Problem("key", rules.API_ROUTE_KEY, f"the path of {key!r} has an empty segment ('//')")
            continue
        variable = _PARAMETER.fullmatch(segment)
        if variable is None:
            if "{" in segment or "}" in segment:
                yield Problem("key", rules.API_PATH_VARIABLE,
                              f"{segment!r} in {key!r}: a path variable is a whole segment, '{{name}}'")
            elif not rules.API_PATH_SEGMENT_PATTERN.fullmatch(segment):
                yield Problem("key", rules.API_ROUTE_KEY,
                              f"{segment!r} in {key!r} has characters a path segment cannot have; allowed: "
                              f"{rules.API_PATH_SEGMENT_TEXT}")
            continue
        name = variable.group(1)
        greedy = name.endswith("+")
        name = name.removesuffix("+")
        if not rules.API_PATH_VARIABLE_PATTERN.fullmatch(name):
            yield Problem("key", rules.API_PATH_VARIABLE,
                          f"path variable {name!r} in {key!r}: use {rules.API_PATH_VARIABLE_TEXT}")
        elif name in names:
            yield Problem("key", rules.API_PATH_VARIABLE, f"path variable {name!r} appears twice in {key!r}")
        names.add(name)
        if greedy and index != len(segments) - 1:
            yield Problem("key", rules.API_GREEDY_LAST,
                          f"greedy variable {{{name}+}} in {key!r} must be the path's last segment")


@attrs.frozen
class JwtAuthorizer(Validated):
    """A JWT authorizer for a user pool of the system: tokens its app clients ``clients`` were issued are
    accepted (ID tokens by ``aud``, access tokens by ``client_id``). Issuer and audience are derived."""

    _subject = "authorizer"
    user_pool: str
    clients: tuple[str, ...] = attrs.field(converter=to_tuple)

    def problems(self) -> Iterator[Problem]:
        yield from check_identifier("user_pool", self.user_pool, rules.LOGICAL)
        if not isinstance(self.clients, tuple) or len(self.clients) not in rules.API_AUDIENCES:
            yield Problem("clients", rules.API_AUTHORIZER,
                          f"name {rules.API_AUDIENCES.bounds} of the pool's app clients (the audience)")
            return
        for index, client in enumerate(self.clients):
            yield from check_identifier(f"clients[{index}]", client, rules.LOGICAL)


@attrs.frozen
class Cors(Validated):
    """What browsers on other origins may call. API Gateway answers preflight requests itself and adds these
    headers to every response (ignoring the functions' own CORS headers)."""

    _subject = "CORS configuration"
    origins: tuple[str, ...] = attrs.field(converter=to_tuple)
    methods: tuple[str, ...] = attrs.field(default=("GET", "POST", "PUT", "PATCH", "DELETE"), converter=to_tuple)
    headers: tuple[str, ...] = attrs.field(default=("authorization", "content-type"), converter=to_tuple)
    expose_headers: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
    max_age_s: int = 300
    credentials: bool = False

    def problems(self) -> Iterator[Problem]:
        if not isinstance(self.origins, tuple) or not self.origins:
            yield Problem("origins", rules.API_CORS, "name at least one origin ('https://app.example.com' or '*')")
        else:
            for index, origin in enumerate(self.origins):
                if not (origin == "*" or (isinstance(origin, str) and _ORIGIN.fullmatch(origin))):
                    yield Problem(f"origins[{index}]", rules.API_CORS,
                                  f"{origin!r} is not an origin: '*' or scheme://host[:port], no path")
            if self.credentials is True and "*" in self.origins:
                yield Problem("origins", rules.API_CORS,
                              "'*' is not allowed with credentials=True: name the origins")
        if isinstance(self.methods, tuple):
            for index, method in enumerate(self.methods):
                if method not in CORS_METHODS:
                    yield Problem(f"methods[{index}]", rules.API_CORS,
                                  f"{method!r} is not one of {', '.join(CORS_METHODS)}")
        for field in ("methods", "headers", "expose_headers"):
            value = getattr(self, field)
            if not isinstance(value, tuple) or not all(isinstance(v, str) and v for v in value):
                yield Problem(field, rules.TYPE, f"expected a list of non-empty strings, got {value!r}")
        yield from check_int_range("max_age_s", self.max_age_s, rules.API_CORS_MAX_AGE, rules.API_CORS)
        yield from check_type("credentials", self.credentials, bool, "True or False")


@attrs.frozen
class Throttling(Validated):
    """The ``$default`` stage's limits for every route: ``burst`` requests at once and ``rate`` a second on
    average, beyond which API Gateway answers 429. Defaults are modest; the account's quota is the ceiling."""

    _subject = "throttling"
    burst: int = 200
    rate: int = 100

    def problems(self) -> Iterator[Problem]:
        yield from check_int_range("burst", self.burst, rules.API_BURST, rules.API_THROTTLING)
        yield from check_int_range("rate", self.rate, rules.API_RATE, rules.API_THROTTLING)


@attrs.frozen
class HttpApi(Validated):
    """An HTTP API (API Gateway v2) with Lambda proxy integrations (payload format 2.0), a ``$default`` stage
    with ``throttling`` and, unless ``access_logs`` is False, access logs in its own log group."""

    _subject = "HTTP API"
    name: str
    routes: tuple[Route, ...] = attrs.field(converter=to_tuple)
    authorizer: JwtAuthorizer | None = None
    cors: Cors | None = None
    throttling: Throttling = Throttling()
    access_logs: bool = True
    description: str = ""
    exemptions: tuple[Any, ...] = exemptions_field()

    @property
    def functions(self) -> tuple[str, ...]:
        """The names of the functions behind the routes, each once, in route order."""
        return tuple(dict.fromkeys(route.function for route in self.routes))

    @property
    def protected_routes(self) -> tuple[Route, ...]:
        return tuple(route for route in self.routes if not route.public)

    def problems(self) -> Iterator[Problem]:
        yield from check_identifier("name", self.name, rules.LOGICAL)
        yield from check_items("routes", self.routes, Route, "a Route")
        if isinstance(self.routes, tuple):
            if len(self.routes) not in rules.API_ROUTES:
                yield Problem("routes", rules.API_ROUTE_COUNT,
                              f"{len(self.routes)} routes; an HTTP API has {rules.API_ROUTES.bounds}")
            seen: dict[str, str] = {}
            for index, route in enumerate(self.routes):
                if not isinstance(route, Route) or not isinstance(route.key, str):
                    continue
                if route.shape in seen:
                    yield Problem(f"routes[{index}].key", rules.API_ROUTE_UNIQUE,
                                  f"{route.key!r} is the same route as {seen[route.shape]!r}")
                seen.setdefault(route.shape, route.key)
            if self.authorizer is None:
                for index, route in enumerate(self.routes):
                    if isinstance(route, Route) and route.public is False:
                        yield Problem(f"routes[{index}]", rules.API_ROUTE_AUTH,
                                      f"route {route.key!r} is protected but the API has no authorizer: add one, "
                                      "or make the route public with a reason")
        yield from check_nested("authorizer", self.authorizer, JwtAuthorizer, "a JwtAuthorizer", optional=True)
        yield from check_nested("cors", self.cors, Cors, "a Cors", optional=True)
        yield from check_nested("throttling", self.throttling, Throttling, "a Throttling")
        yield from check_type("access_logs", self.access_logs, bool, "True or False")
        yield from check_type("description", self.description, str, "a string")
        yield from check_exemptions(self.exemptions)
