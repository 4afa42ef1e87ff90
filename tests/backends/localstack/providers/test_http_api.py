"""The HTTP API provider and the plug-in serving it: a small system (a pool with two clients, a function, an API)
deployed on the embedded LocalStack, then called over HTTP as a client would. Expected statuses and bodies are
API Gateway's documented ones (401 Unauthorized, 404 Not Found, 500 Internal Server Error, 429 Too Many Requests).
"""

from __future__ import annotations

import base64
import contextlib
import json
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import attrs
import pytest

from oratio.backends.localstack import Action, Target, destroy, outputs, preview, up
from oratio.backends.localstack.embedded.layout import Layout
from oratio.model import System, Throttling
from tests.fixtures.api_system import api_system

pytestmark = pytest.mark.localstack
PROJECT_ROOT = Path(__file__).resolve().parents[4]
PASSWORD = "Correct-Horse-9-Battery"


@pytest.fixture(scope="module")
def api(target: Target) -> Iterator[dict[str, Any]]:
    system = api_system("lsapi")
    up(target, system, project_root=PROJECT_ROOT)
    values = outputs(target, system)
    yield {"system": system, "url": values["http_apis"]["api"]["url"], "id": values["http_apis"]["api"]["id"],
           "pool": values["user_pools"]["users"]}
    destroy(target, system)


def call(url: str, method: str = "GET", token: str | None = None, headers: dict[str, str] | None = None,
         body: bytes | None = None) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers={
        **({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def sign_in(target: Target, pool_id: str, client_id: str, email: str) -> dict[str, str]:
    cognito = target.client("cognito-idp")
    with contextlib.suppress(cognito.exceptions.UsernameExistsException):
        cognito.admin_create_user(UserPoolId=pool_id, Username=email, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=PASSWORD, Permanent=True)
    return cognito.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})["AuthenticationResult"]


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture(scope="module")
def tokens(target: Target, api: dict[str, Any]) -> dict[str, str]:
    pool = api["pool"]
    web = sign_in(target, pool["id"], pool["clients"]["web"], "alice@example.com")
    other = sign_in(target, pool["id"], pool["clients"]["other"], "alice@example.com")
    return {"id": web["IdToken"], "access": web["AccessToken"], "other_client": other["IdToken"]}


def test_the_url_is_an_output_and_the_api_is_as_the_model_says(target: Target, api: dict[str, Any]) -> None:
    assert api["url"] == f"{target.endpoint}/_oratio/execute-api/{api['id']}/"
    plan = preview(target, api["system"], project_root=PROJECT_ROOT)
    assert plan.pending == ()
    client = target.client("apigatewayv2")
    routes = {r["RouteKey"]: r for r in client.get_routes(ApiId=api["id"])["Items"]}
    assert set(routes) == {route.key for route in api["system"].http_apis[0].routes}
    assert routes["GET /health"]["AuthorizationType"] == "NONE"
    assert routes["GET /items"]["AuthorizationType"] == "JWT"
    (authorizer,) = client.get_authorizers(ApiId=api["id"])["Items"]
    pool = api["pool"]
    assert authorizer["JwtConfiguration"] == {
        "Issuer": f"https://cognito-idp.{target.region}.amazonaws.com/{pool['id']}",
        "Audience": [pool["clients"]["web"]]}


def test_each_route_has_its_invoke_permission(target: Target, api: dict[str, Any]) -> None:
    function = api["system"].physical_name(api["system"].functions[0])
    policy = json.loads(target.client("lambda").get_policy(FunctionName=function)["Policy"])
    arns = sorted(s["Condition"]["ArnLike"]["AWS:SourceArn"] for s in policy["Statement"])
    prefix = f"arn:aws:execute-api:{target.region}:000000000000:{api['id']}/*/"
    assert arns == sorted(prefix + tail for tail in [
        "GET/items", "GET/items/*", "POST/items/*/boom", "GET/items/special", "*/files/*", "GET/bare",
        "GET/teapot", "GET/health", "$default"])


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz"])
def test_no_or_unreadable_token_is_401(api: dict[str, Any], header: str | None) -> None:
    status, _, body = call(api["url"] + "items", headers={"Authorization": header} if header else {})
    assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})


def test_a_valid_token_reaches_the_function_with_its_claims(api: dict[str, Any], tokens: dict[str, str]) -> None:
    for kind in ("id", "access"):
        status, _, body = call(api["url"] + "items?limit=5&x=1&x=2", token=tokens[kind])
        assert status == 200, body
        event = json.loads(body)
        claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
        assert claims["sub"] == claims_of(tokens[kind])["sub"]
        assert claims["token_use"] == kind
        assert (event["version"], event["routeKey"], event["rawPath"]) == ("2.0", "GET /items", "/items")
        assert event["queryStringParameters"] == {"limit": "5", "x": "1,2"}
        assert event["requestContext"]["http"]["method"] == "GET"
        assert event["isBase64Encoded"] is False


def test_a_token_of_another_client_is_401(api: dict[str, Any], tokens: dict[str, str]) -> None:
    status, _, body = call(api["url"] + "items", token=tokens["other_client"])
    assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})


def test_a_token_of_another_pool_is_401(target: Target, api: dict[str, Any]) -> None:
    cognito = target.client("cognito-idp")
    pool_id = cognito.create_user_pool(PoolName="not-the-apis-pool", UsernameAttributes=["email"])["UserPool"]["Id"]
    try:
        client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=[
            "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
        foreign = sign_in(target, pool_id, client_id, "mallory@example.com")["IdToken"]
        status, _, body = call(api["url"] + "items", token=foreign)
        assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})
    finally:
        cognito.delete_user_pool(UserPoolId=pool_id)


def test_a_tampered_token_is_401(api: dict[str, Any], tokens: dict[str, str]) -> None:
    header, payload, signature = tokens["id"].split(".")
    claims = claims_of(tokens["id"])
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "sub": "someone-else"}).encode()).decode().rstrip("=")
    for token in (f"{header}.{forged}.{signature}", f"{header}.{payload}.{signature[:-4]}AAAA"):
        status, _, body = call(api["url"] + "items", token=token)
        assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})


def test_an_expired_token_is_401(api: dict[str, Any], tokens: dict[str, str]) -> None:
    """Signed with the pool's own key (moto's, read by LocalStack's interpreter): only the expiry is wrong."""
    claims = {**claims_of(tokens["id"]), "exp": int(time.time()) - 60, "iat": int(time.time()) - 3660}
    script = ("import json,sys; from joserfc import jwk, jwt; from moto.utilities.utils import load_resource; "
              "key = jwk.RSAKey.import_key(load_resource('moto.cognitoidp.models', 'resources/jwks-private.json')); "
              "print(jwt.encode({'kid': 'dummy', 'alg': 'RS256'}, json.loads(sys.argv[1]), key))")
    expired = subprocess.run([str(Layout.default().python), "-c", script, json.dumps(claims)], check=True,
                             capture_output=True, text=True, timeout=60).stdout.strip()
    fresh = subprocess.run([str(Layout.default().python), "-c", script, json.dumps(
        {**claims, "exp": int(time.time()) + 600})], check=True, capture_output=True, text=True, timeout=60)
    status, _, _ = call(api["url"] + "items", token=fresh.stdout.strip())
    assert status == 200  # the same token, unexpired, is accepted: the expiry alone makes the difference
    status, _, body = call(api["url"] + "items", token=expired)
    assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})


def test_route_matching(api: dict[str, Any], tokens: dict[str, str]) -> None:
    def route_of(method: str, path: str) -> tuple[str, dict[str, str] | None]:
        status, _, body = call(api["url"] + path, method=method, token=tokens["id"],
                               body=b"{}" if method in ("POST", "PUT") else None,
                               headers={"Content-Type": "application/json"})
        assert status == 200, (path, body)
        event = json.loads(body)
        return event["routeKey"], event.get("pathParameters")

    assert route_of("GET", "items/42") == ("GET /items/{itemId}", {"itemId": "42"})
    assert route_of("GET", "items/special") == ("GET /items/special", None)  # the literal route is more specific
    assert route_of("PUT", "files/a/b/c.txt") == ("ANY /files/{proxy+}", {"proxy": "a/b/c.txt"})
    assert route_of("POST", "items") == ("$default", None)  # no POST /items route: the catch-all
    assert route_of("GET", "nothing/here") == ("$default", None)


def test_no_route_and_no_default_is_404(target: Target, api: dict[str, Any]) -> None:
    status, _, body = call(f"{target.endpoint}/_oratio/execute-api/nosuchapi/items")
    assert (status, json.loads(body)) == (404, {"message": "Not Found"})


def test_the_functions_answers_are_mapped(api: dict[str, Any], tokens: dict[str, str]) -> None:
    status, headers, body = call(api["url"] + "bare", token=tokens["id"])
    assert (status, json.loads(body)) == (200, {"just": "a value"})
    assert headers["Content-Type"] == "application/json"
    status, headers, body = call(api["url"] + "teapot", token=tokens["id"])
    assert (status, body, headers["x-made-by"]) == (418, b"short and stout", "function")
    assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]


def test_a_function_error_is_500(api: dict[str, Any], tokens: dict[str, str]) -> None:
    status, _, body = call(api["url"] + "items/7/boom", method="POST", token=tokens["id"], body=b"{}")
    assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})


def test_public_routes_need_no_token(api: dict[str, Any]) -> None:
    status, _, body = call(api["url"] + "health")
    assert status == 200
    assert "authorizer" not in json.loads(body)["requestContext"]


def test_cors_preflight_and_headers(api: dict[str, Any], tokens: dict[str, str]) -> None:
    origin = "https://app.example.com"
    status, headers, _ = call(api["url"] + "items", method="OPTIONS", headers={
        "Origin": origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"})
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == origin
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert headers["Access-Control-Allow-Methods"] == "GET,POST,PUT,PATCH,DELETE"
    assert headers["Access-Control-Allow-Headers"] == "authorization,content-type"
    assert headers["Access-Control-Max-Age"] == "600"
    status, headers, _ = call(api["url"] + "items", token=tokens["id"], headers={"Origin": origin})
    assert (status, headers["Access-Control-Allow-Origin"]) == (200, origin)
    status, headers, _ = call(api["url"] + "items", token=tokens["id"], headers={"Origin": "https://evil.example"})
    assert status == 200 and "Access-Control-Allow-Origin" not in headers


def test_throttling_answers_429_then_recovers_and_an_update_keeps_the_url(target: Target,
                                                                         api: dict[str, Any]) -> None:
    system: System = api["system"]
    tight = attrs.evolve(system, http_apis=[attrs.evolve(system.http_apis[0], throttling=Throttling(burst=2, rate=1))])
    plan, _ = up(target, tight, project_root=PROJECT_ROOT)
    assert [(c.action, c.kind) for c in plan.pending] == [(Action.UPDATE, "http-api")]
    assert outputs(target, tight)["http_apis"]["api"]["url"] == api["url"]
    try:
        statuses = [call(api["url"] + "health")[0] for _ in range(6)]
        assert statuses[:2] == [200, 200] and 429 in statuses
        status, _, body = call(api["url"] + "health")
        if status == 429:
            assert json.loads(body) == {"message": "Too Many Requests"}
        time.sleep(2.5)
        assert call(api["url"] + "health")[0] == 200
    finally:
        up(target, system, project_root=PROJECT_ROOT)
