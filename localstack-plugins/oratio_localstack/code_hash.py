"""The hash of the plug-ins' code, the one computation both sides of the fingerprint make: inside LocalStack over the
installed copy (``plugin_info``), and in oratio's installer over the copy it installs from, which loads this very file
by its path (so it has no import but the standard library's)."""

from __future__ import annotations

import hashlib
from pathlib import Path

CODE_SUFFIXES = (".py", ".js")  # what the package installs: its modules and the Node helpers


def code_hash(package: Path) -> str:
    """sha256 over the package's code files (relative path, NUL, bytes), in path order; 16 hex digits."""
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in CODE_SUFFIXES
                       and "__pycache__" not in p.parts):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
