"""THE LOCAL MODEL STAND-IN at the Bedrock model API (bedrock-runtime Converse and InvokeModel). IT IS NOT A MODEL.

There is no foundation model on this machine. So that the platform's real code (the meta-agent, the generated
agents, the knowledge bases) runs locally, this module answers Bedrock's model API deterministically, and says so
everywhere it answers: every text it writes starts with ``[local model stand-in]`` (``STAND_IN_LABEL``), a Converse
response carries ``additionalModelResponseFields: {"oratioLocalStandIn": true}``, and an InvokeModel response body
carries ``"oratioLocalStandIn": true``.

What it answers (``answer``):
- **Agent code.** When the request asks for agent code (a system prompt or message mentioning "agent code", or the
  marker ``ORATIO-AGENT-CODE-REQUEST``) and holds a JSON specification (a ```json block or a bare object, either the
  specification itself or ``{"specification": {...}}``), the answer is the stand-in label and one ```python block
  of code made from the specification by ``agent_code_from_specification`` (the one template to adapt): an
  ``agent.py`` with ``handle(request, tools)`` on the platform's serving base.
- **A question with retrieved passages.** When the prompt holds passages (``<passage>...</passage>``,
  ``<search_result>...</search_result>`` or ``<document>...</document>`` blocks, or numbered ``[1] ...`` paragraphs),
  it quotes the passage sharing the most words with the question (the question: a ``Question:`` line, else the text
  outside the passages).
- Anything else: a labelled answer saying that no model runs locally, echoing the request's last text.

Every text request it answers is logged in LocalStack's log, one line each (``oratio model stand-in: Converse
<model> code-request|question|other ...``).

Embeddings (``amazon.titan-embed-text-v2:0`` and ``amazon.titan-embed-text-v1``, also used in-process by the
knowledge bases): hashed word features, L2-normalised (``embed``), so that cosine similarity grows with the words
two texts share and retrieval ranks passages sharing the question's words first.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
from collections import Counter
from typing import Any

from localstack.aws.api import CommonServiceException, RequestContext

LOG = logging.getLogger(__name__)

STAND_IN_LABEL = "[local model stand-in]"
CODE_REQUEST_MARKER = "ORATIO-AGENT-CODE-REQUEST"
TITAN_V2_DIMENSIONS = (256, 512, 1024)
TITAN_V1_DIMENSIONS = 1536
WORD = re.compile(r"[a-z0-9]+")
_STOPWORD_TEXT = (
    "a an and are as at be been but by can could did do does for from had has have how i if in into is it its me my "
    "no not of on or our so than that the their them then there these they this to was we were what when where which "
    "who why will with would you your about after all also any each more most other some such only own same very "
    "just should now")
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
PASSAGE_TAGS = re.compile(r"<(passage|search_result|document|context_passage)\b[^>]*>(.*?)</\1>", re.S | re.I)
NUMBERED = re.compile(r"^\s*\[(\d+)\]\s*(.+?)(?=^\s*\[\d+\]|\Z)", re.S | re.M)


# --- Words and embeddings ---------------------------------------------------------------------------------------
def words(text: str) -> list[str]:
    """Lower-case content words, with a plural "s" dropped so that "documents" meets "document"."""
    found = []
    for word in WORD.findall(text.lower()):
        if word in STOPWORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        found.append(word)
    return found


def embed(text: str, dimensions: int = 1024, normalize: bool = True) -> list[float]:
    """A deterministic embedding: each content word adds +-1 at a hashed position, weighted by 1 + log(count)."""
    vector = [0.0] * dimensions
    for word, count in Counter(words(text)).items():
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        position = int.from_bytes(digest[:4], "little") % dimensions
        sign = 1.0 if digest[4] & 1 else -1.0
        vector[position] += sign * (1.0 + math.log(count))
    if not any(vector):  # no content word: a fixed direction, so cosine stays defined
        vector[0] = 1.0
    if normalize:
        norm = math.sqrt(sum(v * v for v in vector))
        vector = [v / norm for v in vector]
    return vector


def token_count(text: str) -> int:
    return len(text.split())


def overlap(question: str, passage: str) -> float:
    """How well a passage answers a question: shared content words, rarer-in-passage first."""
    asked = set(words(question))
    if not asked:
        return 0.0
    passage_words = Counter(words(passage))
    return sum(1.0 for word in asked if word in passage_words) + 0.01 * sum(
        min(passage_words[word], 3) for word in asked)


# --- The code template ------------------------------------------------------------------------------------------
# Failure modes a specification may ask of the template (``"localStandIn": {"code": ...}``), so that tests reach the
# platform's failure paths with code a model could well have written: code that raises when it is imported (its
# runtime cannot start), and code without ``handle`` (the AgentCreator refuses it).
FAILS_TO_START = "fails-to-start"
BREAKS_CONTRACT = "breaks-contract"


def agent_code_from_specification(specification: dict[str, Any]) -> str:
    """THE template: ``agent.py`` on the platform's serving base (``agents/serving_base``), whose contract is
    ``handle(request, tools) -> dict``: ``request["prompt"]`` is the question, ``tools.retrieve(query)`` gives the
    agent's own passages best first, ``tools.converse(system, prompt)`` asks its model. The code retrieves, asks the
    model with the passages as ``<passage>`` blocks and the question on a ``Question:`` line (which this stand-in
    answers by quoting the best passage), and answers ``{"answer", "sources"}``. Adapt here, in one place, when the
    serving base's contract changes."""
    name = str(specification.get("name") or "agent")
    description = str(specification.get("description") or "an agent generated from its specification")
    instructions = str(specification.get("instructions") or specification.get("instruction") or description)
    mode = (specification.get("localStandIn") or {}).get("code") if isinstance(
        specification.get("localStandIn"), dict) else None
    failure = ""
    if mode == FAILS_TO_START:
        failure = ('\nraise RuntimeError("this agent fails at start: its specification asked the local model '
                   'stand-in for code that cannot start")\n')
    handler = "handle" if mode != BREAKS_CONTRACT else "answer"
    return (
        f"# Written by oratio's local model stand-in {STAND_IN_LABEL}: a deterministic template filled from the\n"
        "# agent's specification, not a model's work. On AWS a foundation model writes this file.\n"
        f'"""{name}: {description.replace(chr(34) * 3, "")}"""\n'
        "\n"
        f"AGENT_NAME = {name!r}\n"
        f"INSTRUCTIONS = {instructions!r}\n"
        f"GENERATED_BY = {'oratio-local-model-stand-in'!r}\n"
        f"{failure}"
        "\n"
        "\n"
        f"def {handler}(request, tools):\n"
        '    question = request["prompt"]\n'
        "    passages = tools.retrieve(question)\n"
        "    if not passages:\n"
        '        return {"answer": "None of my documents covers this question.", "sources": 0}\n'
        '    context = "\\n".join(f"<passage>{passage}</passage>" for passage in passages)\n'
        '    answer = tools.converse(INSTRUCTIONS, f"{context}\\nQuestion: {question}")\n'
        '    return {"answer": answer, "sources": len(passages)}\n'
    )


# --- Reading a request ------------------------------------------------------------------------------------------
def _texts_of(content: Any) -> list[str]:
    if isinstance(content, str):
        return [content]
    texts = []
    for block in content or []:
        if isinstance(block, dict):
            if isinstance(block.get("text"), str):
                texts.append(block["text"])
            elif isinstance(block.get("content"), list | str):
                texts.extend(_texts_of(block["content"]))
    return texts


def _json_objects(text: str) -> list[Any]:
    """JSON objects in a text: fenced ```json blocks first, then every decodable object starting at a brace."""
    found = []
    for block in re.findall(r"```(?:json)?\s*\n(.*?)```", text, re.S):
        try:
            found.append(json.loads(block))
        except ValueError:
            continue
    decoder = json.JSONDecoder()
    position = text.find("{")
    while position != -1:
        try:
            value, end = decoder.raw_decode(text, position)
            found.append(value)
            position = text.find("{", end)
        except ValueError:
            position = text.find("{", position + 1)
    return [value for value in found if isinstance(value, dict)]


def _specification(text: str) -> dict[str, Any] | None:
    for value in _json_objects(text):
        candidate = value.get("specification", value)
        if isinstance(candidate, dict) and ({"name", "instructions", "instruction", "description"} & set(candidate)):
            return candidate
    return None


def is_code_request(system: str, text: str) -> bool:
    everything = f"{system}\n{text}"
    return CODE_REQUEST_MARKER in everything or bool(re.search(r"agent(?:'s)?\s+code", everything, re.I))


def passages_in(text: str) -> list[str]:
    tagged = [body.strip() for _, body in PASSAGE_TAGS.findall(text) if body.strip()]
    if tagged:
        return tagged
    return [body.strip() for _, body in NUMBERED.findall(text) if body.strip()]


def _question(text: str) -> str:
    asked = re.findall(r"^\s*(?:question|user question|query)\s*:\s*(.+)$", text, re.I | re.M)
    if asked:
        return asked[-1]
    return NUMBERED.sub(" ", PASSAGE_TAGS.sub(" ", text))


def answer(system: str, conversation: str, last: str) -> str:
    """The stand-in's whole behaviour, from the system prompt, the conversation's text and its last message."""
    if is_code_request(system, conversation):
        specification = _specification(last) or _specification(conversation) or _specification(system)
        if specification is not None:
            return (f"{STAND_IN_LABEL} Agent code made from the specification by a template (no model runs "
                    f"locally):\n\n```python\n{agent_code_from_specification(specification)}```\n")
    passages = passages_in(last) or passages_in(conversation) or passages_in(system)
    if passages:
        question = _question(last)
        best = max(passages, key=lambda passage: (overlap(question, passage), -passages.index(passage)))
        if overlap(question, best) > 0:
            return f'{STAND_IN_LABEL} From the retrieved passages: "{best}"'
        return f"{STAND_IN_LABEL} None of the retrieved passages shares a word with the question."
    return (f"{STAND_IN_LABEL} No foundation model runs on this machine; this deterministic stand-in answers agent "
            f"code requests and questions with retrieved passages. You wrote: {last.strip()[:500]}")


# --- Errors and models ------------------------------------------------------------------------------------------
def validation(message: str) -> CommonServiceException:
    return CommonServiceException("ValidationException", message, status_code=400)


def _model_id(request: dict[str, Any]) -> str:
    """The model id, also from an ARN of a foundation model or inference profile."""
    model = request.get("modelId") or ""
    return model.rsplit("/", 1)[-1] if model.startswith("arn:") else model


def is_embedding_model(model_id: str) -> bool:
    return "embed" in model_id


# --- What it was asked -----------------------------------------------------------------------------------------
def _log_request(operation: str, model_id: str, system: str, conversation: str, text: str) -> None:
    """One line per text request in LocalStack's log: ``oratio model stand-in: <operation> <model> <kind> ...``, kind
    ``code-request`` or ``question``/``other``, so that a person (and a test) sees which requests reached it."""
    kind = "code-request" if is_code_request(system, conversation) else (
        "question" if passages_in(conversation) else "other")
    digest = hashlib.sha256(conversation.encode()).hexdigest()[:12]
    LOG.info("oratio model stand-in: %s %s %s request=%s answer=%s", operation, model_id, kind, digest,
             json.dumps(text[:120]))


# --- Converse ---------------------------------------------------------------------------------------------------
def converse(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    started = time.monotonic()
    model_id = _model_id(request)
    if is_embedding_model(model_id):
        raise validation(f"The model {model_id} does not support the Converse API: it is an embedding model; "
                         "call InvokeModel")
    messages = request.get("messages") or []
    if not messages or messages[-1].get("role") != "user":
        raise validation("A conversation must end with a user message. Try again with a conversation that ends "
                         "with a user message.")
    system = "\n".join(text for block in request.get("system") or [] for text in _texts_of([block]))
    texts = ["\n".join(_texts_of(message.get("content"))) for message in messages]
    text = answer(system, "\n".join(texts), texts[-1])
    _log_request("Converse", model_id, system, "\n".join(texts), text)
    max_tokens = (request.get("inferenceConfig") or {}).get("maxTokens")
    stop = "end_turn"
    if isinstance(max_tokens, int) and token_count(text) > max_tokens and not text.count("```python"):
        text, stop = " ".join(text.split()[:max_tokens]), "max_tokens"
    prompt_tokens = token_count(system) + sum(token_count(t) for t in texts)
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {"inputTokens": prompt_tokens, "outputTokens": token_count(text),
                  "totalTokens": prompt_tokens + token_count(text)},
        "metrics": {"latencyMs": int((time.monotonic() - started) * 1000)},
        "additionalModelResponseFields": {"oratioLocalStandIn": True,
                                          "note": "answered by oratio's local model stand-in, not by a model"},
    }


# --- InvokeModel ------------------------------------------------------------------------------------------------
def _embedding_body(model_id: str, body: dict[str, Any]) -> dict[str, Any]:
    text = body.get("inputText")
    if not isinstance(text, str) or not text:
        raise validation("Malformed input request: #: required key [inputText] not found, please reformat your input "
                         "and try again.")
    if "v2" in model_id:
        dimensions = body.get("dimensions", 1024)
        if dimensions not in TITAN_V2_DIMENSIONS:
            raise validation(f"Malformed input request: #/dimensions: {dimensions} is not a valid enum value "
                             f"(allowed: {', '.join(map(str, TITAN_V2_DIMENSIONS))}), please reformat your input "
                             "and try again.")
        normalize = body.get("normalize", True)
        types = body.get("embeddingTypes") or ["float"]
    else:
        dimensions, normalize, types = TITAN_V1_DIMENSIONS, True, ["float"]
    vector = embed(text, dimensions, bool(normalize))
    result: dict[str, Any] = {"embedding": vector, "inputTextTokenCount": token_count(text),
                              "oratioLocalStandIn": True}
    if "v2" in model_id:
        by_type: dict[str, Any] = {}
        if "float" in types:
            by_type["float"] = vector
        if "binary" in types:
            by_type["binary"] = [1 if v > 0 else 0 for v in vector]
        result["embeddingsByType"] = by_type
    return result


def _text_body(model_id: str, body: dict[str, Any]) -> dict[str, Any]:
    if "messages" in body:  # Anthropic's Messages API, and Amazon Nova's
        system = body.get("system") or ""
        system = system if isinstance(system, str) else "\n".join(_texts_of(system))
        texts = ["\n".join(_texts_of(m.get("content"))) for m in body["messages"]]
        text = answer(system, "\n".join(texts), texts[-1] if texts else "")
        _log_request("InvokeModel", model_id, system, "\n".join(texts), text)
        if model_id.startswith("amazon.nova") or "nova" in model_id:
            return {"output": {"message": {"role": "assistant", "content": [{"text": text}]}},
                    "stopReason": "end_turn", "oratioLocalStandIn": True,
                    "usage": {"inputTokens": sum(map(token_count, texts)), "outputTokens": token_count(text)}}
        return {"id": f"msg_local_{hashlib.sha1(text.encode()).hexdigest()[:16]}", "type": "message",
                "role": "assistant", "model": model_id, "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn", "stop_sequence": None, "oratioLocalStandIn": True,
                "usage": {"input_tokens": sum(map(token_count, texts)), "output_tokens": token_count(text)}}
    prompt = body.get("inputText") or body.get("prompt") or ""
    text = answer("", prompt, prompt)
    return {"inputTextTokenCount": token_count(prompt), "oratioLocalStandIn": True,
            "results": [{"tokenCount": token_count(text), "outputText": text, "completionReason": "FINISH"}]}


def invoke_model(context: RequestContext, request: dict[str, Any]) -> dict[str, Any]:
    model_id = _model_id(request)
    raw = request.get("body") or b""
    if hasattr(raw, "read"):
        raw = raw.read()
    try:
        body = json.loads(raw)
        if not isinstance(body, dict):
            raise ValueError("not an object")
    except ValueError as error:
        raise validation(f"Malformed input request: the body is not a JSON object ({error}), please reformat your "
                         "input and try again.") from None
    result = _embedding_body(model_id, body) if is_embedding_model(model_id) else _text_body(model_id, body)
    return {"body": json.dumps(result).encode(), "contentType": "application/json"}


def not_here(context: RequestContext, request: dict[str, Any]) -> Any:
    raise CommonServiceException(
        "ValidationException", f"{context.operation.name} has no local model stand-in: oratio's stand-in answers "
        "Converse and InvokeModel only (there is no foundation model on this machine)", status_code=400)


BEDROCK_RUNTIME = {"Converse": converse, "InvokeModel": invoke_model}
