"""The user pool provider: the platform's pool exists once, with its app client."""

from __future__ import annotations

import pytest

from oratio.backends.localstack import Target
from oratio.model import System

pytestmark = pytest.mark.localstack


def test_the_user_pool_and_its_client_exist(target: Target, deployed: System) -> None:
    (pool,) = deployed.user_pools
    cognito = target.client("cognito-idp")
    pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
    found = [p for p in pools if p["Name"] == deployed.physical_name(pool)]
    assert len(found) == 1
    clients = cognito.list_user_pool_clients(UserPoolId=found[0]["Id"], MaxResults=60)["UserPoolClients"]
    assert [c["ClientName"] for c in clients] == [c.name for c in pool.clients]
