"""``GET /_oratio/plugins``: which of oratio's plug-ins this LocalStack loaded, ``{"fingerprint": "0.4.4+1a2b..."}``
(the package's version and a hash of its code, taken when LocalStack started).

A running LocalStack keeps the plug-ins it loaded: oratio compares this with the plug-ins it has
(``oratio.backends.localstack.embedded.installer.plugins_fingerprint``, the same computation over its copy) and
restarts the embedded LocalStack it started, or says what to do for one it did not start.
"""

from __future__ import annotations

import hashlib
import json
import logging
from importlib import metadata
from pathlib import Path

from localstack.runtime import hooks

LOG = logging.getLogger(__name__)
PATH = "/_oratio/plugins"
CODE_SUFFIXES = (".py", ".js")  # what the package installs: its modules and the Node helpers


def code_hash(package: Path) -> str:
    """sha256 over the package's code files (relative path, NUL, bytes), in path order; 16 hex digits. The same
    computation as oratio's installer (``plugins_code_hash``)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in CODE_SUFFIXES
                       and "__pycache__" not in p.parts):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


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
