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
    # The workspace this app is installed in (Bolt's auth.test), not the clicker's: in a
    # channel shared with another organisation the two differ. None: ask Slack.
    workspace_id: str | None = None
    # The bot's own user id (Bolt's `context.bot_user_id`), to say "/invite @bot".
    bot_user_id: str | None = None
