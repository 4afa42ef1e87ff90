"""The serving base every generated agent is built on (its AgentCore entry point): AgentCore's contract, the
agent's knowledge base and model, and the generated ``agent.py``, which only says how to answer.

The generated module defines ``handle(request, tools) -> dict``: ``request`` is the invocation's JSON, ``tools``
offers ``retrieve(query) -> list[str]`` (the agent's own knowledge base) and ``converse(system, prompt) -> str``
(the agent's model). Configuration comes from the environment the deployer sets: KNOWLEDGE_BASE_ID, MODEL_ID.

``{"healthCheck": true}`` is answered by the base itself, without the model: the deployer sends it once the
runtime is READY, so that code which cannot start (it fails when imported) fails the deployment, with AgentCore's
error, instead of the agent's first user.
"""

from __future__ import annotations

import os
from typing import Any

import agent
from agent_common import models
from agent_common.server import AgentError, serve


class Tools:
    def __init__(self, knowledge_base_id: str, model_id: str) -> None:
        self.knowledge_base_id, self.model_id = knowledge_base_id, model_id

    def retrieve(self, query: str, results: int = 5) -> list[str]:
        return models.retrieve(self.knowledge_base_id, query, results)

    def converse(self, system: str, prompt: str) -> str:
        return models.converse(self.model_id, system, prompt)


def handle(payload: dict[str, Any]) -> dict[str, Any]:
    if payload.get("healthCheck") is True:
        return {"healthy": True}
    if not isinstance(payload.get("prompt"), str) or not payload["prompt"].strip():
        raise AgentError("send {\"prompt\": \"your question\"}")
    return agent.handle(payload, Tools(os.environ["KNOWLEDGE_BASE_ID"], os.environ["MODEL_ID"]))


if __name__ == "__main__":
    serve(handle)
