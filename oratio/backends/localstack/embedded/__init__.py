"""The embedded LocalStack: LocalStack run as a plain local process (no Docker), installed and owned by the
project under ``.oratio/localstack/``, extended by oratio's plug-ins (``localstack-plugins/``).

The user's own LocalStack (for example in Docker on a laptop) takes its place when ``LOCALSTACK_ENDPOINT`` or
``AWS_ENDPOINT_URL`` names it: then nothing is installed, started or stopped here.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import attrs

from oratio.backends.localstack.embedded import process
from oratio.backends.localstack.embedded.installer import install as _install
from oratio.backends.localstack.embedded.installer import plugins_fingerprint
from oratio.backends.localstack.embedded.layout import Layout, plugins_source
from oratio.backends.localstack.embedded.process import Status
from oratio.errors import OratioError

__all__ = ["Endpoint", "Layout", "Status", "ensure_running", "install", "resolve_endpoint", "status", "stop"]
ENDPOINT_VARIABLES = ("LOCALSTACK_ENDPOINT", "AWS_ENDPOINT_URL")  # as in target.ENDPOINT_VARIABLES


@attrs.frozen
class Endpoint:
    url: str
    embedded: bool


def resolve_endpoint() -> Endpoint | None:
    """The user's own LocalStack, when they name one: its URL normalised by a strict parse (``UnsafeTarget`` for
    one that is not local or not plainly scheme://host:port)."""
    from oratio.backends.localstack.target import user_endpoint

    named = user_endpoint(os.environ)
    return Endpoint(named[1], embedded=False) if named is not None else None


def install(progress: Callable[[str], None] | None = None) -> None:
    _install(Layout.default(), progress)


def ensure_running(progress: Callable[[str], None] | None = None) -> Endpoint:
    """A LocalStack that answers: the user's (checked), or the embedded one (installed and started if needed, and
    restarted when it serves other oratio plug-ins than this oratio has)."""
    say = progress or (lambda message: None)
    user = resolve_endpoint()
    if user is not None:
        from oratio.backends.localstack.target import Target

        Target(user.url).check_endpoint()  # before the first request: never ask a non-local host anything
        if process.health(user.url, timeout_s=3.0) is None:
            raise OratioError(f"no LocalStack answers at {user.url} (from LOCALSTACK_ENDPOINT/AWS_ENDPOINT_URL)",
                              "start it, fix the variable, or unset it to use the embedded LocalStack")
        loaded, current = process.loaded_plugins(user.url), plugins_fingerprint()
        if loaded and loaded != current:  # "" or None: no plug-ins that say (nothing to compare)
            say(f"note: the LocalStack at {user.url} serves oratio's plug-ins {loaded}, this oratio has {current}; "
                f"oratio did not start it, so it leaves it as it is: install {plugins_source()} into that "
                "LocalStack (pip install) and restart it")
        return user
    layout = Layout.default()
    pid = process.recorded_pid(layout)
    if pid is not None and process.health(layout.url) is not None:
        loaded, current = process.loaded_plugins(layout.url), plugins_fingerprint()
        if loaded is None or loaded == current:  # None: no answer now (a busy machine); the next command checks
            return Endpoint(layout.url, embedded=True)
        # A running LocalStack keeps the plug-ins it loaded at start: after an upgrade (or an edit of
        # localstack-plugins/) it would go on serving the old ones. It is ours (its pid is recorded): restart it.
        say(f"oratio's LocalStack plug-ins changed since this LocalStack started ({loaded or 'older than 0.4.4'} "
            f"-> {current}): restarting it (nothing in it is persisted: deploy again)")
        process.stop(layout)
    _install(layout, progress)
    process.start(layout, progress)
    return Endpoint(layout.url, embedded=True)


def stop() -> bool:
    return process.stop(Layout.default())


def status() -> Status:
    return process.status(Layout.default())
