"""API Gateway v2 HTTP APIs: the control plane is moto's (``services.py``); this is the data plane LocalStack's
community edition lacks. Each HTTP API's ``$default`` stage is served path style, so that no DNS is needed:

    http://127.0.0.1:4566/_oratio/execute-api/{apiId}/{path}

(LocalStack serves REST APIs at ``/_aws/execute-api/{apiId}/{stage}/...``; an HTTP API's ``$default`` stage has
no stage segment, as on AWS.) A request goes through what API Gateway does for an HTTP API:

- CORS: with a CORS configuration, a preflight (OPTIONS with Origin and Access-Control-Request-Method) is
  answered here (204) and every response gets the configured headers (the function's own CORS headers dropped).
- Route selection: the exact route of the method, then of ANY, with literal segments before path variables,
  then greedy variables (``{proxy+}``), then ``$default``; none: 404 ``{"message":"Not Found"}``.
- Throttling: the stage's burst and rate as a token bucket per API; over it: 429 ``{"message":"Too Many
  Requests"}``.
- JWT authorization: the token (``Authorization``, with or without "Bearer ") must be signed (RS256) by a key
  of the issuer's JWKS, the issuer a Cognito user pool of this LocalStack (moto's keys), unexpired, with
  ``aud`` (ID tokens) or ``client_id`` (access tokens) among the authorizer's audience and ``token_use`` id or
  access; otherwise 401 ``{"message":"Unauthorized"}``.
- The Lambda proxy integration, payload format 2.0: the event, with the claims under
  ``requestContext.authorizer.jwt.claims``; the answer mapped as API Gateway does (a dict with ``statusCode``
  is a response; any other value is a 200 JSON body); a function error or an unreadable answer: 500
  ``{"message":"Internal Server Error"}``; Lambda unreachable: 503 ``{"message":"Service Unavailable"}``.

Not done locally: 403 (it comes from authorization scopes, which the model does not use), Lambda
authorizers, IAM authorization, parameter mapping, custom domains, and access log lines.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from localstack.runtime import hooks

LOG = logging.getLogger(__name__)
PATH_PREFIX = "/_oratio/execute-api"
_COGNITO_ISSUER = re.compile(r"https://cognito-idp\.([a-z0-9-]+)\.amazonaws\.com/([\w-]+_[0-9A-Za-z]+)")
_VARIABLE = re.compile(r"\{([^{}]+)\}")


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Any:
    from localstack.http import Response

    return Response(json.dumps({"message": message}), status, headers={
        "Content-Type": "application/json", "apigw-requestid": uuid.uuid4().hex[:16], **(headers or {})})


# --- Finding the API in moto ---------------------------------------------------------------------------------
def find_api(api_id: str) -> tuple[str, str, Any] | None:
    """(account, region, moto's Api) of an HTTP API by id, in any account and region of this LocalStack."""
    from moto.apigatewayv2.models import apigatewayv2_backends

    for account, regions in list(apigatewayv2_backends.items()):
        for region, backend in list(regions.items()):
            api = backend.apis.get(api_id)
            if api is not None and api.protocol_type == "HTTP":
                return account, region, api
    return None


# --- Route selection -----------------------------------------------------------------------------------------
def _route_rank(route_key: str, method: str, path: str) -> tuple[int, ...] | None:
    """How well a route matches (smaller is better), None if it does not; and its path parameters via
    ``_parameters``. Greedy routes after exact ones; literal segments before variables; a method before ANY."""
    if route_key == "$default":
        return None
    route_method, _, route_path = route_key.partition(" ")
    if route_method not in (method, "ANY"):
        return None
    if _parameters(route_path, path) is None:
        return None
    segments = [s for s in route_path.split("/") if s]
    greedy = bool(segments) and segments[-1].endswith("+}")
    variables = [i for i, s in enumerate(segments) if _VARIABLE.fullmatch(s)]
    # Literal segments matter left to right: a variable early is less specific than one late.
    pattern = tuple(1 if i in variables else 0 for i in range(len(segments)))
    return (1 if greedy else 0, *((-len(segments),) if greedy else ()), *pattern, 1 if route_method == "ANY" else 0)


def _parameters(route_path: str, path: str) -> dict[str, str] | None:
    route_segments = [s for s in route_path.split("/") if s]
    segments = [s for s in path.split("/") if s]
    found: dict[str, str] = {}
    for index, pattern in enumerate(route_segments):
        variable = _VARIABLE.fullmatch(pattern)
        if variable and variable.group(1).endswith("+"):
            rest = segments[index:]
            if not rest:
                return None
            found[variable.group(1)[:-1]] = "/".join(rest)
            return found
        if index >= len(segments):
            return None
        if variable:
            found[variable.group(1)] = segments[index]
        elif pattern != segments[index]:
            return None
    return found if len(segments) == len(route_segments) else None


def select_route(routes: list[Any], method: str, path: str) -> tuple[Any, dict[str, str]] | None:
    """The route API Gateway picks for a request (moto's Route objects), with its path parameters."""
    ranked = [(rank, route) for route in routes
              if (rank := _route_rank(route.route_key, method, path)) is not None]
    if ranked:
        route = min(ranked, key=lambda pair: pair[0])[1]
        return route, _parameters(route.route_key.partition(" ")[2], path) or {}
    default = next((route for route in routes if route.route_key == "$default"), None)
    return (default, {}) if default is not None else None


# --- Throttling ----------------------------------------------------------------------------------------------
class TokenBucket:
    def __init__(self, burst: float, rate: float) -> None:
        self.burst, self.rate = burst, rate
        self.tokens, self.updated = burst, time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


_buckets: dict[str, TokenBucket] = {}
_buckets_lock = threading.Lock()


def _throttled(api_id: str, settings: dict[str, Any]) -> bool:
    burst, rate = settings.get("throttlingBurstLimit"), settings.get("throttlingRateLimit")
    if burst is None or rate is None:
        return False
    with _buckets_lock:
        bucket = _buckets.get(api_id)
        if bucket is None or (bucket.burst, bucket.rate) != (float(burst), float(rate)):
            bucket = _buckets[api_id] = TokenBucket(float(burst), float(rate))
    return not bucket.take()


# --- JWT authorization ---------------------------------------------------------------------------------------
def verify_jwt(token: str, issuer: str, audience: list[str]) -> dict[str, Any] | None:
    """The token's claims when the JWT authorizer would accept it, else None (see the module's documentation)."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.utilities.utils import load_resource

    match = _COGNITO_ISSUER.fullmatch(issuer or "")
    if match is None:  # only this LocalStack's user pools have keys to check against: no network
        return None
    region, pool_id = match.groups()
    if not any(pool_id in backends[region].user_pools for _, backends in list(cognitoidp_backends.items())
               if region in backends):
        return None
    keys = KeySet.import_key_set(load_resource("moto.cognitoidp.responses", "resources/jwks-public.json"))
    try:
        decoded = jwt.decode(token, keys, algorithms=["RS256"])
    except (JoseError, ValueError, KeyError, TypeError):
        return None
    claims = decoded.claims
    now = time.time()
    if claims.get("iss") != issuer or not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= now:
        return None
    if isinstance(claims.get("nbf"), (int, float)) and claims["nbf"] > now:
        return None
    if claims.get("token_use") not in ("id", "access"):
        return None
    presented = claims.get("aud") if "aud" in claims else claims.get("client_id")
    presented = presented if isinstance(presented, list) else [presented]
    return claims if any(value in audience for value in presented) else None


def _authorize(api: Any, route: Any, headers: dict[str, str]) -> tuple[dict[str, Any] | None, bool]:
    """(claims, allowed): claims when the route is JWT-protected and the token is good."""
    if (route.authorization_type or "NONE") != "JWT":
        return None, True
    authorizer = api.authorizers.get(route.authorizer_id or "")
    if authorizer is None:
        return None, False
    config = authorizer.jwt_config or {}
    source = (authorizer.identity_source or ["$request.header.Authorization"])
    header = (source[0] if isinstance(source, list) else source).removeprefix("$request.header.").lower()
    token = headers.get(header, "").strip()
    token = token[7:].strip() if token.lower().startswith("bearer ") else token
    if not token:
        return None, False
    claims = verify_jwt(token, config.get("Issuer") or config.get("issuer") or "",
                        list(config.get("Audience") or config.get("audience") or []))
    return claims, claims is not None


# --- CORS ----------------------------------------------------------------------------------------------------
def _cors(api: Any) -> dict[str, Any] | None:
    config = api.cors_configuration
    if not config:
        return None
    return {key[:1].lower() + key[1:]: value for key, value in config.items()}


def _cors_headers(cors: dict[str, Any], origin: str | None, preflight: bool) -> dict[str, str]:
    origins = cors.get("allowOrigins") or []
    if not origin or not ("*" in origins or origin in origins):
        return {}
    headers = {"Access-Control-Allow-Origin": "*" if "*" in origins and not cors.get("allowCredentials")
               else origin}
    if cors.get("allowCredentials"):
        headers["Access-Control-Allow-Credentials"] = "true"
    if cors.get("exposeHeaders") and not preflight:
        headers["Access-Control-Expose-Headers"] = ",".join(cors["exposeHeaders"])
    if preflight:
        if cors.get("allowMethods"):
            headers["Access-Control-Allow-Methods"] = ",".join(cors["allowMethods"])
        if cors.get("allowHeaders"):
            headers["Access-Control-Allow-Headers"] = ",".join(cors["allowHeaders"])
        if cors.get("maxAge") is not None and int(cors["maxAge"]) >= 0:
            headers["Access-Control-Max-Age"] = str(cors["maxAge"])
    return headers


# --- The Lambda proxy integration (payload format 2.0) -------------------------------------------------------
def build_event(request: Any, api_id: str, account: str, route: Any, path: str, parameters: dict[str, str],
                claims: dict[str, Any] | None) -> dict[str, Any]:
    body = request.get_data()
    text_types = ("application/json", "text/", "application/xml", "application/x-www-form-urlencoded")
    content_type = request.headers.get("Content-Type", "")
    binary = bool(body) and not any(t in content_type for t in text_types)
    query = request.query_string.decode() if isinstance(request.query_string, bytes) else request.query_string
    queries: dict[str, list[str]] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        queries.setdefault(key, []).append(value)
    headers: dict[str, list[str]] = {}
    for key, value in request.headers.items():
        headers.setdefault(key.lower(), []).append(value)
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": {k: ",".join(v) for k, v in headers.items() if k != "cookie"},
        "requestContext": {
            "accountId": account, "apiId": api_id, "domainName": request.host, "domainPrefix": api_id,
            "http": {"method": request.method, "path": path, "protocol": request.environ.get("SERVER_PROTOCOL",
                                                                                             "HTTP/1.1"),
                     "sourceIp": request.remote_addr or "127.0.0.1",
                     "userAgent": request.headers.get("User-Agent", "")},
            "requestId": uuid.uuid4().hex[:16], "routeKey": route.route_key, "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"), "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": binary,
    }
    if "cookie" in headers:
        event["cookies"] = [c.strip() for value in headers["cookie"] for c in value.split(";") if c.strip()]
    if queries:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in queries.items()}
    if parameters:
        event["pathParameters"] = parameters
    if body:
        event["body"] = base64.b64encode(body).decode() if binary else body.decode("utf-8", "replace")
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {
            "claims": {k: v if isinstance(v, str) else json.dumps(v) if isinstance(v, (list, dict)) else str(v)
                       for k, v in claims.items()},
            "scopes": None}}
    return event


def map_response(payload: Any) -> tuple[int, dict[str, str], list[str], bytes]:
    """API Gateway's reading of a payload 2.0 answer: (status, headers, cookies, body)."""
    if isinstance(payload, dict) and "statusCode" in payload:
        status = int(payload["statusCode"])
        headers = {str(k): str(v) for k, v in (payload.get("headers") or {}).items()}
        for key, values in (payload.get("multiValueHeaders") or {}).items():
            headers[str(key)] = ",".join(str(v) for v in values)
        body = payload.get("body")
        if body is None:
            raw = b""
        elif payload.get("isBase64Encoded"):
            raw = base64.b64decode(body)
        else:
            raw = (body if isinstance(body, str) else json.dumps(body)).encode()
        return status, headers, [str(c) for c in payload.get("cookies") or []], raw
    return 200, {"Content-Type": "application/json"}, [], json.dumps(payload).encode()


def invoke(account: str, region: str, function_arn: str, event: dict[str, Any]) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError
    from localstack.aws.connect import connect_to

    lambda_ = connect_to(aws_access_key_id=account, region_name=region).lambda_
    try:
        answer = lambda_.invoke(FunctionName=function_arn, Payload=json.dumps(event).encode())
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        LOG.info("oratio: HTTP API integration %s failed: %s", function_arn, error)
        return _error(503, "Service Unavailable") if code in ("ServiceException", "TooManyRequestsException") \
            else _error(500, "Internal Server Error")
    except BotoCoreError as error:
        LOG.info("oratio: Lambda unreachable for %s: %s", function_arn, error)
        return _error(503, "Service Unavailable")
    raw = answer["Payload"].read()
    if answer.get("FunctionError"):
        LOG.info("oratio: HTTP API integration %s raised: %s", function_arn, raw[:500])
        return _error(500, "Internal Server Error")
    try:
        return map_response(json.loads(raw) if raw else None)
    except (ValueError, TypeError):
        return _error(500, "Internal Server Error")


# --- The endpoint --------------------------------------------------------------------------------------------
def serve(request: Any, api_id: str, path: str = "") -> Any:
    from localstack.http import Response

    found = find_api(api_id)
    if found is None:
        return _error(404, "Not Found")
    account, region, api = found
    stage = api.stages.get("$default")
    if stage is None:  # API Gateway: no stage matches and there is no $default stage
        return _error(404, "Not Found")
    path = "/" + path
    origin = request.headers.get("Origin")
    cors = _cors(api)
    if cors is not None and request.method == "OPTIONS" and origin and \
            request.headers.get("Access-Control-Request-Method"):
        return Response("", 204, headers=_cors_headers(cors, origin, preflight=True))
    cors_headers = _cors_headers(cors, origin, preflight=False) if cors is not None else {}
    if _throttled(api_id, stage.default_route_settings or {}):
        return _error(429, "Too Many Requests", cors_headers)
    selected = select_route(list(api.routes.values()), request.method, path)
    if selected is None:
        return _error(404, "Not Found", cors_headers)
    route, parameters = selected
    headers = {k.lower(): v for k, v in request.headers.items()}
    claims, allowed = _authorize(api, route, headers)
    if not allowed:
        return _error(401, "Unauthorized", {**cors_headers, "www-authenticate": "Bearer"})
    integration = api.integrations.get((route.target or "").removeprefix("integrations/"))
    if integration is None or integration.integration_type != "AWS_PROXY":
        return _error(500, "Internal Server Error", cors_headers)
    event = build_event(request, api_id, account, route, path, parameters, claims)
    result = invoke(account, region, integration.integration_uri, event)
    if not isinstance(result, tuple):
        result.headers.update(cors_headers)
        return result
    status, response_headers, cookies, body = result
    if cors is not None:  # API Gateway ignores the function's CORS headers when the API configures CORS
        response_headers = {k: v for k, v in response_headers.items()
                            if not k.lower().startswith("access-control-")}
    response = Response(body, status, headers={**response_headers, **cors_headers,
                                               "apigw-requestid": event["requestContext"]["requestId"]})
    for cookie in cookies:
        response.headers.add("Set-Cookie", cookie)
    return response


@hooks.on_infra_start()
def serve_http_apis() -> None:
    from localstack.aws.handlers import cors
    from localstack.services.edge import ROUTER

    # LocalStack's own CORS handling (its allowed origins, its preflight answers) stays out of execute-api calls,
    # whose APIs answer CORS themselves: ours are such calls too.
    is_execute_api_call = cors.is_execute_api_call
    cors.is_execute_api_call = lambda context: context.request.path.startswith(f"{PATH_PREFIX}/") or \
        is_execute_api_call(context)
    ROUTER.add(f"{PATH_PREFIX}/<api_id>", endpoint=serve, defaults={"path": ""}, strict_slashes=False)
    ROUTER.add(f"{PATH_PREFIX}/<api_id>/<path:path>", endpoint=serve)
    LOG.info("oratio: HTTP APIs are served at %s/<apiId>/", PATH_PREFIX)
