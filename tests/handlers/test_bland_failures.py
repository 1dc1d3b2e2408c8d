"""Bland answering too slowly or too much: the replies a user gets through the real app."""

from __future__ import annotations

import pytest

from bot.bland.limits import Limits
from tests.handlers.conftest import SlackApp

SMALL = "DemoSmall0000003-gen-batch"
MB = 1024 * 1024


@pytest.fixture
def bland_limits() -> dict[str, Limits]:
    small = Limits(deadline=1, max_bytes=MB)
    return {"limits": small, "export_limits": small}


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
