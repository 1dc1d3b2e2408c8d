"""Failures reach the user in their own plain words, naming what was asked about."""

from __future__ import annotations

import pytest

from bot.bland.client import BlandClient
from bot.demo.server import BlandServer
from bot.preview import preview
from bot.services import Services
from tests.support.bland import BLAND_KEY
from tests.support.slack_app import SlackApp

SMALL = "DemoSmall0000003-gen-batch"


@pytest.mark.parametrize(
    ("command", "told"),
    [
        (f"/batch watch {SMALL}", "Watching needs the bot's database, which isn't open"),
        (f"/batch export {SMALL}", "That needs a connection to Slack, which a preview doesn't"),
    ],
)
async def test_what_this_mode_cannot_do_is_said_plainly(
    bland: BlandServer, command: str, told: str
) -> None:
    async with BlandClient(api_key=BLAND_KEY, base_url=bland.url) as client:
        [sent] = await preview(command, Services(bland=client))
    assert sent["response_type"] == "ephemeral"
    assert sent["text"].startswith(told)


async def test_a_click_on_an_unknown_batch_names_it(app: SlackApp) -> None:
    _, token = await app.click("batch_open", "NoSuchBatch123")
    [reply] = await app.slack.wait_for_response(token)
    assert "Bland has no batch or call `NoSuchBatch123`." in reply["text"]
