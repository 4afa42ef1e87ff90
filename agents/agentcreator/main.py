"""The AgentCreator meta-agent (AgentCore entry point): given an agent's specification and where its code goes,
it asks the foundation model to write the agent (``agent.py`` on the serving base's contract), checks that the
result parses and follows the contract (one retry with the error), and writes it to the generated-code bucket.

Request: ``{"specification": {...}, "output": {"bucket", "key"}, "knowledgeBaseId": ...}``; answer:
``{"bucket", "key", "bytes", "model"}``. It writes only into the bucket named in GENERATED_CODE_BUCKET.
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

from agent_common import models
from agent_common.contract import ContractError, check, extract_code
from agent_common.server import AgentError, serve

SYSTEM_PROMPT = """You write agent code: one Python module, agent.py, for an AI agent that runs on a serving base.
Contract: define at top level `def handle(request: dict, tools) -> dict`. `request["prompt"]` is the user's
question. `tools.retrieve(query) -> list[str]` returns passages from the agent's own documents, best first;
`tools.converse(system, prompt) -> str` asks the agent's model. Ground every answer in retrieved passages and
return {"answer": <text>, "sources": <number of passages used>}. Use the standard library only; do not start a
server, read files or the network. Answer with the module in one ```python block and nothing else."""

MAX_ATTEMPTS = 2


@cache
def _s3() -> Any:
    import boto3

    return boto3.client("s3")


def prompt_for(specification: dict[str, Any], error: str | None = None) -> str:
    text = "Write agent.py for this agent specification:\n" + json.dumps(specification, indent=2, sort_keys=True)
    if error:
        text += f"\n\nYour previous module was refused: {error}. Write it again, following the contract."
    return text


def generate(specification: dict[str, Any], model_id: str) -> str:
    error = None
    for _ in range(MAX_ATTEMPTS):
        code = extract_code(models.converse(model_id, SYSTEM_PROMPT, prompt_for(specification, error)))
        try:
            check(code)
            return code
        except ContractError as refused:
            error = str(refused)
    raise AgentError(f"the model wrote no valid agent in {MAX_ATTEMPTS} attempts: {error}")


def handle(payload: dict[str, Any]) -> dict[str, Any]:
    specification, output = payload.get("specification"), payload.get("output")
    if not isinstance(specification, dict) or not isinstance(output, dict):
        raise AgentError("send {\"specification\": {...}, \"output\": {\"bucket\": ..., \"key\": ...}}")
    bucket, key = output.get("bucket"), output.get("key")
    if bucket != os.environ["GENERATED_CODE_BUCKET"] or not isinstance(key, str) or not key.endswith(".py"):
        raise AgentError(f"output must be a .py key in {os.environ['GENERATED_CODE_BUCKET']}, got {output!r}")
    model_id = os.environ["MODEL_ID"]
    code = generate(specification, model_id)
    _s3().put_object(Bucket=bucket, Key=key, Body=code.encode(), ContentType="text/x-python")
    print(json.dumps({"step": "code-written", "bucket": bucket, "key": key, "bytes": len(code)}))
    return {"bucket": bucket, "key": key, "bytes": len(code), "model": model_id}


if __name__ == "__main__":
    serve(handle)
