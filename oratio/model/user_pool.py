"""Cognito user pools and their app clients."""

from __future__ import annotations

import enum
from collections.abc import Iterator

import attrs

from oratio.model import rules
from oratio.model.common import (
    Retention,
    Validated,
    check_enum,
    check_exemptions,
    check_identifier,
    check_int_range,
    check_items,
    check_nested,
    check_type,
    check_unique,
    exemptions_field,
    to_enum,
    to_tuple,
)
from oratio.model.errors import Problem


class SignInAlias(enum.StrEnum):
    EMAIL = "email"
    USERNAME = "username"
    PHONE = "phone"


class Mfa(enum.StrEnum):
    OFF = "OFF"
    OPTIONAL = "OPTIONAL"
    REQUIRED = "ON"


class AuthFlow(enum.StrEnum):
    USER_SRP = "ALLOW_USER_SRP_AUTH"
    USER_PASSWORD = "ALLOW_USER_PASSWORD_AUTH"
    REFRESH_TOKEN = "ALLOW_REFRESH_TOKEN_AUTH"
    ADMIN_USER_PASSWORD = "ALLOW_ADMIN_USER_PASSWORD_AUTH"


@attrs.frozen
class PasswordPolicy(Validated):
    _subject = "password policy"
    min_length: int = 12
    require_lowercase: bool = True
    require_uppercase: bool = True
    require_digits: bool = True
    require_symbols: bool = True
    temporary_password_days: int = 3

    def problems(self) -> Iterator[Problem]:
        yield from check_int_range("min_length", self.min_length, rules.COGNITO_PASSWORD_LENGTH,
                                   rules.COGNITO_PASSWORD)
        yield from check_int_range("temporary_password_days", self.temporary_password_days,
                                   rules.COGNITO_TEMP_PASSWORD_DAYS, rules.COGNITO_PASSWORD)
        for field in ("require_lowercase", "require_uppercase", "require_digits", "require_symbols"):
            yield from check_type(field, getattr(self, field), bool, "True or False")


@attrs.frozen
class AppClient(Validated):
    """An app client (e.g. the web front end): public (no secret) unless ``generate_secret``."""

    _subject = "app client"
    name: str
    auth_flows: tuple[AuthFlow, ...] = attrs.field(
        default=(AuthFlow.USER_SRP, AuthFlow.REFRESH_TOKEN),
        converter=lambda v: tuple(to_enum(AuthFlow)(f) for f in v) if isinstance(v, (list, tuple)) else v,
    )
    generate_secret: bool = False
    access_token_minutes: int = 60
    id_token_minutes: int = 60
    refresh_token_minutes: int = 30 * 24 * 60
    prevent_user_existence_errors: bool = True

    def problems(self) -> Iterator[Problem]:
        yield from check_identifier("name", self.name, rules.LOGICAL)
        if not isinstance(self.auth_flows, tuple) or len(self.auth_flows) not in rules.COGNITO_AUTH_FLOWS:
            yield Problem("auth_flows", rules.COGNITO_CLIENT, "give at least one auth flow")
        else:
            for index, flow in enumerate(self.auth_flows):
                yield from check_enum(f"auth_flows[{index}]", flow, AuthFlow)
        for field in ("access_token_minutes", "id_token_minutes"):
            yield from check_int_range(field, getattr(self, field), rules.COGNITO_ACCESS_TOKEN_MINUTES,
                                       rules.COGNITO_VALIDITY)
        yield from check_int_range("refresh_token_minutes", self.refresh_token_minutes,
                                   rules.COGNITO_REFRESH_TOKEN_MINUTES, rules.COGNITO_VALIDITY)
        refresh = self.refresh_token_minutes
        for field in ("access_token_minutes", "id_token_minutes"):  # Cognito: never longer than the refresh token
            value = getattr(self, field)
            if isinstance(value, int) and isinstance(refresh, int) and value > refresh:
                yield Problem(field, rules.COGNITO_VALIDITY,
                              f"{value} min is longer than the refresh token's {refresh} min")
        for field in ("generate_secret", "prevent_user_existence_errors"):
            yield from check_type(field, getattr(self, field), bool, "True or False")


@attrs.frozen
class UserPool(Validated):
    """A Cognito user pool with its app clients."""

    _subject = "user pool"
    name: str
    sign_in_aliases: tuple[SignInAlias, ...] = attrs.field(
        default=(SignInAlias.EMAIL,),
        converter=lambda v: tuple(to_enum(SignInAlias)(a) for a in v) if isinstance(v, (list, tuple)) else v,
    )
    self_sign_up: bool = True
    auto_verify_email: bool = True
    password_policy: PasswordPolicy = attrs.field(factory=PasswordPolicy)
    mfa: Mfa = attrs.field(default=Mfa.OPTIONAL, converter=to_enum(Mfa))
    clients: tuple[AppClient, ...] = attrs.field(default=(), converter=to_tuple)
    retention: Retention = attrs.field(default=Retention.RETAIN, converter=to_enum(Retention))
    exemptions: tuple = exemptions_field()

    def problems(self) -> Iterator[Problem]:
        yield from check_identifier("name", self.name, rules.LOGICAL)
        if not isinstance(self.sign_in_aliases, tuple) or not self.sign_in_aliases:
            yield Problem("sign_in_aliases", rules.TYPE, "give at least one sign-in alias")
        else:
            for index, alias in enumerate(self.sign_in_aliases):
                yield from check_enum(f"sign_in_aliases[{index}]", alias, SignInAlias)
        for field in ("self_sign_up", "auto_verify_email"):
            yield from check_type(field, getattr(self, field), bool, "True or False")
        yield from check_nested("password_policy", self.password_policy, PasswordPolicy, "a PasswordPolicy")
        yield from check_enum("mfa", self.mfa, Mfa)
        yield from check_enum("retention", self.retention, Retention)
        yield from check_items("clients", self.clients, AppClient, "an AppClient")
        if isinstance(self.clients, tuple):
            yield from check_unique("clients", (c.name for c in self.clients if isinstance(c, AppClient)),
                                    "app client")
        yield from check_exemptions(self.exemptions)
