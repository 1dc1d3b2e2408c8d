"""Channel digests in the store, on real SQLite and real PostgreSQL: one per channel, due
by the caller's clock, leased while built, and queued in the outbox once per period."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.digests.schedule import Cadence, DigestSchedule
from bot.storage import Store
from bot.storage.base import AlertKind, AlertState
from tests.support.stores import OpenStore

DAILY = DigestSchedule(Cadence.DAILY, 9 * 60, "Europe/Paris")
WEEKLY = DigestSchedule(Cadence.WEEKLY, 17 * 60 + 30, "America/New_York", weekday=0)
T0 = datetime(2024, 5, 6, 7, 0, tzinfo=UTC)
LEASE = 30.0
KEY = "digest:daily:2024-05-06T07:00Z"


async def set_daily(store: Store, channel: str = "C1", user: str = "U1") -> None:
    await store.set_digest(channel_id=channel, schedule=DAILY, created_by=user, next_run_at=T0)


async def test_set_show_replace_and_remove(store: Store) -> None:
    first = await store.set_digest(channel_id="C1", schedule=DAILY, created_by="U1", next_run_at=T0)
    assert (first.channel_id, first.schedule, first.created_by, first.next_run_at) == (
        "C1",
        DAILY,
        "U1",
        T0,
    )
    later = T0 + timedelta(days=1)
    await store.set_digest(channel_id="C1", schedule=WEEKLY, created_by="U2", next_run_at=later)
    shown = await store.get_digest("C1")
    assert shown is not None
    assert (shown.schedule, shown.created_by, shown.next_run_at) == (WEEKLY, "U2", later)
    await set_daily(store, "C2", "U1")
    assert [d.channel_id for d in await store.list_digests()] == ["C1", "C2"]
    assert [d.channel_id for d in await store.list_digests(created_by="U1")] == ["C2"]
    assert await store.remove_digest("C1")
    assert not await store.remove_digest("C1")
    assert await store.get_digest("C1") is None


async def test_due_by_the_callers_clock_and_claimed_by_one(connect: OpenStore) -> None:
    one, two = await connect(), await connect()
    await set_daily(one)
    before = T0 - timedelta(seconds=1)
    assert await one.claim_due_digests(owner="A", now=before, limit=5, lease_seconds=LEASE) == []
    claims = await asyncio.gather(
        one.claim_due_digests(owner="A", now=T0, limit=5, lease_seconds=LEASE),
        two.claim_due_digests(owner="B", now=T0, limit=5, lease_seconds=LEASE),
    )
    assert sorted(len(c) for c in claims) == [0, 1]


async def test_recorded_once_per_period_and_moved_on(connect: OpenStore) -> None:
    store = await connect()
    await set_daily(store)
    [claimed] = await store.claim_due_digests(owner="A", now=T0, limit=5, lease_seconds=LEASE)
    nxt = T0 + timedelta(days=1)
    alert = await store.record_digest(
        "C1", owner="A", period_key=KEY, message={"text": "digest"}, next_run_at=nxt
    )
    assert alert is not None
    assert (alert.kind, alert.batch_id, alert.channel_id, alert.state) == (
        AlertKind.DIGEST,
        KEY,
        "C1",
        AlertState.PENDING,
    )
    # The lease ended with the record: the same owner holds nothing now.
    again = await store.record_digest(
        "C1", owner="A", period_key=KEY, message={"text": "digest"}, next_run_at=nxt
    )
    assert again is None
    shown = await store.get_digest("C1")
    assert shown is not None and shown.next_run_at == nxt

    # Another process that built the same period (the setting was reset in between, say)
    # queues nothing: the period key is unique per channel.
    await set_daily(store)
    other = await connect()
    [claimed] = await other.claim_due_digests(owner="B", now=T0, limit=5, lease_seconds=LEASE)
    assert claimed.channel_id == "C1"
    assert (
        await other.record_digest(
            "C1", owner="B", period_key=KEY, message={"text": "twice"}, next_run_at=nxt
        )
        is None
    )
    shown = await store.get_digest("C1")
    assert shown is not None and shown.next_run_at == nxt
    assert [(a.batch_id, a.message["text"]) for a in await store.list_alerts()] == [(KEY, "digest")]


async def test_replacing_a_digest_voids_its_claim(store: Store) -> None:
    await set_daily(store)
    await store.claim_due_digests(owner="A", now=T0, limit=5, lease_seconds=LEASE)
    await store.set_digest(
        channel_id="C1", schedule=WEEKLY, created_by="U1", next_run_at=T0 + timedelta(days=3)
    )
    assert (
        await store.record_digest(
            "C1", owner="A", period_key=KEY, message={"text": "old"}, next_run_at=T0
        )
        is None
    )
    assert await store.list_alerts() == []


async def test_released_digest_waits_then_is_due_again(store: Store) -> None:
    await set_daily(store)
    await store.claim_due_digests(owner="A", now=T0, limit=5, lease_seconds=LEASE)
    assert await store.release_digest("C1", owner="A", delay=3600, error="BlandServerError")
    assert await store.claim_due_digests(owner="B", now=T0, limit=5, lease_seconds=LEASE) == []
    await store.claim_due_digests(owner="A", now=T0, limit=5, lease_seconds=LEASE)
    assert await store.release_digest("C1", owner="B", delay=0) is False
    await store.set_digest(channel_id="C1", schedule=DAILY, created_by="U1", next_run_at=T0)
    await store.claim_due_digests(owner="A", now=T0, limit=5, lease_seconds=LEASE)
    assert await store.release_digest("C1", owner="A", delay=0, error="x")
    [again] = await store.claim_due_digests(owner="B", now=T0, limit=5, lease_seconds=LEASE)
    assert again.failures == 1


async def test_a_stopping_owner_gives_its_digests_back(store: Store) -> None:
    await set_daily(store)
    await store.heartbeat("A", takeover_seconds=15)
    assert await store.claim_due_digests(owner="A", now=T0, limit=5, lease_seconds=LEASE)
    await store.forget("A")
    [again] = await store.claim_due_digests(owner="B", now=T0, limit=5, lease_seconds=LEASE)
    assert again.taken_from is None


async def test_a_refusal_ends_only_the_setting_its_digest_was_built_from(store: Store) -> None:
    """The outbox ends a channel's digest when Slack refuses it; a setting made again
    since that digest was queued (the bot invited back, the digest set anew) stays."""
    await set_daily(store)
    first = await store.get_digest("C1")
    assert first is not None
    await asyncio.sleep(0.05)
    await store.set_digest(channel_id="C1", schedule=WEEKLY, created_by="U2", next_run_at=T0)
    assert not await store.remove_digest("C1", set_before=first.created_at)
    assert await store.get_digest("C1") is not None
    again = await store.get_digest("C1")
    assert again is not None
    assert await store.remove_digest("C1", set_before=again.created_at)
    assert await store.get_digest("C1") is None
