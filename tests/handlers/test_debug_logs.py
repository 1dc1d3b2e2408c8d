"""LOG_LEVEL=DEBUG through the real app: Bolt and slack_sdk then log whole requests and
replies, which carry the response_url (anyone holding it may post as the app for half
an hour) and the phone numbers on a calls page. Neither may reach a log line."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import pytest

from bot.demo.details import make_batch
from bot.logs import configure_logging
from tests.support.slack_app import SlackApp

BATCH = "DebugLogs0000001-gen-batch"
E164 = re.compile(r"(\+|%2B)1\d{10}")


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream)
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)


async def test_debug_logs_carry_no_response_url_and_no_phone_number(
    app: SlackApp, debug_log: io.StringIO
) -> None:
    app.bland.add_batch(make_batch(BATCH, calls=12, status="completed", completed=12))
    [call] = app.bland.dataset[BATCH].calls[:1]
    phone = str(call["to"])
    status, _, token = await app.command(f"calls {BATCH}")
    assert status == 200
    [page] = await app.slack.wait_for_response(token)
    assert phone in str(page), "the reply itself shows the numbers, privately"

    text = debug_log.getvalue()
    assert "/slack/events" in text or "slack_bolt" in text, "DEBUG logging was on"
    url = app.slack.response_url(token)
    assert url not in text
    assert url.replace(":", "%3A").replace("/", "%2F") not in text
    assert phone not in text
    assert phone.replace("+", "%2B") not in text
    assert not E164.search(text), E164.search(text)
