"""The error every oratio command reports as one line saying what went wrong and what to do."""

from __future__ import annotations


class OratioError(Exception):
    """A failure the user can act on: ``message`` says what happened, ``hint`` what to do."""

    def __init__(self, message: str, hint: str | None = None, exit_code: int = 1) -> None:
        self.message = message
        self.hint = hint
        self.exit_code = exit_code
        super().__init__(f"{message}\n  hint: {hint}" if hint else message)
