"""The AWS calls of the handlers and agents that cannot be made here (AgentCore control and data planes, S3
Vectors, Bedrock knowledge bases, Retrieve, Converse), checked against botocore's own service models: each call's
parameters as the code builds them must validate, and the deployer's package must be reproducible."""

from __future__ import annotations

import importlib.util
import os
import sys
import zipfile
from io import BytesIO
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONTEXT = SimpleNamespace(invoked_function_arn="arn:aws:lambda:eu-west-1:111122223333:function:f")
SPECIFICATION = {"name": "Docs helper", "instructions": "Answer questions about the user's documents, briefly."}


def validate(service: str, operation: str, params: dict[str, Any]) -> None:
    model = botocore.session.get_session().get_service_model(service).operation_model(operation)
    report = ParamValidator().validate(params, model.input_shape)
    assert not report.has_errors(), report.generate_report()


def load(path: str, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, PROJECT_ROOT / path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {"EMBEDDING_MODEL_ID": "amazon.titan-embed-text-v2:0", "EMBEDDING_DIMENSIONS": "1024",
                       "KNOWLEDGE_BASE_ROLE_ARN": "arn:aws:iam::111122223333:role/oratio-dev-knowledge-base",
                       "KNOWLEDGE_BASES_BUCKET": "oratio-dev-knowledge-bases-111122223333",
                       "AGENTCREATOR_RUNTIME_ARN": "arn:aws:bedrock-agentcore:eu-west-1:111122223333:runtime/"
                                                   "oratio_dev_agentcreator-a1b2c3d4e5",
                       "AGENTS_ROLE_ARN": "arn:aws:iam::111122223333:role/oratio-dev-agents",
                       "AGENT_MODEL_ID": "us.anthropic.claude-3-5-haiku-20241022-v1:0",
                       "AGENT_RUNTIME_PREFIX": "oratio_dev_"}.items():
        monkeypatch.setenv(key, value)
    for folder in ("lambdas", "agents"):
        monkeypatch.syspath_prepend(str(PROJECT_ROOT / folder))


def test_kb_provisioner_calls_are_well_formed() -> None:
    handler = load("lambdas/kb_provisioner/handler.py", "kb_provisioner_handler")
    validate("s3vectors", "CreateIndex", handler.create_index_request("oratio-dev-knowledge-vectors", "Agent_42"))
    index_arn = "arn:aws:s3vectors:eu-west-1:111122223333:bucket/oratio-dev-knowledge-vectors/index/agent-agent-42"
    request = handler.knowledge_base_request("user-1", "agent-42", SPECIFICATION, index_arn, CONTEXT)
    validate("bedrock-agent", "CreateKnowledgeBase", request)
    assert request["knowledgeBaseConfiguration"]["vectorKnowledgeBaseConfiguration"]["embeddingModelArn"] == \
        "arn:aws:bedrock:eu-west-1::foundation-model/amazon.titan-embed-text-v2:0"
    assert request["storageConfiguration"] == {"type": "S3_VECTORS", "s3VectorsConfiguration": {"indexArn": index_arn}}
    validate("bedrock-agent", "CreateDataSource", handler.data_source_request("user-1", "agent-42", "KB12345678",
                                                                              CONTEXT))
    validate("bedrock-agent", "StartIngestionJob", {"clientToken": handler.client_token("u", "a", "ingestion"),
                                                    "knowledgeBaseId": "KB12345678", "dataSourceId": "DS12345678"})


def test_the_invoker_calls_invoke_agent_runtime_well_formed() -> None:
    handler = load("lambdas/agentcreator_invoker/handler.py", "invoker_handler")
    request = handler.invoke_request("user-1", "agent-42", SPECIFICATION, "oratio-dev-generated-code-1", "KB1")
    validate("bedrock-agentcore", "InvokeAgentRuntime", request)
    assert request["agentRuntimeArn"] == os.environ["AGENTCREATOR_RUNTIME_ARN"]


def test_the_deployer_creates_and_updates_runtimes_well_formed() -> None:
    handler = load("lambdas/agentcore_deployer/handler.py", "deployer_handler")
    record = {"knowledgeBaseId": "KB12345678", "specification": SPECIFICATION}
    settings = handler.runtime_settings(record, "oratio-dev-generated-code-1", "u/a/agent-0123.zip")
    name = handler.runtime_name("user-1", "agent-42")
    assert name.startswith("oratio_dev_agent_") and len(name) <= 48
    validate("bedrock-agentcore-control", "CreateAgentRuntime",
             {"agentRuntimeName": name, "clientToken": "x" * 64, "description": "d", **settings})
    validate("bedrock-agentcore-control", "UpdateAgentRuntime",
             {"agentRuntimeId": "oratio_dev_agent_x-a1b2c3d4e5", "clientToken": "x" * 64, **settings})
    validate("bedrock-agentcore-control", "GetAgentRuntime", {"agentRuntimeId": "oratio_dev_agent_x-a1b2c3d4e5"})


def test_the_deployers_package_is_reproducible_and_holds_the_serving_base() -> None:
    handler = load("lambdas/agentcore_deployer/handler.py", "deployer_handler")
    code = "def handle(request, tools):\n    return {'answer': tools.converse('s', request['prompt'])}\n"
    first, second = handler.package(code), handler.package(code)
    assert first == second
    names = zipfile.ZipFile(BytesIO(first)).namelist()
    assert names == sorted(names)
    expected = {"main.py", "agent.py", "agent_common/server.py", "agent_common/models.py", "boto3/__init__.py"}
    assert expected <= set(names)
    assert handler.package(code + "# changed\n") != first


def test_agents_bedrock_calls_are_well_formed() -> None:
    sys.modules.pop("agent_common", None)
    from agent_common import models

    validate("bedrock-runtime", "Converse", models.converse_request("us.anthropic.claude-3-5-haiku-20241022-v1:0",
                                                                    "system", "prompt"))
    validate("bedrock-agent-runtime", "Retrieve", models.retrieve_request("KB12345678", "what is in my documents?"))


def test_the_contract_of_generated_code() -> None:
    from agent_common.contract import ContractError, check, extract_code

    check(extract_code("Here:\n```python\ndef handle(request, tools):\n    return {}\n```\n"))
    for bad, why in [("def handle(request):\n    pass\n", "exactly two arguments"),
                     ("x = (\n", "not valid Python"), ("def other(a, b):\n    pass\n", "no top-level handle")]:
        with pytest.raises(ContractError, match=why):
            check(bad)
