"""One odd value must not poison a batch: odd dates, numbers, counts and characters from
Bland still give one alert, through the real watcher on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.bland.stats import CallCounts
from bot.demo.server import BlandServer
from bot.slack.clients import make_slack_client
from bot.storage import Store
from bot.storage.base import AlertKind, AlertState, WatchState
from formatters.progress import progress_message
from tests.support.odd_batch import OVER_INT4, assert_clean, odd_batch
from tests.support.slack_standin import RealClockSlack
from tests.support.waiting import eventually
from tests.support.watcher import POLL, RunWatcher, posts_of, updates, watch

ODD = "OddValues0000001-gen-batch"
BIGINT_MAX = 2**63 - 1


async def test_odd_values_complete_and_alert_exactly_once(
    any_store: Store,
    bland: BlandServer,
    slack_api: RealClockSlack,
    run_watcher: RunWatcher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    bland.add_batch(odd_batch(ODD, status="in-progress"))
    await watch(any_store, "C01", ODD, error_threshold=1.0)
    await watch(any_store, "C02", ODD, user="U0BOB")
    # A live progress message in C02, as `/batch watch` would have posted it.
    client = make_slack_client("xoxb-test-token", slack_api.api_url)
    counts = CallCounts(total=6, completed=3, errored=1)
    first = progress_message(batch_id=ODD, label="Odd", counts=counts)
    posted = await client.chat_postMessage(channel="C02", **first.as_kwargs())
    assert await any_store.set_progress_message(
        channel_id="C02", batch_id=ODD, ts=str(posted["ts"]), counts=counts
    )

    async with run_watcher(any_store, progress_every=1):
        await eventually(lambda: bool(posts_of(slack_api, "C01", ODD)), within=10)
        [warning] = await any_store.list_alerts(batch_id=ODD)
        assert warning.kind == AlertKind.WARNING
        assert {w.calls_total for w in await any_store.list_watches()} == {OVER_INT4}

        bland.add_batch(odd_batch(ODD))
        await eventually(lambda: len(posts_of(slack_api, "C01", ODD)) == 2, within=10)
        await eventually(lambda: bool(posts_of(slack_api, "C02", ODD)), within=10)
        await eventually(lambda: any(u["ts"] == posted["ts"] for u in updates(slack_api)))
        await asyncio.sleep(POLL * 5)

    assert len(posts_of(slack_api, "C01", ODD)) == 2, "one warning, one completion"
    assert len(posts_of(slack_api, "C02", ODD)) == 1, "exactly one completion alert"
    for message in [*slack_api.posted(), *updates(slack_api)]:
        assert_clean(message)
    alerts = await any_store.list_alerts(batch_id=ODD)
    assert {a.state for a in alerts} == {AlertState.SENT}
    for alert in alerts:
        assert_clean(alert.message)
    assert {w.state for w in await any_store.list_watches()} == {WatchState.DONE}
    assert not [r for r in caplog.records if "polling batch" in r.getMessage()], "no poll failed"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_counts_past_bigint_are_stored_clamped(any_store: Store) -> None:
    await watch(any_store, "C01", ODD)
    huge = CallCounts(total=10**30, completed=-(10**30), errored=OVER_INT4)
    assert await any_store.set_progress_message(
        channel_id="C01", batch_id=ODD, ts="1.1", counts=huge
    )
    [watch_row] = await any_store.list_watches()
    assert (watch_row.calls_total, watch_row.calls_completed, watch_row.calls_errored) == (
        BIGINT_MAX,
        -BIGINT_MAX - 1,
        OVER_INT4,
    )
