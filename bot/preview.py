"""`python -m bot preview "/batch <id>"`: run the real listener, print what Slack would get."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from slack_bolt.async_app import AsyncAck, AsyncBoltContext

from bot.services import Services
from handlers.commands import batch_command, batches_command

COMMANDS = {"/batches": batches_command, "/batch": batch_command}
BUILDER = "https://app.slack.com/block-kit-builder/#"


class PreviewError(ValueError):
    """The preview text does not start with a known command."""


async def preview(command_line: str, services: Services) -> list[dict[str, Any]]:
    """Every message the listener sent through `respond()` for this command text."""
    command, _, text = command_line.strip().partition(" ")
    listener = COMMANDS.get(command)
    if listener is None:
        raise PreviewError(f"start with one of {', '.join(COMMANDS)}, like: /batch help")
    sent: list[dict[str, Any]] = []

    async def respond(**kwargs: Any) -> None:
        sent.append(kwargs)

    payload = {
        "command": command,
        "text": text.strip(),
        "user_id": "UPREVIEW",
        "channel_id": "CPREVIEW",
    }
    ack = AsyncAck()  # type: ignore[no-untyped-call]
    await listener(ack, payload, respond, AsyncBoltContext(services=services))
    return sent


def builder_link(message: dict[str, Any]) -> str:
    """A Block Kit Builder link that shows the message's blocks."""
    return BUILDER + quote(
        json.dumps({"blocks": message.get("blocks") or []}, separators=(",", ":"))
    )


def render(messages: list[dict[str, Any]]) -> str:
    parts = []
    for message in messages:
        parts.append(json.dumps(message, indent=2, ensure_ascii=False))
        parts.append("Block Kit Builder: " + builder_link(message))
    return "\n".join(parts)
