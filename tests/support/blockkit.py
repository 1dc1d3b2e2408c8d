"""Checks that a message is one Slack would accept and that outside text cannot ping."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_sdk.models.blocks import Block

from formatters.blocks import Message, block_text_length

# Our own markup: dates, user mentions we build from Slack ids. Anything else that
# starts with "<" came from outside unescaped.
_ALLOWED_ANGLE = re.compile(r"<(!date\^\d+\^[^|>]*\|[^>]*|@U[A-Z0-9]+|@[A-Z0-9]+|#[CDG][A-Z0-9]+)>")


def check_message(message: Message | dict[str, Any], *, max_blocks: int = 50) -> None:
    data = message.as_kwargs() if isinstance(message, Message) else message
    text, blocks = data.get("text"), data.get("blocks") or []
    assert isinstance(text, str) and text.strip(), "fallback text is required"
    assert len(text) <= 4000
    assert 1 <= len(blocks) <= max_blocks, f"{len(blocks)} blocks"
    total = 0
    block_ids = set()
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None, raw
        parsed.validate_json()
        assert parsed.to_dict() == raw or _same_modulo_defaults(parsed.to_dict(), raw)
        _check_texts(raw)
        total += block_text_length(raw)
        if "block_id" in raw:
            assert raw["block_id"] not in block_ids
            block_ids.add(raw["block_id"])
    assert total <= 11_000, f"{total} characters of block text"
    check_no_pings(data)


def check_no_pings(data: dict[str, Any]) -> None:
    for field in _texts(data):
        stripped = _ALLOWED_ANGLE.sub("", field)
        assert "<" not in stripped, f"unescaped '<' in {field[:200]!r}"
        assert ">" not in stripped.replace("&gt;", ""), f"unescaped '>' in {field[:200]!r}"


def _texts(data: Any) -> list[str]:
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "text" and isinstance(value, str) and data.get("type") != "plain_text":
                found.append(value)
            else:
                found.extend(_texts(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(_texts(item))
    return found


def _check_texts(block: dict[str, Any]) -> None:
    if block["type"] == "section":
        if "text" in block:
            assert 1 <= len(block["text"]["text"]) <= 3000
        for field in block.get("fields", []):
            assert 1 <= len(field["text"]) <= 2000
        assert len(block.get("fields", [])) <= 10
    if block["type"] == "header":
        assert 1 <= len(block["text"]["text"]) <= 150
    if block["type"] == "context":
        assert 1 <= len(block["elements"]) <= 10
    if block["type"] == "actions":
        assert 1 <= len(block["elements"]) <= 25
        # Slack refuses a block whose elements share an action_id (`invalid_blocks`).
        ids = [e["action_id"] for e in block["elements"] if "action_id" in e]
        assert len(ids) == len(set(ids)), f"repeated action_id in {ids}"
        for element in block["elements"]:
            if element["type"] == "button":
                assert 1 <= len(element["text"]["text"]) <= 75
                assert len(element.get("value", "")) <= 2000
            if element["type"] == "static_select":
                assert 1 <= len(element["options"]) <= 100
                for option in element["options"]:
                    assert 1 <= len(option["text"]["text"]) <= 75
                    assert 1 <= len(option["value"]) <= 150


def _same_modulo_defaults(parsed: dict[str, Any], raw: dict[str, Any]) -> bool:
    round_trip: dict[str, Any] = json.loads(json.dumps(raw))
    return round_trip.keys() <= parsed.keys() | raw.keys()
