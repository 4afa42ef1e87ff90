"""A user pool and its app clients as Cognito constructs."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from oratio.backends.cdk.common import REMOVAL, construct_id, tag
from oratio.model import AuthFlow, Mfa, SignInAlias, System, UserPool

MFA = {Mfa.OFF: cognito.Mfa.OFF, Mfa.OPTIONAL: cognito.Mfa.OPTIONAL, Mfa.REQUIRED: cognito.Mfa.REQUIRED}


def render_user_pool(scope: Construct, system: System,
                     pool: UserPool) -> tuple[cognito.UserPool, list[cognito.UserPoolClient]]:
    policy = pool.password_policy
    construct = cognito.UserPool(
        scope, construct_id(pool.name),
        user_pool_name=system.physical_name(pool),
        sign_in_aliases=cognito.SignInAliases(
            email=SignInAlias.EMAIL in pool.sign_in_aliases,
            username=SignInAlias.USERNAME in pool.sign_in_aliases,
            phone=SignInAlias.PHONE in pool.sign_in_aliases,
        ),
        self_sign_up_enabled=pool.self_sign_up,
        auto_verify=cognito.AutoVerifiedAttrs(email=pool.auto_verify_email),
        password_policy=cognito.PasswordPolicy(
            min_length=policy.min_length,
            require_lowercase=policy.require_lowercase,
            require_uppercase=policy.require_uppercase,
            require_digits=policy.require_digits,
            require_symbols=policy.require_symbols,
            temp_password_validity=Duration.days(policy.temporary_password_days),
        ),
        mfa=MFA[pool.mfa],
        mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False) if pool.mfa is not Mfa.OFF else None,
        removal_policy=REMOVAL[pool.retention],
        # The model sends no SMS (its second factor is OTP, it verifies e-mail only): no SMS role, which the CDK
        # would otherwise add for phone sign-in, allowed sns:Publish on '*'.
        enable_sms_role=False,
    )
    clients = [
        construct.add_client(
            construct_id(client.name),
            user_pool_client_name=client.name,
            generate_secret=client.generate_secret,
            # The model has no OAuth settings: no hosted-UI flows, scopes or callback URLs (the CDK's default
            # would allow the implicit and code grants with a callback to https://example.com).
            disable_o_auth=True,
            auth_flows=cognito.AuthFlow(
                user_srp=AuthFlow.USER_SRP in client.auth_flows,
                user_password=AuthFlow.USER_PASSWORD in client.auth_flows,
                admin_user_password=AuthFlow.ADMIN_USER_PASSWORD in client.auth_flows,
            ),
            access_token_validity=Duration.minutes(client.access_token_minutes),
            id_token_validity=Duration.minutes(client.id_token_minutes),
            refresh_token_validity=Duration.minutes(client.refresh_token_minutes),
            prevent_user_existence_errors=client.prevent_user_existence_errors,
        )
        for client in pool.clients
    ]
    for client, rendered in zip(pool.clients, clients, strict=True):
        # The CDK adds ALLOW_REFRESH_TOKEN_AUTH to every client; the model's flows are the whole list.
        rendered.node.default_child.add_property_override(  # type: ignore[union-attr]
            "ExplicitAuthFlows", [flow.value for flow in client.auth_flows])
    tag(construct, system)
    return construct, clients
