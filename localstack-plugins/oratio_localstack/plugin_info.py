"""``GET /_oratio/plugins``: which of oratio's plug-ins this LocalStack loaded, ``{"fingerprint": "0.4.4+1a2b..."}``
(the package's version and a hash of its code, taken when LocalStack started).

A running LocalStack keeps the plug-ins it loaded: oratio compares this with the plug-ins it has
(``oratio.backends.localstack.embedded.installer.plugins_fingerprint``: ``code_hash`` over its copy) and
restarts the embedded LocalStack it started, or says what to do for one it did not start.
"""

from __future__ import annotations

import json
import logging
from importlib import metadata
from pathlib import Path

from localstack.runtime import hooks

from oratio_localstack.code_hash import code_hash

LOG = logging.getLogger(__name__)
PATH = "/_oratio/plugins"


def fingerprint() -> str:
    try:
        version = metadata.version("oratio-localstack")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return f"{version}+{code_hash(Path(__file__).resolve().parent)}"


@hooks.on_infra_start()
def serve_plugin_fingerprint() -> None:
    from localstack.http import Response
    from localstack.services.edge import ROUTER

    loaded = json.dumps({"fingerprint": fingerprint()})  # taken now: what this process loaded

    def answer(request: object) -> Response:
        return Response(loaded, 200, mimetype="application/json")

    ROUTER.add(PATH, endpoint=answer, methods=["GET"])
    LOG.info("oratio: plug-ins %s (GET %s)", loaded, PATH)
