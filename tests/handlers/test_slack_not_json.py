"""Slack answering a Web API call with something that is not its JSON, through the real app."""

from __future__ import annotations

import pytest

from tests.support.blockkit import check_message
from tests.support.slack_app import SlackApp

LIVE = "DemoLive00000040-gen-batch"

# What a proxy or a half-broken Slack edge sends instead of `{"ok": ...}`: slack_sdk turns
# each into a different exception (a SlackApiError whose response is a raw aiohttp
# response, one with empty data, or an AttributeError of its own).
NOT_JSON = [
    pytest.param("<html><body>502 Bad Gateway</body></html>", 502, "text/html", id="html-502"),
    pytest.param("ok", 200, "text/plain", id="plain-text-200"),
    pytest.param("<html>upstream error</html>", 200, "application/json", id="json-that-isnt"),
]


@pytest.mark.parametrize(("body", "status", "content_type"), NOT_JSON)
async def test_stop_is_told_even_when_the_thread_post_gets_garbage(
    app: SlackApp, body: str, status: int, content_type: str
) -> None:
    await app.reply(f"watch {LIVE}")
    app.slack.answer_raw("chat.postMessage", body, status=status, content_type=content_type)
    _, token = await app.click("batch_stop", f"stop {LIVE}", user_id="U0OWNER")
    reply = (await app.slack.wait_for_response(token))[0]
    check_message(reply)
    # Bland has stopped the batch: the person and the channel must hear who did it.
    assert app.bland.count(f"/v1/batches/{LIVE}/stop") == 1
    assert reply["response_type"] == "in_channel"
    assert reply["text"].startswith(":octagonal_sign: <@U0OWNER> stopped")


@pytest.mark.parametrize(("body", "status", "content_type"), NOT_JSON)
async def test_garbage_from_users_info_refuses_the_stop_cleanly(
    app: SlackApp, body: str, status: int, content_type: str
) -> None:
    app.slack.answer_raw("users.info", body, status=status, content_type=content_type, times=None)
    _, token = await app.click("batch_stop", f"stop {LIVE}", user_id="U0ADMIN")
    reply = (await app.slack.wait_for_response(token))[0]
    check_message(reply)
    assert reply["response_type"] == "ephemeral"
    assert "can stop a batch" in reply["text"]
    assert app.bland.count(f"/v1/batches/{LIVE}/stop") == 0


@pytest.mark.parametrize(("body", "status", "content_type"), NOT_JSON)
async def test_watch_stands_when_the_progress_post_gets_garbage(
    app: SlackApp, body: str, status: int, content_type: str
) -> None:
    app.slack.answer_raw("chat.postMessage", body, status=status, content_type=content_type)
    reply = await app.reply(f"watch {LIVE}")
    check_message(reply)
    assert "<@U0MEMBER> is watching" in reply["text"]
    [watch] = await app.store.list_watches(channel_id="C0CHANNEL")
    assert watch.target_id == LIVE
