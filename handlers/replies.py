"""What a listener answers with, and who asked."""

from __future__ import annotations

from dataclasses import dataclass

from formatters.blocks import Message


@dataclass(frozen=True)
class Reply:
    """A message and how to deliver it."""

    message: Message
    public: bool = False


@dataclass(frozen=True)
class Who:
    """Where the request came from."""

    user_id: str
    channel_id: str | None
