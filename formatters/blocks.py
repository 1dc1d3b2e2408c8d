"""Block Kit builders that respect Slack's limits, and the message they make."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from formatters.action_ids import numbered
from formatters.text import plain, truncate

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
BUTTON_URL_LIMIT = 3000
OPTION_TEXT_LIMIT = 75
OPTION_VALUE_LIMIT = 150
CONFIRM_TITLE_LIMIT = 100
CONFIRM_TEXT_LIMIT = 300
CONFIRM_BUTTON_LIMIT = 30
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
# Slack refuses a message at about 12,000 characters of block text; stay well under.
TEXT_BUDGET = 10_000
FALLBACK_LIMIT = 3000


@dataclass(frozen=True)
class Message:
    """A Slack message: the fallback `text` and its blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": plain(text, HEADER_LIMIT)}}


def section(text: str, *, accessory: Block | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text, SECTION_LIMIT)}
    if accessory is not None:
        block["accessory"] = accessory
    if block_id is not None:
        block["block_id"] = block_id
    return block


def fields(*items: str) -> Block:
    """A section of up to ten short fields, shown two to a row."""
    return {
        "type": "section",
        "fields": [mrkdwn(item, FIELD_LIMIT) for item in items[:10]],
    }


def context(*items: str) -> Block:
    return {
        "type": "context",
        "elements": [mrkdwn(item, SECTION_LIMIT) for item in items[:CONTEXT_ELEMENTS]],
    }


def divider() -> Block:
    return {"type": "divider"}


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": _distinct(elements[:ACTIONS_ELEMENTS])}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def _distinct(elements: tuple[Block, ...]) -> list[Block]:
    """The elements, a repeated action_id numbered: Slack refuses a block with repeats."""
    uses: dict[str, int] = {}
    distinct: list[Block] = []
    for element in elements:
        action_id = element.get("action_id")
        if isinstance(action_id, str):
            uses[action_id] = uses.get(action_id, 0) + 1
            if uses[action_id] > 1:
                element = {**element, "action_id": numbered(action_id, uses[action_id])}
        distinct.append(element)
    return distinct


def button(
    text: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: Block | None = None,
) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": plain(text, BUTTON_TEXT_LIMIT), "emoji": True},
        "action_id": action_id,
        "value": whole(value, BUTTON_VALUE_LIMIT),
    }
    if style in ("primary", "danger"):
        element["style"] = style
    if confirm is not None:
        element["confirm"] = confirm
    return element


def link_button(text: str, action_id: str, url: str) -> Block:
    """A button that opens `url` in the browser; check the address first (`formatters.links`).

    Slack still sends a click on it to the app, so `action_id` needs a listener."""
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": plain(text, BUTTON_TEXT_LIMIT), "emoji": True},
        "action_id": action_id,
        "url": whole(url, BUTTON_URL_LIMIT),
    }


def confirm_dialog(title: str, text: str, confirm: str, deny: str = "Cancel") -> Block:
    return {
        "title": {"type": "plain_text", "text": plain(title, CONFIRM_TITLE_LIMIT)},
        "text": {"type": "plain_text", "text": plain(text, CONFIRM_TEXT_LIMIT)},
        "confirm": {"type": "plain_text", "text": plain(confirm, CONFIRM_BUTTON_LIMIT)},
        "deny": {"type": "plain_text", "text": plain(deny, CONFIRM_BUTTON_LIMIT)},
        "style": "danger",
    }


def option(text: str, value: str) -> Block:
    """An option of a select or overflow menu."""
    return {
        "text": {"type": "plain_text", "text": plain(text, OPTION_TEXT_LIMIT)},
        "value": whole(value, OPTION_VALUE_LIMIT),
    }


def whole(value: str, limit: int) -> str:
    """A button or option value as it is: it is command text, and cut short it would be
    another command (`unwatch <id> in:C012345678`, another channel). A formatter that
    cannot be sure its value fits checks `len(value) <= limit` first."""
    if len(value) > limit:
        raise ValueError(f"a value of {len(value):,} characters is too long for Slack's {limit:,}")
    return value


def mrkdwn(text: str, limit: int) -> Block:
    return {"type": "mrkdwn", "text": truncate(text, limit) if text.strip() else "-"}


def block_text_length(block: Block) -> int:
    """Characters of text a block carries, as Slack counts them toward its size limit."""
    total = 0
    stack: list[Any] = [block]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            text = item.get("text")
            if isinstance(text, str):
                total += len(text)
            stack.extend(value for key, value in item.items() if isinstance(value, dict | list))
        elif isinstance(item, list):
            stack.extend(item)
    return total


def message(text: str, blocks: list[Block], *, max_blocks: int = MAX_BLOCKS) -> Message:
    """Assemble a message, dropping trailing content blocks if limits would be passed.

    Formatters plan their pages to fit; this is the last guard so that Slack never
    refuses a message. The final actions block is kept, since it is how users page on.
    """
    tail = [blocks[-1]] if blocks and blocks[-1].get("type") == "actions" else []
    body = blocks[: len(blocks) - len(tail)]
    sizes = [block_text_length(b) for b in body]
    budget = TEXT_BUDGET - sum(block_text_length(b) for b in tail)
    if len(blocks) > max_blocks or sum(sizes) > budget:
        marker = context("_…more than fits in one message; narrow the request._")
        budget -= block_text_length(marker)
        room = max_blocks - len(tail) - 1
        kept: list[Block] = []
        used = 0
        for block, size in zip(body, sizes, strict=True):
            if len(kept) >= room or used + size > budget:
                break
            kept.append(block)
            used += size
        body = [*kept, marker]
    return Message(text=plain(text, FALLBACK_LIMIT), blocks=body + tail)
