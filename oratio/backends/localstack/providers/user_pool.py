"""Cognito user pools and their app clients (two kinds, as in the model's ``user_pool.py``: a client lives in its
pool). Cognito finds both by id only: they are looked up by name, and a client's physical name is
"<pool's physical name>/<client name>", client names being unique only within their pool."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from oratio.backends.localstack.providers.base import Context, Live, Provider, Spec, listed
from oratio.backends.localstack.target import Target
from oratio.model import AppClient, Retention, System, UserPool

# Cognito's names for the aliases that sign in instead of a user name.
USERNAME_ATTRIBUTES = {"email": "email", "phone": "phone_number"}
PASSWORD_POLICY_FIELDS = ("MinimumLength", "RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols",
                          "TemporaryPasswordValidityDays")
MINUTES = {"minutes": 1, "hours": 60, "days": 24 * 60}


def find_user_pool(target: Target, name: str) -> dict[str, Any] | None:
    return next((pool for pool in _pools(target) if pool["Name"] == name), None)


def _pools(target: Target) -> Iterator[dict[str, Any]]:
    return listed(target.client("cognito-idp"), "list_user_pools", "UserPools", MaxResults=60)


def _clients(target: Target, pool_id: str) -> Iterator[dict[str, Any]]:
    return listed(target.client("cognito-idp"), "list_user_pool_clients", "UserPoolClients", UserPoolId=pool_id,
                  MaxResults=60)


def _pool_tags(target: Target, pool_id: str) -> dict[str, str]:
    return target.client("cognito-idp").describe_user_pool(UserPoolId=pool_id)["UserPool"].get("UserPoolTags", {})


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
        }, retain=pool.retention is Retention.RETAIN), *(UserPoolClientProvider.spec(pool, physical, client)
                                                         for client in pool.clients)]

    def read(self, target: Target, spec: Spec) -> Live | None:
        found = find_user_pool(target, spec.physical)
        if found is None:
            return None
        pool = target.client("cognito-idp").describe_user_pool(UserPoolId=found["Id"])["UserPool"]
        policy = pool.get("Policies", {}).get("PasswordPolicy", {})
        return Live({
            "username_attributes": sorted(pool.get("UsernameAttributes", [])),
            "auto_verify_email": "email" in pool.get("AutoVerifiedAttributes", []),
            "self_sign_up": not pool.get("AdminCreateUserConfig", {}).get("AllowAdminCreateUserOnly", False),
            "mfa": pool.get("MfaConfiguration", "OFF"),
            "password_policy": {k: policy.get(k) for k in PASSWORD_POLICY_FIELDS},
        }, pool.get("UserPoolTags", {}))

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
        pool = target.client("cognito-idp").create_user_pool(
            PoolName=spec.physical, UsernameAttributes=spec.props["username_attributes"], UserPoolTags=tags,
            **self._settings(spec))["UserPool"]
        self._mfa(target, pool["Id"], spec)

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        found = find_user_pool(target, spec.physical)
        assert found is not None
        target.client("cognito-idp").update_user_pool(UserPoolId=found["Id"], UserPoolTags=tags,
                                                      **self._settings(spec))
        self._mfa(target, found["Id"], spec)

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
        return {"id": found["Id"], "clients": {c["ClientName"]: c["ClientId"] for c in _clients(target, found["Id"])}}

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
        })

    @staticmethod
    def _find(target: Target, physical: str) -> tuple[str, dict[str, Any]] | None:
        """(pool id, the client's listing) of a client by its physical name, None if its pool or it is missing."""
        pool_name, _, client_name = physical.partition("/")
        pool = find_user_pool(target, pool_name)
        if pool is None:
            return None
        client = next((c for c in _clients(target, pool["Id"]) if c["ClientName"] == client_name), None)
        return (pool["Id"], client) if client is not None else None

    def read(self, target: Target, spec: Spec) -> Live | None:
        found = self._find(target, spec.physical)
        if found is None:
            return None
        pool_id, summary = found
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
        pool = find_user_pool(target, spec.props["pool"])
        assert pool is not None
        target.client("cognito-idp").create_user_pool_client(
            UserPoolId=pool["Id"], GenerateSecret=spec.props["generate_secret"], **self._settings(spec))

    def update(self, target: Target, spec: Spec, fields: set[str], tags: dict[str, str]) -> None:
        found = self._find(target, spec.physical)
        assert found is not None
        target.client("cognito-idp").update_user_pool_client(
            UserPoolId=found[0], ClientId=found[1]["ClientId"], **self._settings(spec))

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
            unknown = [name for name in (f"{pool['Name']}/{c['ClientName']}" for c in _clients(target, pool["Id"]))
                       if name not in known]
            if unknown:
                tags = _pool_tags(target, pool["Id"])
                yield from ((name, tags) for name in unknown)
