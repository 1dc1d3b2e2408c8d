"""The base of errors whose message is written for the person who asked."""

from __future__ import annotations

from typing import ClassVar


class UserFacingError(Exception):
    """An error whose message is safe and clear to show as it is: plain words, no secret.

    Handlers show `str(exc)` to the user. A subclass with one fixed message sets
    `default_message`, so raising it needs no text.
    """

    default_message: ClassVar[str] = ""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)
