"""A watch's life through the real app, on SQLite and PostgreSQL: promised only where the
bot can post, one progress message however many requests race, and an unwatch that no
late progress edit can undo."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.demo.details import make_batch
from bot.storage import Store
from bot.storage.base import AlertKind, AlertState
from bot.watcher import Watcher
from formatters import action_ids
from tests.support.blockkit import check_message
from tests.support.slack_app import SlackApp
from tests.support.stores import backend_url, opened
from tests.support.waiting import eventually
from tests.support.watcher import POLL, running_watcher, watcher_bland_client

BATCH = "Lifecycle0000001-gen-batch"
CAMPAIGN = "campLifecycle01"
CHANNEL = "C0CHANNEL"


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """The app's store, on each backend (the `app` fixture takes it from here)."""
    async with opened(await backend_url(request, tmp_path, "bot.db")) as db:
        yield db


@pytest.fixture
async def watcher(app: SlackApp) -> AsyncIterator[Watcher]:
    """The watcher a deployment runs beside the app, on the same store and stand-ins."""
    async with (
        watcher_bland_client(app.bland.url) as bland,
        running_watcher(app.store, bland, app.slack.api_url, progress_every=1) as running,
    ):
        yield running


def running_batch(app: SlackApp) -> None:
    app.bland.add_batch(make_batch(BATCH, calls=30, status="in-progress", completed=10, errors=0))


def progress_posts(app: SlackApp, channel: str = CHANNEL) -> list[str]:
    """The progress messages posted to the channel (their ts)."""
    return [
        str(call.params.get("ts") or "")
        for call in app.slack.calls_to("chat.postMessage")
        if call.params.get("channel") == channel and "is running" in str(call.params.get("text"))
    ]


# -- 5. Two watch requests at once post one progress message --------------------------------


async def test_a_double_click_on_watch_posts_one_progress_message(app: SlackApp) -> None:
    running_batch(app)
    # The first post is slow to land: before the fix the second click posted meanwhile.
    app.slack.hold_until_overtaken("chat.postMessage", at_most=2.0)
    clicks = await asyncio.gather(
        app.click(action_ids.WATCH, f"watch {BATCH}", ephemeral=False),
        app.click(action_ids.WATCH, f"watch {BATCH}", ephemeral=False),
    )
    assert [status for status, _ in clicks] == [200, 200]
    replies = [(await app.slack.wait_for_response(token))[0] for _, token in clicks]

    assert len(progress_posts(app)) == 1, "exactly one progress message"
    assert len(app.slack.posted(CHANNEL)) == 1
    [loser] = [r for r in replies if "already watching" in r["text"]]
    assert loser["response_type"] == "ephemeral"
    [winner] = [r for r in replies if r is not loser]
    assert "The message above shows its progress" in winner["text"]
    [watch] = await app.store.list_watches()
    assert watch.progress_ts == app.slack.posted(CHANNEL)[0]["ts"]


async def test_two_watch_commands_at_once_post_one_progress_message(app: SlackApp) -> None:
    running_batch(app)
    app.slack.hold_until_overtaken("chat.postMessage", at_most=2.0)
    replies = await asyncio.gather(app.reply(f"watch {BATCH}"), app.reply(f"watch {BATCH}"))
    assert len(progress_posts(app)) == 1
    assert sum("already watching" in r["text"] for r in replies) == 1
    assert {r["response_type"] for r in replies} == {"ephemeral"}


async def test_an_unwatch_while_the_progress_post_is_in_flight_leaves_no_running_message(
    app: SlackApp,
) -> None:
    running_batch(app)
    app.slack.hold_until_overtaken("chat.postMessage", at_most=1.0)
    status, _, token = await app.command(f"watch {BATCH}")
    assert status == 200
    await app.slack.wait_for("chat.postMessage")
    gone = await app.reply(f"unwatch {BATCH}")
    assert "Stopped watching" in gone["text"]
    await app.slack.wait_for_response(token)

    assert await app.store.list_watches() == []
    assert not any("is running" in m["text"] for m in app.slack.posted(CHANNEL)), (
        "a progress message nobody will update is not left saying 'running'"
    )


# -- 3. A watch is only promised where the bot can post ------------------------------------


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found"])
async def test_watch_where_the_bot_is_not_a_member_says_invite_and_stores_nothing(
    app: SlackApp, error: str
) -> None:
    running_batch(app)
    app.slack.fail("chat.postMessage", error, times=None, channel="G0PRIVATE")
    reply = await app.reply(f"watch {BATCH}", channel_id="G0PRIVATE")
    check_message(reply)
    assert reply["response_type"] == "ephemeral"
    assert "can't post in this channel" in reply["text"]
    assert "/invite <@U0BOT>" in str(reply["blocks"])
    assert await app.store.list_watches() == []

    # Invited: the same command now posts the progress message and keeps the watch.
    app.slack.clear_failures()
    again = await app.reply(f"watch {BATCH}", channel_id="G0PRIVATE")
    assert "The message above shows its progress" in again["text"]
    assert len(app.slack.posted("G0PRIVATE")) == 1
    [watch] = await app.store.list_watches()
    assert watch.progress_ts == app.slack.posted("G0PRIVATE")[0]["ts"]


async def test_watch_in_an_archived_channel_says_so_and_stores_nothing(app: SlackApp) -> None:
    running_batch(app)
    app.slack.fail("chat.postMessage", "is_archived", times=None, channel="C0OLD")
    reply = await app.reply(f"watch {BATCH}", channel_id="C0OLD")
    check_message(reply)
    assert reply["response_type"] == "ephemeral"
    assert "archived" in reply["text"]
    assert "/invite" not in str(reply["blocks"])
    assert await app.store.list_watches() == []


async def test_a_failed_progress_post_gives_the_claim_back(app: SlackApp) -> None:
    running_batch(app)
    app.slack.server_error("chat.postMessage")
    first = await app.reply(f"watch {BATCH}")
    # Slack failed on its side: the watch stands (the alert still comes), without a message.
    assert "is watching" in first["text"]
    [watch] = await app.store.list_watches()
    assert watch.progress_ts is None
    again = await app.reply(f"watch {BATCH}")
    assert "The message above shows its progress" in again["text"]
    assert len(app.slack.posted(CHANNEL)) == 1


async def test_a_long_rate_limit_on_the_progress_post_is_not_waited_out(app: SlackApp) -> None:
    """A Retry-After longer than the claim on the progress post: waiting it out would let
    the claim lapse and a second request post too, while the person who asked waits
    minutes. The watch stands at once, without its message, and the claim is given back."""
    running_batch(app)
    app.slack.rate_limit("chat.postMessage", times=1, retry_after=600)
    first = await app.reply(f"watch {BATCH}")
    assert "is watching" in first["text"]
    [watch] = await app.store.list_watches()
    assert watch.progress_ts is None
    again = await app.reply(f"watch {BATCH}")
    assert "The message above shows its progress" in again["text"]
    assert len(app.slack.posted(CHANNEL)) == 1


async def test_a_short_rate_limit_on_the_progress_post_is_waited_out(app: SlackApp) -> None:
    running_batch(app)
    app.slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    first = await app.reply(f"watch {BATCH}")
    assert "The message above shows its progress" in first["text"]
    # The 429, then the post that landed.
    assert len(progress_posts(app)) == 2
    assert len(app.slack.posted(CHANNEL)) == 1


@pytest.mark.parametrize(
    ("error", "says"),
    [("channel_not_found", "/invite <@U0BOT>"), ("is_archived", "archived")],
)
async def test_campaign_watch_where_the_bot_cannot_post_is_refused(
    app: SlackApp, error: str, says: str
) -> None:
    app.slack.fail_channel("G0PRIVATE", error)
    reply = await app.reply(f"watch campaign:{CAMPAIGN}", channel_id="G0PRIVATE")
    check_message(reply)
    assert reply["response_type"] == "ephemeral"
    assert says in str(reply["blocks"])
    assert await app.store.list_watches() == []


# -- 6. An unwatch is final -------------------------------------------------------------------


async def test_a_progress_edit_in_flight_never_lands_over_no_longer_watched(
    app: SlackApp, watcher: Watcher
) -> None:
    running_batch(app)
    await app.reply(f"watch {BATCH}")
    [progress] = app.slack.posted(CHANNEL)
    # The watcher's next edit is slow: it lands only after a later chat.update (the
    # unwatch's final edit, before the fix), or after a while.
    app.slack.hold_until_overtaken("chat.update", at_most=1.5)
    app.bland.advance(BATCH, 5)
    await app.slack.wait_for("chat.update")
    assert app.slack.holding("chat.update") == 1

    gone = await app.reply(f"unwatch {BATCH}")
    assert "Stopped watching" in gone["text"]

    async def settled() -> bool:
        finals = [a for a in await app.store.list_alerts() if a.kind == AlertKind.PROGRESS_FINAL]
        return bool(finals) and {a.state for a in finals} == {AlertState.SENT}

    await eventually(settled)
    await eventually(lambda: app.slack.holding("chat.update") == 0)
    await asyncio.sleep(POLL * 3)
    [message] = app.slack.posted(CHANNEL)
    assert message["ts"] == progress["ts"]
    assert "no longer watched" in message["text"]
    check_message(message)
