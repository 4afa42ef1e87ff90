"""Cognito user pools and their app clients (two kinds, as in the model's ``user_pool.py``: a client lives in its
pool). Cognito finds both by id only: they are looked up by name, and a client's physical name is
"<pool's physical name>/<client name>", client names being unique only within their pool.

Cognito allows two pools of one name (and two clients of one name in a pool): creation checks first (the plan's
lock makes check-then-create safe between oratio runs), the oldest of a name is the one oratio uses (outputs
included), and the others are duplicates, shown as drift and deleted by ``up`` when they hold no users (one that
does is refused: oratio does not choose between two pools' users)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from oratio.backends.localstack.providers.base import (
    MEASURE_BOUND,
    SYSTEM_TAG,
    Context,
    Live,
    Measure,
    Provider,
    Spec,
    listed,
)
from oratio.backends.localstack.target import Target
from oratio.model import AppClient, Retention, System, UserPool

# Cognito's names for the aliases that sign in instead of a user name.
USERNAME_ATTRIBUTES = {"email": "email", "phone": "phone_number"}
PASSWORD_POLICY_FIELDS = ("MinimumLength", "RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols",
                          "TemporaryPasswordValidityDays")
MINUTES = {"minutes": 1, "hours": 60, "days": 24 * 60}


def find_user_pool(target: Target, name: str) -> dict[str, Any] | None:
    """The pool oratio uses under a name: the oldest (the others are duplicates)."""
    return next(iter(_pools_named(target, name)), None)


def _pools_named(target: Target, name: str) -> list[dict[str, Any]]:
    """Every pool of that name: the one oratio uses first (one with oratio's tags before one without, then the
    oldest; duplicates, rare, are described for their tags)."""
    named = [pool for pool in _pools(target) if pool["Name"] == name]
    if len(named) < 2:
        return named
    tagged = {pool["Id"] for pool in named if SYSTEM_TAG in _pool_tags(target, pool["Id"])}
    return sorted(_oldest_first(named), key=lambda pool: pool["Id"] not in tagged)


def _oldest_first(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(found, key=lambda item: (str(item.get("CreationDate", "")), item.get("Id", item.get("ClientId"))))


def _oldest_clients(target: Target, pool_id: str, named: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Clients of one name, oldest first (the listing has no creation date: duplicates are described)."""
    if len(named) < 2:
        return named
    cognito = target.client("cognito-idp")
    return _oldest_first([cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"])[
        "UserPoolClient"] for c in named])


def count_users(target: Target, pool_id: str) -> Measure:
    """Users, listed 60 a page up to ``MEASURE_BOUND``."""
    cognito, count, token = target.client("cognito-idp"), 0, None
    while True:
        page = cognito.list_users(UserPoolId=pool_id, Limit=60, **({"PaginationToken": token} if token else {}))
        count += len(page.get("Users", []))
        token = page.get("PaginationToken")
        if not token or count >= MEASURE_BOUND:
            return Measure(count, "user", at_least=bool(token))


def _pools(target: Target) -> list[dict[str, Any]]:
    return target.once("cognito-idp:pools", lambda: list(listed(
        target.client("cognito-idp"), "list_user_pools", "UserPools", MaxResults=60)))


def pool_clients(target: Target, pool_id: str) -> list[dict[str, Any]]:
    return target.once(f"cognito-idp:clients:{pool_id}", lambda: list(listed(
        target.client("cognito-idp"), "list_user_pool_clients", "UserPoolClients", UserPoolId=pool_id,
        MaxResults=60)))


def describe_pool(target: Target, pool_id: str) -> dict[str, Any]:
    return target.once(f"cognito-idp:pool:{pool_id}", lambda: target.client("cognito-idp").describe_user_pool(
        UserPoolId=pool_id)["UserPool"])


def _pool_tags(target: Target, pool_id: str) -> dict[str, str]:
    return describe_pool(target, pool_id).get("UserPoolTags", {})


class UserPoolProvider(Provider):
    kind = "user-pool"
    level = 0
    collection = "user_pools"
    holds_data = True
    replace_fields = frozenset({"username_attributes"})

    def desired(self, resource: UserPool, context: Context) -> list[Spec]:
        pool, policy = resource, resource.password_policy
        physical = context.system.physical_name(pool)
        return [Spec("user-pool", pool.name, physical, {
            "username_attributes": sorted(USERNAME_ATTRIBUTES[a.value] for a in pool.sign_in_aliases
                                          if a.value != "username"),
            "auto_verify_email": pool.auto_verify_email,
            "self_sign_up": pool.self_sign_up,
            "mfa": pool.mfa.value,
            "password_policy": {
                "MinimumLength": policy.min_length, "RequireLowercase": policy.require_lowercase,
                "RequireUppercase": policy.require_uppercase, "RequireNumbers": policy.require_digits,
                "RequireSymbols": policy.require_symbols,
                "TemporaryPasswordValidityDays": policy.temporary_password_days},
            "duplicates": [],  # other pools of this name (made by a race, or behind oratio's back)
        }, retain=pool.retention is Retention.RETAIN), *(UserPoolClientProvider.spec(pool, physical, client)
                                                         for client in pool.clients)]

    def read(self, target: Target, spec: Spec) -> Live | None:
        named = _pools_named(target, spec.physical)
        if not named:
            return None
        found, duplicates = named[0], [pool["Id"] for pool in named[1:]]
        pool = describe_pool(target, found["Id"])
        policy = pool.get("Policies", {}).get("PasswordPolicy", {})
        populated = [(pool_id, users) for pool_id in duplicates if (users := count_users(target, pool_id)).count]
        return Live({
            "username_attributes": sorted(pool.get("UsernameAttributes", [])),
            "auto_verify_email": "email" in pool.get("AutoVerifiedAttributes", []),
            "self_sign_up": not pool.get("AdminCreateUserConfig", {}).get("AllowAdminCreateUserOnly", False),
            "mfa": pool.get("MfaConfiguration", "OFF"),
            "password_policy": {k: policy.get(k) for k in PASSWORD_POLICY_FIELDS},
            "duplicates": duplicates,
        }, pool.get("UserPoolTags", {}), blockers=tuple(
            f"another user pool named {spec.physical} ({pool_id}) holds {users}: oratio uses {found['Id']} and "
            "will not choose between two pools' users: move or delete them by hand" for pool_id, users in populated))

    def measure(self, target: Target, physical: str) -> Measure:
        found = find_user_pool(target, physical)
        return count_users(target, found["Id"]) if found is not None else Measure(0, "user")

    @staticmethod
    def _settings(spec: Spec) -> dict[str, Any]:
        props = spec.props
        return {"Policies": {"PasswordPolicy": props["password_policy"]},
                "AutoVerifiedAttributes": ["email"] if props["auto_verify_email"] else [],
                "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": not props["self_sign_up"]}}

    @staticmethod
    def _mfa(target: Target, pool_id: str, spec: Spec) -> None:
        mfa = spec.props["mfa"]
        target.client("cognito-idp").set_user_pool_mfa_config(
            UserPoolId=pool_id, MfaConfiguration=mfa,
            **({"SoftwareTokenMfaConfiguration": {"Enabled": True}} if mfa != "OFF" else {}))

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        if find_user_pool(target, spec.physical) is not None:  # never a second pool of one name
            self.update(target, spec, set(spec.props), tags)
            return
        pool = target.client("cognito-idp").create_user_pool(
            PoolName=spec.physical, UsernameAttributes=spec.props["username_attributes"], UserPoolTags=tags,
            **self._settings(spec))["UserPool"]
        self._mfa(target, pool["Id"], spec)

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        """UpdateUserPool resets every setting it is not sent (on AWS too), so it is sent the whole of the model's
        configuration, whatever changed; the sign-in attributes cannot be sent (they never change in place)."""
        named = _pools_named(target, spec.physical)
        assert named, f"user pool {spec.physical} vanished"
        found, cognito = named[0], target.client("cognito-idp")
        cognito.update_user_pool(UserPoolId=found["Id"], UserPoolTags=tags, **self._settings(spec))
        self._mfa(target, found["Id"], spec)
        for duplicate in named[1:]:
            users = count_users(target, duplicate["Id"])
            if users.count:  # the plan refuses this before any change; a pool filled since is not deleted either
                raise RuntimeError(f"another user pool named {spec.physical} ({duplicate['Id']}) holds {users}")
            cognito.delete_user_pool(UserPoolId=duplicate["Id"])

    def delete(self, target: Target, physical: str) -> None:
        found = find_user_pool(target, physical)
        if found is not None:
            target.client("cognito-idp").delete_user_pool(UserPoolId=found["Id"])

    def listing(self, target: Target, prefix: str) -> Iterable[tuple[str, Any]]:
        return ((pool["Name"], pool) for pool in _pools(target))

    def listed_tags(self, target: Target, physical: str, item: Any) -> dict[str, str]:
        return _pool_tags(target, item["Id"])

    def output(self, target: Target, system: System, resource: UserPool) -> dict[str, Any] | None:
        found = find_user_pool(target, system.physical_name(resource))
        if found is None:
            return None
        by_name: dict[str, list[dict[str, Any]]] = {}
        for client in pool_clients(target, found["Id"]):
            by_name.setdefault(client["ClientName"], []).append(client)
        return {"id": found["Id"], "clients": {name: _oldest_clients(target, found["Id"], named)[0]["ClientId"]
                                               for name, named in by_name.items()}}

    def output_lines(self, name: str, value: Any) -> list[tuple[str, str, str]]:
        return [("user pool", name, value["id"]),
                *(("client", f"{name}/{client}", client_id) for client, client_id in value["clients"].items())]


class UserPoolClientProvider(Provider):
    """App clients carry no tags: they belong to the system that owns their pool."""

    kind = "user-pool-client"
    level = 1
    replace_fields = frozenset({"pool", "generate_secret"})
    taggable = False

    @staticmethod
    def spec(pool: UserPool, pool_physical: str, client: AppClient) -> Spec:
        return Spec("user-pool-client", f"{pool.name}/{client.name}", f"{pool_physical}/{client.name}", {
            "pool": pool_physical,
            "auth_flows": sorted(f.value for f in client.auth_flows),
            "generate_secret": client.generate_secret,
            "access_token_minutes": client.access_token_minutes,
            "id_token_minutes": client.id_token_minutes,
            "refresh_token_minutes": client.refresh_token_minutes,
            "prevent_user_existence_errors": client.prevent_user_existence_errors,
            "duplicates": [],  # other clients of this name in the pool
        })

    @staticmethod
    def _named(target: Target, physical: str) -> tuple[str, list[dict[str, Any]]] | None:
        """(pool id, the listings of every client of that name, oldest first) of a client by its physical name,
        None if its pool is missing."""
        pool_name, _, client_name = physical.partition("/")
        pool = find_user_pool(target, pool_name)
        if pool is None:
            return None
        return pool["Id"], _oldest_clients(
            target, pool["Id"], [c for c in pool_clients(target, pool["Id"]) if c["ClientName"] == client_name])

    def _find(self, target: Target, physical: str) -> tuple[str, dict[str, Any]] | None:
        """(pool id, the client's listing) of a client by its physical name, None if its pool or it is missing."""
        named = self._named(target, physical)
        return (named[0], named[1][0]) if named and named[1] else None

    def read(self, target: Target, spec: Spec) -> Live | None:
        named = self._named(target, spec.physical)
        if named is None or not named[1]:
            return None
        pool_id, summary = named[0], named[1][0]
        client = target.client("cognito-idp").describe_user_pool_client(
            UserPoolId=pool_id, ClientId=summary["ClientId"])["UserPoolClient"]
        validity = client.get("TokenValidityUnits", {})

        def minutes(field: str, unit_field: str, default_unit: str) -> int | None:
            value = client.get(field)
            return value * MINUTES[validity.get(unit_field, default_unit)] if value is not None else None

        return Live({
            "pool": spec.props["pool"],
            "auth_flows": sorted(client.get("ExplicitAuthFlows", [])),
            "generate_secret": bool(client.get("ClientSecret")),
            "access_token_minutes": minutes("AccessTokenValidity", "AccessToken", "hours"),
            "id_token_minutes": minutes("IdTokenValidity", "IdToken", "hours"),
            "refresh_token_minutes": minutes("RefreshTokenValidity", "RefreshToken", "days"),
            "prevent_user_existence_errors": client.get("PreventUserExistenceErrors") == "ENABLED",
            "duplicates": [c["ClientId"] for c in named[1][1:]],
        })

    @staticmethod
    def _settings(spec: Spec) -> dict[str, Any]:
        props = spec.props
        return {"ClientName": spec.physical.partition("/")[2], "ExplicitAuthFlows": props["auth_flows"],
                "AccessTokenValidity": props["access_token_minutes"], "IdTokenValidity": props["id_token_minutes"],
                "RefreshTokenValidity": props["refresh_token_minutes"],
                "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "minutes"},
                "PreventUserExistenceErrors": "ENABLED" if props["prevent_user_existence_errors"] else "LEGACY"}

    def create(self, target: Target, spec: Spec, tags: dict[str, str]) -> None:
        if self._find(target, spec.physical) is not None:  # never a second client of one name in a pool
            self.update(target, spec, set(spec.props), tags)
            return
        pool = find_user_pool(target, spec.props["pool"])
        assert pool is not None
        target.client("cognito-idp").create_user_pool_client(
            UserPoolId=pool["Id"], GenerateSecret=spec.props["generate_secret"], **self._settings(spec))

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        """UpdateUserPoolClient resets what it is not sent, like UpdateUserPool: it gets the whole model."""
        named = self._named(target, spec.physical)
        assert named is not None and named[1], f"app client {spec.physical} vanished"
        cognito = target.client("cognito-idp")
        cognito.update_user_pool_client(UserPoolId=named[0], ClientId=named[1][0]["ClientId"], **self._settings(spec))
        for duplicate in named[1][1:]:
            cognito.delete_user_pool_client(UserPoolId=named[0], ClientId=duplicate["ClientId"])

    def delete(self, target: Target, physical: str) -> None:
        pool_name, _, client_name = physical.partition("/")
        pool = find_user_pool(target, pool_name)
        if pool is None:
            return
        cognito = target.client("cognito-idp")
        for client in cognito.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=60)["UserPoolClients"]:
            if client["ClientName"] == client_name:
                cognito.delete_user_pool_client(UserPoolId=pool["Id"], ClientId=client["ClientId"])

    def list_owned(self, target: Target, prefix: str, known: frozenset[str] = frozenset()
                   ) -> Iterator[tuple[str, dict[str, str]]]:
        """Clients of the pools the prefix names, with their pool's tags (fetched once a pool; deleting a pool
        deletes its clients)."""
        for pool in _pools(target):
            if not pool["Name"].startswith(prefix):
                continue
            unknown = [name for name in (f"{pool['Name']}/{c['ClientName']}" for c in pool_clients(target, pool["Id"]))
                       if name not in known]
            if unknown:
                tags = _pool_tags(target, pool["Id"])
                yield from ((name, tags) for name in unknown)
