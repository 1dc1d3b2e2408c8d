"""Any exception in a poll or a campaign scan is a failed poll with backoff, never a lapsed
lease: the batch is tried again soon and alerts once, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from bot.demo.details import make_batch
from bot.demo.server import BlandServer
from bot.storage import Store
from bot.storage.base import AlertState, WatchKind
from tests.support.slack_standin import RealClockSlack
from tests.support.waiting import eventually
from tests.support.watcher import RunWatcher, posts_of, watch

BATCH = "UnexpectedError1-gen-batch"
CAMPAIGN = "campUnexpected01"
# Far longer than the test waits: a poll that only lets its lease lapse is not retried.
LEASE = 120.0


class FailingStore:
    """The real store, except that the named methods raise RuntimeError on their first
    `times` calls: a database failing at one step of the watcher's work."""

    def __init__(self, store: Store, **failures: int) -> None:
        self._store = store
        self._failures = dict(failures)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)
        if self._failures.get(name, 0) <= 0:
            return method

        async def failing(*args: Any, **kwargs: Any) -> Any:
            self._failures[name] -= 1
            raise RuntimeError(f"{name} failed")

        return failing


def failing(store: Store, **failures: int) -> Store:
    return cast(Store, FailingStore(store, **failures))


def logged(caplog: pytest.LogCaptureFixture, *words: str) -> Callable[[], bool]:
    return lambda: any(all(w in r.getMessage() for w in words) for r in caplog.records)


async def test_an_unexpected_error_in_a_poll_is_a_failed_poll(
    any_store: Store,
    bland: BlandServer,
    slack_api: RealClockSlack,
    run_watcher: RunWatcher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    bland.add_batch(make_batch(BATCH, calls=10))
    await watch(any_store, "C01", BATCH)
    store = failing(any_store, record_completion=2)
    async with run_watcher(store, lease_seconds=LEASE):
        await eventually(lambda: bool(posts_of(slack_api, "C01", BATCH)), within=15)
    assert len(posts_of(slack_api, "C01", BATCH)) == 1
    assert logged(caplog, "polling batch", "RuntimeError", "failure 2 in a row")()
    assert not logged(caplog, "watcher task failed")()


async def test_an_unexpected_error_in_a_scan_is_a_failed_scan(
    any_store: Store,
    bland: BlandServer,
    slack_api: RealClockSlack,
    run_watcher: RunWatcher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    await watch(any_store, "C01", CAMPAIGN, kind=WatchKind.CAMPAIGN)
    bland.add_batch(make_batch(BATCH, calls=10, campaign_id=CAMPAIGN, created_at=datetime.now(UTC)))
    store = failing(any_store, finish_scan=1)
    async with run_watcher(store, lease_seconds=LEASE, scan_every=1):
        await eventually(lambda: bool(posts_of(slack_api, "C01", BATCH)), within=15)
    assert logged(caplog, "scanning campaign", "RuntimeError")()
    assert not logged(caplog, "watcher task failed")()


async def test_an_unexpected_error_recording_a_refusal_is_retried(
    any_store: Store,
    bland: BlandServer,
    slack_api: RealClockSlack,
    run_watcher: RunWatcher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    bland.add_batch(make_batch(BATCH, calls=10))
    await watch(any_store, "CGONE", BATCH)
    slack_api.fail_channel("CGONE", "channel_not_found")
    store = failing(any_store, suspend_channel=1)
    async with run_watcher(store, lease_seconds=LEASE):
        await eventually(lambda: _dropped(any_store), within=15)
    assert logged(caplog, "alert", "failed (RuntimeError)")()
    assert not logged(caplog, "watcher task failed")()


async def _dropped(store: Store) -> bool:
    return [a.state for a in await store.list_alerts()] == [AlertState.DROPPED]
