"""One writer at a time: an ``up`` or ``destroy`` of one (endpoint, system, stage) holds an exclusive lock that a
second one waits for (up to ``LOCK_WAIT_S``), then is refused by with one line.

The lock is a file lock (``fcntl.flock``) on ``~/.oratio/locks/<hash of endpoint, system and stage>.lock``: the
kernel releases it when its holder ends, however it ends (a SIGKILLed ``up`` blocks nobody), and every process of
this machine's user sees it, whatever folder it runs from. It does not reach another machine sharing the same
LocalStack (README: Safety).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from oratio.errors import OratioError

LOCK_WAIT_S = 120.0  # long enough for another up of a platform, short enough that a stuck one is noticed
LOCK_DIR_VARIABLE = "ORATIO_LOCK_DIR"  # where the lock files are (default ~/.oratio/locks)


def lock_dir() -> Path:
    configured = os.environ.get(LOCK_DIR_VARIABLE)
    if configured:
        return Path(configured)
    home = Path.home()
    return (home if home.is_dir() and os.access(home, os.W_OK) else Path(tempfile.gettempdir())) / ".oratio" / "locks"


def lock_path(endpoint: str, system: str, stage: str) -> Path:
    key = hashlib.sha256(f"{endpoint.rstrip('/')}\n{system}\n{stage}".encode()).hexdigest()[:24]
    return lock_dir() / f"{key}.lock"


@contextlib.contextmanager
def writer_lock(endpoint: str, system: str, stage: str, verb: str, progress: Callable[[str], None] | None = None,
                wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """Hold the (endpoint, system, stage) lock for the block; wait up to ``wait_s`` for another holder."""
    path = lock_path(endpoint, system, stage)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline, told = time.monotonic() + wait_s, False
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(path)
                if time.monotonic() >= deadline:
                    raise OratioError(
                        f"another {holder} of {system} ({stage}) on {endpoint} is still running after {wait_s:.0f} s "
                        "of waiting: nothing was changed",
                        f"let it finish and run again (or end that process; its lock is {path})") from None
                if not told and progress is not None:
                    progress(f"waiting for another {holder} of {system} ({stage}) to finish")
                    told = True
                time.sleep(0.1)
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{verb} (pid {os.getpid()})".encode(), 0)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _holder(path: Path) -> str:
    try:
        return path.read_text().strip() or "up or destroy"
    except OSError:
        return "up or destroy"
