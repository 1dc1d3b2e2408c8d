"""Channel digests through the whole bot: set by a signed command, due by a clock the
test sets, built from the Bland stand-in and posted once per period through the outbox,
across a DST change, a time-zone change and restarts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.demo.dataset import DemoDataset
from bot.demo.dataset_v2 import DemoV2Dataset, v2_batch
from bot.demo.details import make_batch
from bot.demo.scenarios import DEMO_EPOCH
from bot.demo.server import BlandServer, serve_bland
from bot.storage.base import AlertKind, AlertState
from tests.support.bland import BLAND_KEY
from tests.support.blockkit import check_message
from tests.support.bot import as_slack, running_bot
from tests.support.clock import SetClock
from tests.support.slack_standin import RealClockSlack
from tests.support.waiting import eventually
from tests.support.watcher import alerts_in

E = DEMO_EPOCH  # Monday 2024-05-06 14:00 UTC, 10:00 in New York
CHANNEL = "C0DIGEST"
NEW = "DigestNew0000001-gen-batch"
RUNNING = "DigestRun0000002-gen-batch"
OLD = "DigestOld0000003-gen-batch"
V2_LIVE = "0d1e2f30-1111-4aaa-8bbb-000000000001"
V2_ENDED = "0d1e2f30-2222-4aaa-8bbb-000000000002"
V2_LONG_AGO = "0d1e2f30-3333-4aaa-8bbb-000000000003"


def batches() -> tuple[DemoDataset, DemoV2Dataset]:
    """Around E: two v1 batches and one v2 batch created in the day before E + 30 min, a v2
    batch created before that day but finished in it, and two batches of neither."""
    v1 = DemoDataset(
        [
            make_batch(NEW, calls=20, errors=3, created_at=E - timedelta(hours=2), label="New"),
            make_batch(
                RUNNING,
                calls=10,
                status="in-progress",
                completed=4,
                errors=0,
                created_at=E - timedelta(hours=1),
                label="Running",
            ),
            make_batch(OLD, calls=5, created_at=E - timedelta(hours=30), label="Old"),
        ]
    )
    live = v2_batch(V2_LIVE, hours_ago=0.25, calls=6, finished=2, description="Live v2")
    ended = v2_batch(V2_ENDED, hours_ago=26, calls=8, finished=8, errors=2, description="Ended")
    ended.finish(at=(E - timedelta(hours=5)).timestamp())
    long_ago = v2_batch(V2_LONG_AGO, hours_ago=60, calls=4, finished=4, description="Long ago")
    long_ago.finish(at=(E - timedelta(hours=59)).timestamp())
    return v1, DemoV2Dataset([live, ended, long_ago])


@pytest.fixture
async def bland() -> AsyncIterator[BlandServer]:
    v1, v2 = batches()
    async with serve_bland(v1, v2_dataset=v2, api_key=BLAND_KEY) as server:
        yield server


def digests_in(slack: RealClockSlack, channel: str = CHANNEL) -> list[dict[str, Any]]:
    return [
        m
        for m in alerts_in(slack, channel)
        if m["metadata"]["event_payload"]["batch_id"].startswith("digest:")
    ]


def key_of(post: dict[str, Any]) -> str:
    return str(post["metadata"]["event_payload"]["batch_id"])


async def test_daily_digest_lists_the_days_batches_newest_first_once(
    bland: BlandServer, slack_api: RealClockSlack, tmp_path: Path
) -> None:
    slack_api.add_user("U0NY", tz="America/New_York")
    clock = SetClock(E)
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    async with running_bot(bland, slack_api, url, clock=clock) as bot:
        async with as_slack(bot, bland, slack_api) as app:
            reply = await app.reply("digest daily 10:30", channel_id=CHANNEL, user_id="U0NY")
        assert "daily at 10:30 (America/New_York)" in json.dumps(reply["blocks"])
        digest = await bot.store.get_digest(CHANNEL)
        assert digest is not None and digest.next_run_at == E + timedelta(minutes=30)

        clock.set(E + timedelta(minutes=30, seconds=5))
        await eventually(lambda: len(digests_in(slack_api)) == 1, within=20)
        [post] = digests_in(slack_api)
        check_message(post)
        assert key_of(post) == "digest:daily:2024-05-06T14:30Z"
        text = json.dumps(post["blocks"])
        # Newest first by what put them in the day: created, or finished for V2_ENDED.
        order = [text.find(i) for i in (V2_LIVE, RUNNING, NEW, V2_ENDED)]
        assert -1 not in order and order == sorted(order), order
        assert OLD not in text and V2_LONG_AGO not in text
        assert post["text"].startswith("Daily digest: 4 batches")
        assert "15% errors" in text  # NEW: 3 of its 20 calls errored
        assert "25% errors" in text  # V2_ENDED: 2 of 8, from its log's totals
        assert "answered by a person" in text and "Top error:" in text
        assert "Late" not in text
        after = await bot.store.get_digest(CHANNEL)
        assert after is not None and after.next_run_at == E + timedelta(days=1, minutes=30)

        # The next day's comes once too: nothing was posted twice in between.
        clock.set(E + timedelta(days=1, minutes=31))
        await eventually(lambda: len(digests_in(slack_api)) == 2, within=20)
        assert [key_of(p) for p in digests_in(slack_api)] == [
            "digest:daily:2024-05-06T14:30Z",
            "digest:daily:2024-05-07T14:30Z",
        ]
        second = json.dumps(digests_in(slack_api)[1]["blocks"])
        assert "No batches were created or finished in the last 24 hours" in second
        alerts = await bot.store.list_alerts()
        assert {(a.kind, a.state) for a in alerts} == {(AlertKind.DIGEST, AlertState.SENT)}


async def test_a_batch_whose_details_fail_shows_what_the_list_gave(
    bland: BlandServer, slack_api: RealClockSlack, tmp_path: Path
) -> None:
    clock = SetClock(E)
    bland.fail_next(50, status=500, path=f"/v1/batches/{NEW}")
    async with running_bot(bland, slack_api, f"sqlite:///{tmp_path / 'b.db'}", clock=clock) as bot:
        async with as_slack(bot, bland, slack_api) as app:
            await app.reply("digest daily 10:30", channel_id=CHANNEL, user_id="U0MEMBER")
        clock.set(E + timedelta(minutes=31))
        await eventually(lambda: len(digests_in(slack_api)) == 1, within=30)
    text = json.dumps(digests_in(slack_api)[0]["blocks"])
    assert NEW in text and "details not available" in text
    assert "15% errors" not in text and RUNNING in text and V2_ENDED in text


async def test_dst_a_time_zone_change_and_restarts(
    bland: BlandServer, slack_api: RealClockSlack, tmp_path: Path
) -> None:
    slack_api.add_user("U0NY", tz="America/New_York")
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    # Saturday 2024-03-09, 07:00 in New York; its clocks spring forward on Sunday.
    clock = SetClock(datetime(2024, 3, 9, 12, 0, tzinfo=UTC))
    async with (
        running_bot(bland, slack_api, url, clock=clock) as bot,
        as_slack(bot, bland, slack_api) as app,
    ):
        await app.reply("digest daily 09:00", channel_id=CHANNEL, user_id="U0NY")
        clock.set(datetime(2024, 3, 9, 14, 0, 5, tzinfo=UTC))  # 09:00 EST
        await eventually(lambda: len(digests_in(slack_api)) == 1, within=20)
        digest = await bot.store.get_digest(CHANNEL)
        # 09:00 EDT on Sunday: 23 hours on, not 24.
        assert digest is not None
        assert digest.next_run_at == datetime(2024, 3, 10, 13, 0, tzinfo=UTC)
        clock.set(datetime(2024, 3, 10, 13, 0, 5, tzinfo=UTC))
        await eventually(lambda: len(digests_in(slack_api)) == 2, within=20)

        # The user moved to London: setting it again reads their zone anew.
        slack_api.users["U0NY"]["tz"] = "Europe/London"
        reply = await app.reply("digest daily 09:00", channel_id=CHANNEL, user_id="U0NY")
        assert "daily at 09:00 (Europe/London)" in json.dumps(reply["blocks"])
        digest = await bot.store.get_digest(CHANNEL)
        assert digest is not None
        assert digest.next_run_at == datetime(2024, 3, 11, 9, 0, tzinfo=UTC)

    # The bot is down from Sunday to Thursday 10:00: four runs pass unsent. On restart
    # only the latest goes, late, once, saying so.
    clock.set(datetime(2024, 3, 14, 10, 0, tzinfo=UTC))
    async with running_bot(bland, slack_api, url, clock=clock) as bot:
        await eventually(lambda: len(digests_in(slack_api)) == 3, within=20)
        late = digests_in(slack_api)[2]
        check_message(late)
        assert key_of(late) == "digest:daily:2024-03-14T09:00Z"
        text = json.dumps(late["blocks"])
        assert "Late: the bot was offline at 09:00 (Europe/London)" in text
        assert "3 earlier digests were not sent" in text
        digest = await bot.store.get_digest(CHANNEL)
        assert digest is not None
        assert digest.next_run_at == datetime(2024, 3, 15, 9, 0, tzinfo=UTC)

    # Restarted again within the same period: nothing more for it. Another channel's
    # due digest arriving shows the watcher ran meanwhile.
    async with running_bot(bland, slack_api, url, clock=clock) as bot:
        assert bot.store is not None
        await bot.store.set_digest(
            channel_id="C0OTHER",
            schedule=digest.schedule,
            created_by="U0NY",
            next_run_at=datetime(2024, 3, 14, 9, 0, tzinfo=UTC),
        )
        await eventually(lambda: len(digests_in(slack_api, "C0OTHER")) == 1, within=20)
    assert [key_of(p) for p in digests_in(slack_api)] == [
        "digest:daily:2024-03-09T14:00Z",
        "digest:daily:2024-03-10T13:00Z",
        "digest:daily:2024-03-14T09:00Z",
    ]


async def test_a_channel_that_refuses_its_digest_loses_it(
    bland: BlandServer, slack_api: RealClockSlack, tmp_path: Path
) -> None:
    clock = SetClock(E)
    async with running_bot(bland, slack_api, f"sqlite:///{tmp_path / 'b.db'}", clock=clock) as bot:
        async with as_slack(bot, bland, slack_api) as app:
            await app.reply("digest daily 10:30", channel_id=CHANNEL, user_id="U0MEMBER")
        slack_api.fail_channel(CHANNEL, "is_archived")
        clock.set(E + timedelta(minutes=31))

        async def dropped() -> bool:
            return [a.state for a in await bot.store.list_alerts()] == [AlertState.DROPPED]

        await eventually(dropped, within=20)
        assert await bot.store.get_digest(CHANNEL) is None


async def test_a_list_that_fails_is_named_and_the_rest_still_goes(
    bland: BlandServer, slack_api: RealClockSlack, tmp_path: Path
) -> None:
    clock = SetClock(E)
    bland.fail_next(20, status=503, path="/v2/batches/list")
    async with running_bot(bland, slack_api, f"sqlite:///{tmp_path / 'b.db'}", clock=clock) as bot:
        async with as_slack(bot, bland, slack_api) as app:
            await app.reply("digest daily 10:30", channel_id=CHANNEL, user_id="U0MEMBER")
        clock.set(E + timedelta(minutes=31))
        await eventually(lambda: len(digests_in(slack_api)) == 1, within=30)
    text = json.dumps(digests_in(slack_api)[0]["blocks"])
    assert "v2 batches could not be listed: Bland had a server error." in text
    assert NEW in text and RUNNING in text and V2_LIVE not in text


async def test_a_slow_digest_never_holds_up_a_completion_alert(
    bland: BlandServer, slack_api: RealClockSlack, tmp_path: Path
) -> None:
    # One poll at a time: a digest building from a Bland list that hangs must not take
    # that one place, or the batch ending meanwhile is noticed only after the digest.
    clock = SetClock(E)
    url = f"sqlite:///{tmp_path / 'b.db'}"
    async with running_bot(bland, slack_api, url, clock=clock, watch_concurrency=1) as bot:
        async with as_slack(bot, bland, slack_api) as app:
            await app.reply(f"watch {RUNNING}", channel_id="C0WATCH", user_id="U0MEMBER")
            await app.reply("digest daily 10:30", channel_id=CHANNEL, user_id="U0MEMBER")
        bland.hang_next(5, seconds=12, path="/v2/batches/list")
        clock.set(E + timedelta(minutes=31))
        await eventually(lambda: bland.count("/v2/batches/list") > 0, within=10)
        bland.complete_batch(RUNNING)
        await eventually(lambda: len(alerts_in(slack_api, "C0WATCH")) == 1, within=30)
        assert digests_in(slack_api) == [], "the alert waited for the digest"
        await eventually(lambda: len(digests_in(slack_api)) == 1, within=30)
