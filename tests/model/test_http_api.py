"""HTTP APIs: each rule at its boundary and just past it, with the exact error; the invoke permissions' source ARNs.

Expected messages and ARNs are written from AWS's documentation (routes, quotas, CORS, throttling, the
execute-api ARN format), not captured from the code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from oratio.model import (
    AppClient,
    Cors,
    Function,
    HttpApi,
    JwtAuthorizer,
    ModelError,
    Route,
    System,
    Throttling,
    UserPool,
)
from oratio.model.http_api import issuer, source_path
from oratio.model.permissions import InvokePermission, Place, api_permissions, function_permissions

AUTH = JwtAuthorizer("users", ["web"])


def errors_of(build: Callable[[], Any]) -> list[str]:
    with pytest.raises(ModelError) as raised:
        build()
    return [str(p) for p in raised.value.problems]


def api(*routes: Route, **changes: Any) -> HttpApi:
    return HttpApi("api", routes or (Route("GET /items", "items"),), **{"authorizer": AUTH, **changes})


def system(*apis: HttpApi, clients: tuple[str, ...] = ("web",)) -> System:
    return System("a", "dev", functions=[Function("items", "fn")],
                  user_pools=[UserPool("users", clients=[AppClient(c) for c in clients])], http_apis=apis)


class TestRouteKeys:
    @pytest.mark.parametrize("key", ["$default", "GET /", "ANY /{proxy+}", "GET /agents/{agentId}",
                                     "POST /agents/{agentId}/invoke", "DELETE /a/{b}/c/{d}",
                                     "OPTIONS /x", "HEAD /x.json", "PATCH /v1/items:batch", "ANY /files/{path+}"])
    def test_valid_keys(self, key: str) -> None:
        assert Route(key, "items").key == key

    @pytest.mark.parametrize("key, expected", [
        ("GET", "key: 'GET' is not '$default' nor 'METHOD /path' with METHOD one of GET, POST, PUT, PATCH, DELETE, "
                "HEAD, OPTIONS, ANY [H101]"),
        ("FETCH /x", "key: 'FETCH /x' is not '$default' nor 'METHOD /path' with METHOD one of GET, POST, PUT, PATCH, "
                     "DELETE, HEAD, OPTIONS, ANY [H101]"),
        ("get /x", "key: 'get /x' is not '$default' nor 'METHOD /path' with METHOD one of GET, POST, PUT, PATCH, "
                   "DELETE, HEAD, OPTIONS, ANY [H101]"),
        ("GET x", "key: the path of 'GET x' must start with '/' [H101]"),
        ("GET /x/", "key: the path of 'GET /x/' must not end with '/' [H101]"),
        ("GET /a//b", "key: the path of 'GET /a//b' has an empty segment ('//') [H101]"),
        ("GET /a b", "key: 'a b' in 'GET /a b' has characters a path segment cannot have; allowed: letters, digits "
                     "and ._~!$&'()*+,;=:@- [H101]"),
        ("$Default", "key: '$Default' is not '$default' nor 'METHOD /path' with METHOD one of GET, POST, PUT, PATCH, "
                     "DELETE, HEAD, OPTIONS, ANY [H101]"),
    ])
    def test_key_syntax(self, key: str, expected: str) -> None:
        assert errors_of(lambda: Route(key, "items")) == [expected]

    @pytest.mark.parametrize("key, expected", [
        ("GET /a{id}", "key: 'a{id}' in 'GET /a{id}': a path variable is a whole segment, '{name}' [H102]"),
        ("GET /{}", "key: path variable '' in 'GET /{}': use letters, digits, '_', '-' and '.' [H102]"),
        ("GET /{a b}", "key: path variable 'a b' in 'GET /{a b}': use letters, digits, '_', '-' and '.' [H102]"),
        ("GET /{id}/{id}", "key: path variable 'id' appears twice in 'GET /{id}/{id}' [H102]"),
    ])
    def test_path_variables(self, key: str, expected: str) -> None:
        assert errors_of(lambda: Route(key, "items")) == [expected]

    def test_greedy_variable_only_last(self) -> None:
        assert Route("GET /files/{path+}", "items").path_parameters == ("path",)
        assert errors_of(lambda: Route("GET /{proxy+}/x", "items")) == [
            "key: greedy variable {proxy+} in 'GET /{proxy+}/x' must be the path's last segment [H103]"]

    def test_unique_route_keys_whatever_the_variables_names(self) -> None:
        assert len(api(Route("GET /a/{x}", "items"), Route("POST /a/{x}", "items"),
                       Route("ANY /a/{x}", "items")).routes) == 3
        assert errors_of(lambda: api(Route("GET /a/{x}", "items"), Route("GET /a/{y}", "items"))) == [
            "routes[1].key: 'GET /a/{y}' is the same route as 'GET /a/{x}' [H104]"]

    def test_300_routes_at_most(self) -> None:
        routes = [Route(f"GET /r{i}", "items") for i in range(300)]
        assert len(api(*routes).routes) == 300
        assert errors_of(lambda: api(*routes, Route("GET /r300", "items"))) == [
            "routes: 301 routes; an HTTP API has 1-300 routes [H105]"]
        assert errors_of(lambda: HttpApi("api", [], authorizer=AUTH)) == [
            "routes: 0 routes; an HTTP API has 1-300 routes [H105]"]


class TestAuthorization:
    def test_routes_are_protected_by_default(self) -> None:
        assert api().protected_routes == api().routes
        assert errors_of(lambda: HttpApi("api", [Route("GET /items", "items")])) == [
            "routes[0]: route 'GET /items' is protected but the API has no authorizer: add one, or make the route "
            "public with a reason [H106]"]

    def test_a_public_route_gives_its_reason(self) -> None:
        public = Route("GET /health", "items", public=True, reason="a load balancer's health check signs in nowhere")
        assert HttpApi("api", [public]).protected_routes == ()
        assert errors_of(lambda: Route("GET /health", "items", public=True, reason="health")) == [
            "reason: a public route needs a reason (at least 10 characters) saying why no sign-in is needed [H106]"]

    def test_route_function_of_the_system(self) -> None:
        assert system(api()).http_api("api").functions == ("items",)
        assert errors_of(lambda: system(api(Route("GET /x", "other")))) == [
            "http_apis['api'].routes[0].function: function 'other' is not defined in this system [H107]"]

    def test_authorizer_pool_and_clients_of_the_system(self) -> None:
        assert errors_of(lambda: system(api(authorizer=JwtAuthorizer("nobody", ["web"])))) == [
            "http_apis['api'].authorizer.user_pool: user pool 'nobody' is not defined in this system [H108]"]
        assert errors_of(lambda: system(api(authorizer=JwtAuthorizer("users", ["web", "cli"])))) == [
            "http_apis['api'].authorizer.clients[1]: user pool 'users' has no app client 'cli' [H108]"]

    def test_one_to_fifty_audiences(self) -> None:
        names = [f"c{i}" for i in range(50)]
        assert len(system(api(authorizer=JwtAuthorizer("users", names)), clients=tuple(names)).http_apis) == 1
        assert errors_of(lambda: JwtAuthorizer("users", [*names, "c50"])) == [
            "clients: name 1-50 of the pool's app clients (the audience) [H108]"]
        assert errors_of(lambda: JwtAuthorizer("users", [])) == [
            "clients: name 1-50 of the pool's app clients (the audience) [H108]"]

    def test_issuer_is_derived_from_the_pool(self) -> None:
        assert issuer("eu-west-1", "eu-west-1_Abc") == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc"


class TestCors:
    def test_credentials_need_named_origins(self) -> None:
        assert Cors(["https://app.example.com"], credentials=True).credentials is True
        assert Cors(["*"]).origins == ("*",)
        assert errors_of(lambda: Cors(["*"], credentials=True)) == [
            "origins: '*' is not allowed with credentials=True: name the origins [H109]"]

    @pytest.mark.parametrize("origin", ["app.example.com", "https://app.example.com/", "ftp://x", "https://a/b"])
    def test_origins_are_scheme_host_port(self, origin: str) -> None:
        assert errors_of(lambda: Cors([origin])) == [
            f"origins[0]: {origin!r} is not an origin: '*' or scheme://host[:port], no path [H109]"]

    def test_methods(self) -> None:
        assert Cors(["*"], methods=["*"]).methods == ("*",)
        assert errors_of(lambda: Cors(["*"], methods=["GET", "ANY"])) == [
            "methods[1]: 'ANY' is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, * [H109]"]

    def test_max_age_minus_one_to_one_day(self) -> None:
        assert Cors(["*"], max_age_s=86_400).max_age_s == 86_400
        assert Cors(["*"], max_age_s=-1).max_age_s == -1
        assert errors_of(lambda: Cors(["*"], max_age_s=86_401)) == [
            "max_age_s: 86401 s is outside -1-86400 s [H109]"]


class TestThrottling:
    def test_within_the_accounts_quotas(self) -> None:
        assert Throttling(burst=5_000, rate=10_000) == Throttling(5_000, 10_000)
        assert Throttling(burst=0, rate=0).rate == 0
        assert errors_of(lambda: Throttling(burst=5_001, rate=10_001)) == [
            "burst: 5001 requests is outside 0-5000 requests [H110]",
            "rate: 10001 requests/s is outside 0-10000 requests/s [H110]"]


class TestInvokePermissions:
    """The execute-api ARN: arn:{partition}:execute-api:{region}:{account}:{api-id}/{stage}/{METHOD}/{path}."""

    PLACE = Place("aws", "eu-west-1", "111122223333")

    @pytest.mark.parametrize("key, tail", [
        ("GET /agents", "abc123/*/GET/agents"),
        ("GET /agents/{agentId}", "abc123/*/GET/agents/*"),
        ("POST /agents/{agentId}/invoke", "abc123/*/POST/agents/*/invoke"),
        ("ANY /files/{proxy+}", "abc123/*/*/files/*"),
        ("GET /", "abc123/*/GET/"),
        ("$default", "abc123/*/$default"),
    ])
    def test_each_route_scopes_its_permission(self, key: str, tail: str) -> None:
        permission = InvokePermission("items", "api", key)
        assert permission.source_arn(self.PLACE, "abc123") == f"arn:aws:execute-api:eu-west-1:111122223333:{tail}"
        assert (permission.action, permission.principal) == ("lambda:InvokeFunction", "apigateway.amazonaws.com")

    def test_one_permission_per_route_and_none_for_other_functions(self) -> None:
        two = System("a", "dev", functions=[Function("items", "fn"), Function("other", "fn")],
                     user_pools=[UserPool("users", clients=[AppClient("web")])],
                     http_apis=[api(Route("GET /items", "items"), Route("POST /items", "items"))])
        assert api_permissions(two.http_apis[0]) == (InvokePermission("items", "api", "GET /items"),
                                                     InvokePermission("items", "api", "POST /items"))
        assert set(function_permissions(two)) == {"function:items"}

    def test_source_path(self) -> None:
        assert source_path("/a/{b}/c/{d+}") == "/a/*/c/*"
