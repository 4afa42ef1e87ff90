"""The platform's API (``lambdas/api`` behind the platform's HTTP API) on the embedded LocalStack, called over HTTP
as a front end would, with tokens of users of the platform's pool: tokens that are missing, expired, of another pool
or client, or tampered with are refused (401, API Gateway's body); a user never reaches another user's agent (404,
nothing of it in the body); a malformed specification is refused with every problem listed (400).

Agents created here declare a document that is never uploaded, so their workflow waits in its first step (the
knowledge-base provisioner waits for declared documents) and they stay "requested": no full workflow runs here
(the happy path through the API is ``tests/e2e``).
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from oratio.backends.localstack import Target, outputs, up
from oratio.backends.localstack.embedded.layout import Layout
from oratio.demo import SPECIFICATION, ApiClient, claims_of, front_end_sign_in
from oratio.platform import platform

pytestmark = pytest.mark.localstack
PROJECT_ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Api-Test-Password-7"
UNAUTHORIZED = (401, {"message": "Unauthorized"})


@pytest.fixture(scope="module")
def deployed(localstack: Any) -> tuple[Target, dict[str, Any]]:
    target = Target(localstack.url)
    system = platform("local")
    up(target, system, project_root=PROJECT_ROOT)
    return target, outputs(target, system)


@pytest.fixture(scope="module")
def users(deployed: tuple[Target, dict[str, Any]]) -> dict[str, ApiClient]:
    """Two users signed up through Cognito's public API, as the front end does."""
    target, values = deployed
    url = values["http_apis"]["api"]["url"]
    return {name: ApiClient(url, front_end_sign_in(target, values, f"{name}-{uuid.uuid4().hex[:6]}@example.com",
                                                   PASSWORD)["IdToken"]) for name in ("alice", "bob")}


@pytest.fixture(scope="module")
def alices_agent(users: dict[str, ApiClient]) -> str:
    """An agent of Alice's that stays "requested" (its declared document is never uploaded)."""
    status, created = users["alice"].call("POST", "agents", {**SPECIFICATION, "description": "Alice's secret helper",
                                                             "documents": ["never-uploaded.md"]})
    assert status == 202, created
    return created["agentId"]


# --- The authorizer on the platform's routes ----------------------------------------------------------------------
def test_no_token_is_401_on_every_route(deployed: tuple[Target, dict[str, Any]], alices_agent: str) -> None:
    url = deployed[1]["http_apis"]["api"]["url"]
    for method, path in [("POST", "agents"), ("GET", "agents"), ("GET", f"agents/{alices_agent}"),
                         ("POST", f"agents/{alices_agent}/documents"), ("POST", f"agents/{alices_agent}/invoke")]:
        request = urllib.request.Request(url + path, method=method, data=b"{}" if method == "POST" else None)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=60)
        assert (refused.value.code, json.loads(refused.value.read())) == UNAUTHORIZED, path


def test_a_tampered_token_is_401(users: dict[str, ApiClient]) -> None:
    alice, bob = users["alice"], users["bob"]
    header, _, signature = alice.token.split(".")
    # Bob's claims under Alice's signature, and Alice's token with its signature changed.
    forged = f"{header}.{bob.token.split('.')[1]}.{signature}"
    changed = f"{alice.token.rsplit('.', 1)[0]}.{signature[:-6]}AAAAAA"
    for token in (forged, changed):
        assert ApiClient(alice.url, token).call("GET", "agents") == UNAUTHORIZED


def test_an_expired_token_is_401(users: dict[str, ApiClient]) -> None:
    """Signed with the pool's own key (the local Cognito's, read by LocalStack's interpreter): only the expiry is
    wrong, and the same token unexpired is accepted."""
    alice = users["alice"]
    claims = claims_of(alice.token)
    script = ("import json,sys; from joserfc import jwk, jwt; from moto.utilities.utils import load_resource; "
              "key = jwk.RSAKey.import_key(load_resource('moto.cognitoidp.models', 'resources/jwks-private.json')); "
              "print(jwt.encode({'kid': 'dummy', 'alg': 'RS256'}, json.loads(sys.argv[1]), key))")

    def signed(exp: int) -> str:
        return subprocess.run([str(Layout.default().python), "-c", script, json.dumps({**claims, "exp": exp})],
                              check=True, capture_output=True, text=True, timeout=60).stdout.strip()

    assert ApiClient(alice.url, signed(int(time.time()) + 600)).call("GET", "agents")[0] == 200
    assert ApiClient(alice.url, signed(int(time.time()) - 60)).call("GET", "agents") == UNAUTHORIZED


def test_a_token_of_another_client_or_pool_is_401(deployed: tuple[Target, dict[str, Any]],
                                                   users: dict[str, ApiClient]) -> None:
    target, values = deployed
    cognito, pool_id = target.client("cognito-idp"), values["user_pools"]["users"]["id"]
    flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    other_client = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="not-the-web-client",
                                                   ExplicitAuthFlows=flows)["UserPoolClient"]["ClientId"]
    other_pool = cognito.create_user_pool(PoolName="not-the-platforms-pool",
                                          UsernameAttributes=["email"])["UserPool"]["Id"]
    try:
        foreign_client = cognito.create_user_pool_client(UserPoolId=other_pool, ClientName="web",
                                                         ExplicitAuthFlows=flows)["UserPoolClient"]["ClientId"]
        for client_id in (other_client, foreign_client):
            fake = {**values, "user_pools": {"users": {"clients": {"web": client_id}}}}
            token = front_end_sign_in(target, fake, f"mallory-{uuid.uuid4().hex[:6]}@example.com", PASSWORD)["IdToken"]
            assert ApiClient(users["alice"].url, token).call("GET", "agents") == UNAUTHORIZED
    finally:
        cognito.delete_user_pool_client(UserPoolId=pool_id, ClientId=other_client)
        cognito.delete_user_pool(UserPoolId=other_pool)


# --- Users and their agents ---------------------------------------------------------------------------------------
def test_another_users_agent_is_404_and_never_its_data(users: dict[str, ApiClient], alices_agent: str) -> None:
    bob = users["bob"]
    for method, path, body in [("GET", f"agents/{alices_agent}", None),
                               ("POST", f"agents/{alices_agent}/documents", {"fileName": "mine.md"}),
                               ("POST", f"agents/{alices_agent}/invoke", {"prompt": "What do you know?"})]:
        status, answer = bob.call(method, path, body)
        assert (status, answer) == (404, {"message": "no such agent"}), path
    status, listed = bob.call("GET", "agents")
    assert status == 200 and alices_agent not in json.dumps(listed)
    # Alice sees it, with what she asked for and nothing of the platform's internals.
    status, agent = users["alice"].call("GET", f"agents/{alices_agent}")
    assert status == 200
    assert (agent["agentId"], agent["status"], agent["specification"]["description"]) == (
        alices_agent, "requested", "Alice's secret helper")
    assert set(agent) <= {"agentId", "status", "specification", "createdAt", "updatedAt", "failureReason"}
    status, listed = users["alice"].call("GET", "agents")
    assert status == 200 and alices_agent in [a["agentId"] for a in listed["agents"]]


def test_the_user_is_the_token_never_the_body(deployed: tuple[Target, dict[str, Any]],
                                              users: dict[str, ApiClient]) -> None:
    """A body naming a user is refused; the record is written under the token's sub."""
    alice, bob = users["alice"], users["bob"]
    status, answer = bob.call("POST", "agents", {**SPECIFICATION, "userId": claims_of(alice.token)["sub"]})
    assert status == 400
    assert [e["field"] for e in answer["errors"]] == ["specification.userId"]


def test_a_malformed_specification_is_400_with_every_problem(users: dict[str, ApiClient]) -> None:
    status, answer = users["alice"].call("POST", "agents", {
        "name": "", "instructions": "too short", "description": 7, "documents": ["../etc/passwd", "a.exe", "ok.md"],
        "foundationModel": "anthropic.claude-opus"})
    assert status == 400
    assert answer["message"] == "invalid agent specification: 6 problem(s)"
    assert [e["field"] for e in answer["errors"]] == [
        "specification.foundationModel", "specification.name", "specification.instructions",
        "specification.description", "specification.documents[0]", "specification.documents[1]"]
    assert "allowed: name, description, instructions, documents" in answer["errors"][0]["message"]
    assert "at least 40 characters" in answer["errors"][2]["message"]


@pytest.mark.parametrize(("body", "message"), [
    (b"not json", "the body is not JSON"), (b"[1, 2]", "the body must be a JSON object, got list"),
    (b"", "the request needs a JSON object body")])
def test_a_body_that_is_not_an_object_is_400(users: dict[str, ApiClient], body: bytes, message: str) -> None:
    alice = users["alice"]
    request = urllib.request.Request(alice.url + "agents", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {alice.token}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=60)
    assert refused.value.code == 400
    assert json.loads(refused.value.read())["message"].startswith(message)


def test_upload_urls_are_for_the_agents_own_prefix(deployed: tuple[Target, dict[str, Any]],
                                                   users: dict[str, ApiClient], alices_agent: str) -> None:
    target, values = deployed
    alice = users["alice"]
    status, answer = alice.call("POST", f"agents/{alices_agent}/documents", {"fileName": "../../bob/x.md"})
    assert status == 400 and "no '/'" in answer["message"]
    status, upload = alice.call("POST", f"agents/{alices_agent}/documents", {"fileName": "notes.md"})
    assert status == 200 and upload["method"] == "PUT"
    put = urllib.request.Request(upload["uploadUrl"], data=b"# Notes\nhello\n", method="PUT")
    with urllib.request.urlopen(put, timeout=60) as response:
        assert response.status == 200
    key = f"{claims_of(alice.token)['sub']}/{alices_agent}/notes.md"
    body = target.client("s3").get_object(Bucket=values["buckets"]["knowledge-bases"], Key=key)["Body"].read()
    assert body == b"# Notes\nhello\n"


def test_invoking_an_agent_before_it_is_deployed_is_409(users: dict[str, ApiClient], alices_agent: str) -> None:
    status, answer = users["alice"].call("POST", f"agents/{alices_agent}/invoke", {"prompt": "Hello?"})
    assert (status, answer["agentStatus"]) == (409, "requested")
    status, answer = users["alice"].call("POST", f"agents/{alices_agent}/invoke", {"prompt": ""})
    assert status == 400 and answer["message"].startswith("prompt must be")


@pytest.mark.parametrize("event", [None, [], {"version": "1.0"}, {"version": "2.0", "routeKey": "GET /agents"},
                                   {"version": "2.0", "routeKey": "DELETE /everything"}])
def test_bad_events_get_clear_json_errors(deployed: tuple[Target, dict[str, Any]], event: Any) -> None:
    """The function called directly with events API Gateway would never send: a 4xx JSON answer, never a crash."""
    target, values = deployed
    response = target.client("lambda").invoke(FunctionName=values["functions"]["api"].split(":")[-1],
                                              Payload=json.dumps(event).encode())
    assert "FunctionError" not in response
    answer = json.loads(response["Payload"].read())
    assert answer["statusCode"] in (400, 401, 404)
    assert set(json.loads(answer["body"])) == {"message"}
