"""Bland answering too slowly, too much, with secrets or a nonsense Retry-After: the
replies a user gets through the real app."""

from __future__ import annotations

import json

import pytest

from bot.bland.limits import Limits
from tests.support.bland import BLAND_KEY
from tests.support.slack_app import SlackApp

SMALL = "DemoSmall0000003-gen-batch"
MB = 1024 * 1024
SECRETS = (
    BLAND_KEY,
    "sk-live-4f9a8b7c6d5e4f3a2b1c",
    "xoxp-1234567890-0987654321-AbCdEfGhIjKl",
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
)


@pytest.fixture
def bland_limits() -> tuple[Limits, Limits]:
    small = Limits(deadline=1, max_bytes=MB)
    return small, small


def text_of(message: dict[str, object]) -> str:
    return json.dumps(message, ensure_ascii=False)


async def test_a_dripping_bland_gets_a_too_slow_reply(app: SlackApp) -> None:
    app.bland.drip_next(5, seconds=1.0)
    status, _, token = await app.command(SMALL)
    assert status == 200
    message = (await app.slack.wait_for_response(token, within=20))[0]
    assert message["response_type"] == "ephemeral"
    assert message["text"].startswith("Bland is taking too long to answer")


@pytest.mark.parametrize("command", [SMALL, f"export {SMALL} transcripts"])
async def test_a_flooding_bland_gets_a_too_large_reply(app: SlackApp, command: str) -> None:
    app.bland.flood_next(5, size=64 * MB)
    message = await app.reply(command)
    assert message["response_type"] == "ephemeral"
    assert message["text"].startswith("Bland's answer was too large")
    assert app.bland.count() == 1


async def test_bland_echoing_secrets_shows_none_of_them(app: SlackApp) -> None:
    said = "Could not use " + " and ".join(SECRETS) + "\r\nINFO forged line"
    app.bland.fail_next(1, status=400, message=said)
    message = await app.reply(SMALL)
    assert message["response_type"] == "ephemeral"
    assert message["text"].startswith("Bland refused the request (HTTP 400): Could not use")
    for secret in SECRETS:
        assert secret not in text_of(message)
    assert "\r" not in message["text"] and "\n" not in message["text"]


@pytest.mark.parametrize("header", ["1e999", "nan", "-1"])
async def test_a_nonsense_retry_after_gets_a_rate_limit_reply(app: SlackApp, header: str) -> None:
    app.bland.rate_limit_next(5, retry_after=header)
    message = await app.reply(SMALL)
    assert message["response_type"] == "ephemeral"
    assert message["text"] == "Bland is rate limiting requests right now. Try again in a minute."
