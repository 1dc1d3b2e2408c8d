"""Failures reach the user in their own plain words, naming what was asked about."""

from __future__ import annotations

import logging

import pytest

from bot.bland.client import BlandClient
from bot.demo.server import BlandServer
from bot.preview import preview
from bot.services import Services
from tests.support.bland import BLAND_KEY
from tests.support.blockkit import check_message
from tests.support.slack_app import SlackApp

SMALL = "DemoSmall0000003-gen-batch"


@pytest.mark.parametrize(
    ("command", "told"),
    [
        (f"/batch watch {SMALL}", "Watching needs the bot's database, which isn't open"),
        ("/batch watches", "Watching needs the bot's database, which isn't open"),
        ("/batch digest daily 09:00", "Digests need the bot's database, which isn't open"),
        ("/batch digest", "Digests need the bot's database, which isn't open"),
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


@pytest.mark.parametrize(
    ("method", "error", "told"),
    [
        (
            "files.getUploadURLExternal",
            "missing_scope",
            "Slack refused this app's request (`missing_scope`).",
        ),
        ("conversations.open", "not_allowed_token_type", "(`not_allowed_token_type`)"),
        ("files.completeUploadExternal", "ratelimited", "Slack is rate limiting this app"),
        (
            "files.completeUploadExternal",
            "fatal_error",
            "Slack refused the request (`fatal_error`)",
        ),
    ],
)
async def test_slack_refusing_an_export_is_said_with_its_code(
    app: SlackApp, caplog: pytest.LogCaptureFixture, method: str, error: str, told: str
) -> None:
    caplog.set_level(logging.INFO)
    app.slack.fail(method, error, times=None)
    reply = await app.reply(f"export {SMALL}")
    check_message(reply)
    assert reply["response_type"] == "ephemeral"
    assert told in reply["text"]
    assert "Something went wrong" not in reply["text"]
    # Whoever reads the log learns which call Slack refused, and why.
    assert any(method in r.getMessage() and error in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_garbage_from_slack_during_an_export_is_said_plainly(app: SlackApp) -> None:
    app.slack.answer_raw("files.getUploadURLExternal", "<html>502</html>", status=502, times=None)
    reply = await app.reply(f"export {SMALL}")
    assert reply["text"] == "Slack didn't answer as expected. Try again in a minute."
