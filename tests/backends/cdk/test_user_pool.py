"""The platform's user pool and its client rendered by the CDK backend (``oratio/backends/cdk/user_pool.py``);
expectations come from the model."""

from __future__ import annotations

from aws_cdk.assertions import Template

from oratio.model import AuthFlow, System


def test_user_pool_and_client_as_the_model_says(system: System, templates: dict[str, Template]) -> None:
    (pool,) = system.user_pools
    template = templates["auth"]
    (rendered,) = template.find_resources("AWS::Cognito::UserPool").values()
    props = rendered["Properties"]
    assert props["UserPoolName"] == system.physical_name(pool)
    assert props["UsernameAttributes"] == ["email"]
    assert props["MfaConfiguration"] == pool.mfa.value
    assert props["Policies"]["PasswordPolicy"] == {
        "MinimumLength": pool.password_policy.min_length,
        "RequireLowercase": True, "RequireUppercase": True, "RequireNumbers": True, "RequireSymbols": True,
        "TemporaryPasswordValidityDays": pool.password_policy.temporary_password_days,
    }
    assert rendered["DeletionPolicy"] == "Retain"
    (client,) = template.find_resources("AWS::Cognito::UserPoolClient").values()
    (model_client,) = pool.clients
    assert client["Properties"]["ClientName"] == model_client.name
    assert client["Properties"]["GenerateSecret"] is False
    assert set(client["Properties"]["ExplicitAuthFlows"]) == {flow.value for flow in model_client.auth_flows}
    assert AuthFlow.REFRESH_TOKEN in model_client.auth_flows
