"""Every Bedrock call an agent makes, in one place: Converse (bedrock-runtime) and Retrieve
(bedrock-agent-runtime). On AWS these reach Bedrock; a local run points the SDK's Bedrock endpoints at a
stand-in (AWS_ENDPOINT_URL), so no agent's own code ever knows which one answers.
"""

from __future__ import annotations

from functools import cache
from typing import Any

MAX_TOKENS = 4096


@cache
def _client(service: str) -> Any:
    import boto3

    return boto3.client(service)


def converse_request(model_id: str, system: str, prompt: str, max_tokens: int = MAX_TOKENS) -> dict[str, Any]:
    """Converse's parameters for one user turn (kept apart so that tests check them against botocore)."""
    return {"modelId": model_id, "system": [{"text": system}],
            "messages": [{"role": "user", "content": [{"text": prompt}]}],
            "inferenceConfig": {"maxTokens": max_tokens, "temperature": 0.2}}


def converse(model_id: str, system: str, prompt: str, max_tokens: int = MAX_TOKENS) -> str:
    """The model's text answer to ``prompt`` under the ``system`` instructions."""
    response = _client("bedrock-runtime").converse(**converse_request(model_id, system, prompt, max_tokens))
    return "".join(part.get("text", "") for part in response["output"]["message"]["content"])


def retrieve_request(knowledge_base_id: str, query: str, results: int = 5) -> dict[str, Any]:
    return {"knowledgeBaseId": knowledge_base_id, "retrievalQuery": {"text": query[:1000]},
            "retrievalConfiguration": {"vectorSearchConfiguration": {"numberOfResults": results}}}


def retrieve(knowledge_base_id: str, query: str, results: int = 5) -> list[str]:
    """The passages of the knowledge base most relevant to ``query``, best first."""
    response = _client("bedrock-agent-runtime").retrieve(**retrieve_request(knowledge_base_id, query, results))
    return [r["content"]["text"] for r in response.get("retrievalResults", []) if r.get("content", {}).get("text")]
