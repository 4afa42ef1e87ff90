"""A system with an HTTP API rendered by the CDK backend (``oratio/backends/cdk/http_api.py``): synthesized with
cdk-nag (a finding without its acknowledgement fails the synth) and linted by cfn-lint; expectations come from
the model and from the execute-api ARN format."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from oratio.backends.cdk.app import build_app, stack_name
from oratio.model import System
from oratio.model.http_api import ACCESS_LOG_FORMAT
from tests.backends.cdk.cfn import resolved_string
from tests.fixtures.api_system import api_system

PROJECT_ROOT = Path(__file__).resolve().parents[3]
CDK_CONTEXT = json.loads((PROJECT_ROOT / "cdk.json").read_text())["context"]


@pytest.fixture(scope="module")
def system() -> System:
    return api_system()


@pytest.fixture(scope="module")
def assembly(system: System, tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("cdk.out")
    build_app(system, outdir=str(outdir), project_root=PROJECT_ROOT, nag=True, context=CDK_CONTEXT).synth()
    return outdir


@pytest.fixture(scope="module")
def api_template(system: System, assembly: Path) -> Template:
    return Template.from_json(json.loads((assembly / f"{stack_name(system, 'api')}.template.json").read_text()))


def _resources(template: Template, kind: str) -> dict[str, dict]:
    return template.find_resources(kind)


def test_the_api_and_its_default_stage(system: System, api_template: Template) -> None:
    (api,) = _resources(api_template, "AWS::ApiGatewayV2::Api").values()
    model = system.http_apis[0]
    assert api["Properties"]["Name"] == system.physical_name(model)
    assert api["Properties"]["ProtocolType"] == "HTTP"
    assert api["Properties"]["CorsConfiguration"] == {
        "AllowCredentials": True, "AllowHeaders": ["authorization", "content-type"],
        "AllowMethods": ["GET", "POST", "PUT", "PATCH", "DELETE"], "AllowOrigins": ["https://app.example.com"],
        "MaxAge": 600}
    (stage,) = _resources(api_template, "AWS::ApiGatewayV2::Stage").values()
    props = stage["Properties"]
    assert (props["StageName"], props["AutoDeploy"]) == ("$default", True)
    assert props["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 50, "ThrottlingRateLimit": 20}
    assert props["AccessLogSettings"]["Format"] == ACCESS_LOG_FORMAT
    (group_id, group), = _resources(api_template, "AWS::Logs::LogGroup").items()
    assert group["Properties"]["LogGroupName"] == f"/aws/vendedlogs/apis/{system.physical_name(model)}"
    assert props["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": [group_id, "Arn"]}


def test_the_authorizer_is_the_pools_and_on_every_protected_route(system: System, api_template: Template) -> None:
    (authorizer_id, authorizer), = _resources(api_template, "AWS::ApiGatewayV2::Authorizer").items()
    props = authorizer["Properties"]
    assert props["AuthorizerType"] == "JWT"
    assert props["IdentitySource"] == ["$request.header.Authorization"]
    # The issuer and audience come from the auth stack's pool and its "web" client (never "other"): read from
    # that stack's exports (strong cross-stack references: LocalStack's CloudFormation does not evaluate the weak
    # ones' Fn::GetStackOutput), never typed.
    _, parts = props["JwtConfiguration"]["Issuer"]["Fn::Join"]
    assert parts[:3] == ["https://cognito-idp.", {"Ref": "AWS::Region"}, ".amazonaws.com/"]
    assert parts[3]["Fn::ImportValue"].startswith(f"{stack_name(system, 'auth')}:ExportsOutputRefUsers")
    (audience,) = props["JwtConfiguration"]["Audience"]
    assert audience["Fn::ImportValue"].startswith(f"{stack_name(system, 'auth')}:ExportsOutputRefUsersWeb")
    routes = {r["Properties"]["RouteKey"]: r["Properties"] for r in
              _resources(api_template, "AWS::ApiGatewayV2::Route").values()}
    model = system.http_apis[0]
    assert set(routes) == {route.key for route in model.routes}
    for route in model.routes:
        if route.public:
            assert routes[route.key].get("AuthorizationType", "NONE") == "NONE", route.key
            assert "AuthorizerId" not in routes[route.key]
        else:
            assert routes[route.key]["AuthorizationType"] == "JWT", route.key
            assert routes[route.key]["AuthorizerId"] == {"Ref": authorizer_id}, route.key


def test_one_lambda_integration_payload_2_for_the_function(system: System, api_template: Template) -> None:
    (integration,) = _resources(api_template, "AWS::ApiGatewayV2::Integration").values()
    props = integration["Properties"]
    assert (props["IntegrationType"], props["PayloadFormatVersion"]) == ("AWS_PROXY", "2.0")
    function = system.physical_name(system.functions[0])
    assert resolved_string(props["IntegrationUri"]) == \
        f"arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:{function}"


def test_each_route_invokes_with_a_permission_scoped_to_its_method_and_path(system: System,
                                                                            api_template: Template) -> None:
    (api_id,) = _resources(api_template, "AWS::ApiGatewayV2::Api")
    arns = []
    for permission in _resources(api_template, "AWS::Lambda::Permission").values():
        props = permission["Properties"]
        assert (props["Action"], props["Principal"]) == ("lambda:InvokeFunction", "apigateway.amazonaws.com")
        separator, parts = props["SourceArn"]["Fn::Join"]
        arns.append(separator.join(p if isinstance(p, str) else
                                   ("<api>" if p == {"Ref": api_id} else f"<{p['Ref']}>") for p in parts))
    prefix = "arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<api>/*/"
    assert sorted(arns) == sorted(prefix + tail for tail in [
        "GET/items", "GET/items/*", "POST/items/*/boom", "GET/items/special", "*/files/*", "GET/bare",
        "GET/teapot", "GET/health", "$default"])


def test_the_url_is_an_output(system: System, api_template: Template) -> None:
    outputs = api_template.find_outputs("*")
    assert set(outputs) == {"ApiApiUrl", "ApiApiId"}
    (api_id,) = _resources(api_template, "AWS::ApiGatewayV2::Api")
    assert outputs["ApiApiUrl"]["Value"] == {"Fn::Join": ["", [{"Fn::GetAtt": [api_id, "ApiEndpoint"]}, "/"]]}


def test_cfn_lint_finds_nothing(assembly: Path, system: System) -> None:
    templates = [str(assembly / f"{stack_name(system, concern)}.template.json") for concern in ("auth", "api")]
    result = subprocess.run([sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())",
                             "--format", "json", *templates], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
