"""The Store contract, run on real SQLite and real PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from bot.storage import Store, Watch
from bot.storage.base import AlertKind, AlertState, PollDone, WatchKind, WatchState

B1, B2 = "AAcQq8zXxLB56LWg-gen-batch", "ZfowpkhOSVCZJ94i-gen-batch"
LEASE = 30.0

OpenStore = Callable[[], Awaitable[Store]]


def render(watch: Watch) -> dict[str, Any]:
    return {"text": f"done {watch.target_id} for <@{watch.created_by}>", "blocks": []}


async def watch(store: Store, channel: str, batch: str = B1, user: str = "U1") -> Watch:
    found, _ = await store.add_watch(
        channel_id=channel, kind=WatchKind.BATCH, target_id=batch, label="Survey", created_by=user
    )
    return found


async def test_add_list_remove(store: Store) -> None:
    first, created = await store.add_watch(
        channel_id="C1", kind=WatchKind.BATCH, target_id=B1, label="Survey", created_by="U1"
    )
    assert created
    assert (first.channel_id, first.kind, first.target_id) == ("C1", WatchKind.BATCH, B1)
    assert (first.label, first.created_by, first.state, first.batch_status) == (
        "Survey",
        "U1",
        WatchState.ACTIVE,
        None,
    )
    assert first.created_at.tzinfo is not None

    again, created = await store.add_watch(
        channel_id="C1", kind=WatchKind.BATCH, target_id=B1, label=None, created_by="U2"
    )
    assert not created
    assert again == first

    await watch(store, "C2", B1, user="U2")
    await watch(store, "C2", B2, user="U2")
    assert [w.channel_id for w in await store.list_watches()] == ["C1", "C2", "C2"]
    assert {w.target_id for w in await store.list_watches(channel_id="C2")} == {B1, B2}
    assert [w.channel_id for w in await store.list_watches(created_by="U1")] == ["C1"]
    assert await store.list_watches(channel_id="C2", created_by="U1") == []

    assert await store.remove_watch(channel_id="C2", kind=WatchKind.BATCH, target_id=B1)
    assert not await store.remove_watch(channel_id="C2", kind=WatchKind.BATCH, target_id=B1)
    assert [(w.channel_id, w.target_id) for w in await store.list_watches()] == [
        ("C1", B1),
        ("C2", B2),
    ]


async def test_error_threshold_and_label_kept(store: Store) -> None:
    found, _ = await store.add_watch(
        channel_id="C1",
        kind=WatchKind.BATCH,
        target_id=B1,
        label="A & <b>",
        created_by="U1",
        error_threshold=0.25,
    )
    assert found.error_threshold == 0.25
    assert found.label == "A & <b>"


async def test_schema_upgrade_is_idempotent(connect: OpenStore) -> None:
    first = await connect()
    await watch(first, "C1")
    second = await connect()  # a second process starting: migrations already applied
    assert [w.channel_id for w in await second.list_watches()] == ["C1"]


async def test_distinct_batches_are_polled_once(store: Store) -> None:
    for channel in ("C1", "C2", "C3", "C4", "C5"):
        await watch(store, channel)
    claimed = await store.claim_due_batches(owner="p1", limit=10, lease_seconds=LEASE)
    assert [d.batch_id for d in claimed] == [B1]
    assert await store.claim_due_batches(owner="p2", limit=10, lease_seconds=LEASE) == []
    assert await store.claim_due_batches(owner="p1", limit=10, lease_seconds=LEASE) == []


async def test_finish_poll_schedules_and_records_status(store: Store) -> None:
    await watch(store, "C1")
    await store.claim_due_batches(owner="p1", limit=10, lease_seconds=LEASE)
    assert not await store.finish_poll(B1, owner="p2", status="in-progress", delay=0)
    assert await store.finish_poll(B1, owner="p1", status="in-progress", delay=60)
    assert await store.claim_due_batches(owner="p1", limit=10, lease_seconds=LEASE) == []
    [w] = await store.list_watches()
    assert w.batch_status == "in-progress"


async def test_finish_polls_records_many_at_once_for_their_owner_only(store: Store) -> None:
    batches = [f"Batch{i:03d}-gen-batch" for i in range(5)]
    for batch in batches:
        await watch(store, "C1", batch)
    claimed = await store.claim_due_batches(owner="p1", limit=10, lease_seconds=LEASE)
    assert sorted(d.batch_id for d in claimed) == batches
    done = [PollDone(b, "in-progress", 60 if i < 3 else 0) for i, b in enumerate(batches)]
    await store.finish_polls(done[:4], owner="p1")
    await store.finish_polls(done[4:], owner="p2")  # not the owner: nothing changes
    # Three are scheduled a minute out; the fourth is due again; the fifth is still leased.
    again = await store.claim_due_batches(owner="p3", limit=10, lease_seconds=LEASE)
    assert [d.batch_id for d in again] == [batches[3]]
    assert (again[0].status, again[0].failures, again[0].polls) == ("in-progress", 0, 1)
    statuses = {w.target_id: w.batch_status for w in await store.list_watches()}
    assert statuses == {b: "in-progress" for b in batches[:4]} | {batches[4]: None}
    await store.finish_polls([], owner="p1")


async def test_failures_count_until_a_success(store: Store) -> None:
    await watch(store, "C1")
    for expected in (0, 1, 2):
        [due] = await store.claim_due_batches(owner="p1", limit=1, lease_seconds=LEASE)
        assert due.failures == expected
        await store.finish_poll(B1, owner="p1", status=None, delay=0, error="HTTP 503")
    [due] = await store.claim_due_batches(owner="p1", limit=1, lease_seconds=LEASE)
    assert due.failures == 3
    await store.finish_poll(B1, owner="p1", status="in-progress", delay=0)
    [due] = await store.claim_due_batches(owner="p1", limit=1, lease_seconds=LEASE)
    assert (due.failures, due.status) == (0, "in-progress")


async def test_expired_lease_is_claimable_by_another(store: Store) -> None:
    await watch(store, "C1")
    assert await store.claim_due_batches(owner="dead", limit=1, lease_seconds=0.2)
    assert await store.claim_due_batches(owner="p2", limit=1, lease_seconds=LEASE) == []
    await asyncio.sleep(0.3)
    [due] = await store.claim_due_batches(owner="p2", limit=1, lease_seconds=LEASE)
    assert due.batch_id == B1
    # The dead owner waking up late cannot record anything any more.
    assert not await store.finish_poll(B1, owner="dead", status="in-progress", delay=0)
    assert (
        await store.record_completion(B1, owner="dead", status="completed", render=render) is None
    )


async def test_release_batch_makes_it_due_again(store: Store) -> None:
    await watch(store, "C1")
    await store.claim_due_batches(owner="p1", limit=1, lease_seconds=LEASE)
    assert await store.release_batch(B1, owner="p1")
    assert [
        d.batch_id for d in await store.claim_due_batches(owner="p2", limit=1, lease_seconds=LEASE)
    ] == [B1]


async def test_unwatched_batches_are_not_polled(store: Store) -> None:
    await watch(store, "C1")
    await store.remove_watch(channel_id="C1", kind=WatchKind.BATCH, target_id=B1)
    assert await store.claim_due_batches(owner="p1", limit=10, lease_seconds=LEASE) == []
    await watch(store, "C2")
    await store.suspend_channel("C2", reason="channel_not_found")
    assert await store.claim_due_batches(owner="p1", limit=10, lease_seconds=LEASE) == []


async def test_completion_queues_one_alert_per_channel_once(store: Store) -> None:
    for channel, user in (("C1", "U1"), ("C2", "U2"), ("C3", "U3")):
        await watch(store, channel, user=user)
    await watch(store, "C4", B2)
    await store.suspend_channel("C3", reason="is_archived")
    await store.claim_due_batches(owner="p1", limit=10, lease_seconds=LEASE)

    alerts = await store.record_completion(B1, owner="p1", status="completed", render=render)
    assert alerts is not None
    assert [(a.channel_id, a.state, a.attempts) for a in alerts] == [
        ("C1", AlertState.PENDING, 0),
        ("C2", AlertState.PENDING, 0),
    ]
    assert alerts[1].message == {"text": f"done {B1} for <@U2>", "blocks": []}
    assert await store.record_completion(B1, owner="p1", status="completed", render=render) is None

    states = {
        (w.channel_id, w.target_id): (w.state, w.batch_status) for w in await store.list_watches()
    }
    assert states == {
        ("C1", B1): (WatchState.DONE, "completed"),
        ("C2", B1): (WatchState.DONE, "completed"),
        ("C3", B1): (WatchState.SUSPENDED, None),
        ("C4", B2): (WatchState.ACTIVE, None),
    }
    assert await store.finish_poll(B2, owner="p1", status="in-progress", delay=0)
    due = await store.claim_due_batches(owner="p1", limit=10, lease_seconds=LEASE)
    assert [d.batch_id for d in due] == [B2]
    assert len(await store.list_alerts(batch_id=B1)) == 2
    assert await store.list_alerts(batch_id=B2) == []


async def test_rewatching_a_finished_batch_polls_it_again(store: Store) -> None:
    await watch(store, "C1")
    await store.claim_due_batches(owner="p1", limit=1, lease_seconds=LEASE)
    await store.record_completion(B1, owner="p1", status="completed", render=render)
    again, created = await store.add_watch(
        channel_id="C1", kind=WatchKind.BATCH, target_id=B1, label=None, created_by="U9"
    )
    assert created
    assert (again.state, again.created_by, again.label) == (WatchState.ACTIVE, "U9", "Survey")
    [due] = await store.claim_due_batches(owner="p1", limit=1, lease_seconds=LEASE)
    assert due.batch_id == B1
    alerts = await store.record_completion(B1, owner="p1", status="completed", render=render)
    assert alerts is not None
    assert [a.message["text"] for a in alerts] == [f"done {B1} for <@U9>"]


async def test_suspended_watch_is_reactivated(store: Store) -> None:
    await watch(store, "C1")
    assert await store.suspend_channel("C1", reason="not_in_channel") == 1
    [w] = await store.list_watches()
    assert w.state == WatchState.SUSPENDED
    again, created = await store.add_watch(
        channel_id="C1", kind=WatchKind.BATCH, target_id=B1, label=None, created_by="U1"
    )
    assert created
    assert again.state == WatchState.ACTIVE


async def _completed(store: Store, channels: tuple[str, ...] = ("C1",)) -> None:
    for channel in channels:
        await watch(store, channel)
    await store.claim_due_batches(owner="p1", limit=1, lease_seconds=LEASE)
    await store.record_completion(B1, owner="p1", status="completed", render=render)


async def test_alert_lifecycle(store: Store) -> None:
    await _completed(store, ("C1", "C2", "C3"))
    claimed = await store.claim_alerts(owner="s1", limit=10, lease_seconds=LEASE)
    assert [(a.channel_id, a.attempts) for a in claimed] == [("C1", 0), ("C2", 0), ("C3", 0)]
    assert await store.claim_alerts(owner="s2", limit=10, lease_seconds=LEASE) == []
    one, two, three = claimed

    assert await store.mark_alert_sent(one.id, message_ts="1700000000.000100")
    assert not await store.mark_alert_sent(one.id, message_ts="1700000000.000200")

    assert await store.release_alert(two.id, owner="s1", delay=0, error="ratelimited")
    assert not await store.release_alert(two.id, owner="s1", delay=0)
    [retry] = await store.claim_alerts(owner="s2", limit=10, lease_seconds=LEASE)
    assert (retry.id, retry.attempts, retry.last_error) == (two.id, 1, "ratelimited")
    assert retry.message == two.message

    assert await store.drop_alert(three.id, reason="channel_not_found")
    by_id = {a.id: a for a in await store.list_alerts()}
    assert (by_id[one.id].state, by_id[one.id].message_ts) == (AlertState.SENT, "1700000000.000100")
    assert by_id[two.id].state == AlertState.PENDING
    assert (by_id[three.id].state, by_id[three.id].last_error) == (
        AlertState.DROPPED,
        "channel_not_found",
    )


async def test_released_alert_waits_for_its_delay(store: Store) -> None:
    await _completed(store)
    [alert] = await store.claim_alerts(owner="s1", limit=1, lease_seconds=LEASE)
    await store.release_alert(alert.id, owner="s1", delay=60)
    assert await store.claim_alerts(owner="s1", limit=1, lease_seconds=LEASE) == []


async def test_abandoned_alert_is_reclaimed_with_attempts(store: Store) -> None:
    await _completed(store)
    [alert] = await store.claim_alerts(owner="dead", limit=1, lease_seconds=0.2)
    await asyncio.sleep(0.3)
    [again] = await store.claim_alerts(owner="s2", limit=1, lease_seconds=LEASE)
    assert (again.id, again.attempts) == (alert.id, 1)


async def test_concurrent_claimers_never_share(connect: OpenStore) -> None:
    stores = [await connect() for _ in range(4)]
    batches = [f"batch-{i:03d}" for i in range(40)]
    for batch in batches:
        await watch(stores[0], "C1", batch)
        await watch(stores[0], "C2", batch)

    async def claim_all(store: Store, owner: str) -> list[str]:
        mine: list[str] = []
        while True:
            got = await store.claim_due_batches(owner=owner, limit=3, lease_seconds=LEASE)
            if not got:
                return mine
            mine.extend(d.batch_id for d in got)
            await asyncio.sleep(0)

    results = await asyncio.gather(*(claim_all(s, f"p{i}") for i, s in enumerate(stores)))
    flat = [b for r in results for b in r]
    assert sorted(flat) == batches

    async def complete(store: Store, owner: str) -> int:
        # Every process tries every batch: only the lease holder's attempt counts.
        created = 0
        for batch in batches:
            alerts = await store.record_completion(
                batch, owner=owner, status="completed", render=render
            )
            created += len(alerts or [])
        return created

    counts = await asyncio.gather(*(complete(s, f"p{i}") for i, s in enumerate(stores)))
    assert counts == [2 * len(r) for r in results]
    assert sum(counts) == 2 * len(batches)
    assert len(await stores[0].list_alerts()) == 2 * len(batches)


async def test_rows_come_back_as_their_enums(store: Store) -> None:
    await _completed(store)
    [done] = await store.list_watches()
    [alert] = await store.list_alerts()
    assert type(done.kind) is WatchKind and type(done.state) is WatchState
    assert type(alert.kind) is AlertKind and type(alert.state) is AlertState


# --- Heartbeats: a dead owner's claims go at once, a live one's stay until the lease ---

CAMPAIGN = "campaign-heartbeat-1"


async def _claim_everything(store: Store, owner: str) -> tuple[int, int, int]:
    batches = await store.claim_due_batches(owner=owner, limit=10, lease_seconds=LEASE)
    campaigns = await store.claim_due_campaigns(owner=owner, limit=10, lease_seconds=LEASE)
    alerts = await store.claim_alerts(owner=owner, limit=10, lease_seconds=LEASE)
    return len(batches), len(campaigns), len(alerts)


async def _work_for_everyone(store: Store) -> None:
    await _completed(store)  # a pending alert, B1 done
    await watch(store, "C2", B2)
    await store.add_watch(
        channel_id="C2", kind=WatchKind.CAMPAIGN, target_id=CAMPAIGN, label=None, created_by="U1"
    )


async def test_a_dead_owners_claims_are_taken_over_once_its_heartbeat_lapses(
    connect: OpenStore,
) -> None:
    dead, alive = await connect(), await connect()
    await _work_for_everyone(dead)
    await dead.heartbeat("dead", takeover_seconds=0.3)
    assert await _claim_everything(dead, "dead") == (1, 1, 1)
    await alive.heartbeat("alive", takeover_seconds=LEASE)
    assert await _claim_everything(alive, "alive") == (0, 0, 0)

    await asyncio.sleep(0.5)  # no heartbeat from "dead" since: its 30 s leases are void
    [batch] = await alive.claim_due_batches(owner="alive", limit=10, lease_seconds=LEASE)
    [campaign] = await alive.claim_due_campaigns(owner="alive", limit=10, lease_seconds=LEASE)
    [alert] = await alive.claim_alerts(owner="alive", limit=10, lease_seconds=LEASE)
    assert (batch.batch_id, batch.taken_from) == (B2, "dead")
    assert (campaign.campaign_id, campaign.taken_from) == (CAMPAIGN, "dead")
    # The dead owner may have posted it: the new owner looks before posting.
    assert (alert.attempts, alert.taken_from) == (1, "dead")
    # Waking up late, the dead owner can record nothing.
    assert not await dead.finish_poll(B2, owner="dead", status="in-progress", delay=0)
    assert await dead.finish_scan(CAMPAIGN, owner="dead", batches=[], delay=0) is None
    assert not await dead.release_alert(alert.id, owner="dead", delay=0)


async def test_a_live_owner_keeps_its_claims_until_the_lease_ends(store: Store) -> None:
    await _work_for_everyone(store)
    await store.heartbeat("slow", takeover_seconds=LEASE)
    await store.claim_due_batches(owner="slow", limit=10, lease_seconds=0.2)
    await store.claim_alerts(owner="slow", limit=10, lease_seconds=0.2)
    assert await _claim_everything(store, "other") == (0, 1, 0)
    await store.heartbeat("slow", takeover_seconds=LEASE)
    # Alive but hung past its lease: the lease is the upper bound.
    await asyncio.sleep(0.3)
    [batch] = await store.claim_due_batches(owner="other", limit=10, lease_seconds=LEASE)
    [alert] = await store.claim_alerts(owner="other", limit=10, lease_seconds=LEASE)
    assert (batch.taken_from, alert.taken_from) == ("slow", "slow")


async def test_free_and_released_work_is_not_counted_as_taken_over(store: Store) -> None:
    await _work_for_everyone(store)
    [batch] = await store.claim_due_batches(owner="p1", limit=10, lease_seconds=LEASE)
    [alert] = await store.claim_alerts(owner="p1", limit=10, lease_seconds=LEASE)
    assert (batch.taken_from, alert.taken_from) == (None, None)
    await store.release_batch(B2, owner="p1")
    await store.release_alert(alert.id, owner="p1", delay=0)
    [batch] = await store.claim_due_batches(owner="p2", limit=10, lease_seconds=LEASE)
    [alert] = await store.claim_alerts(owner="p2", limit=10, lease_seconds=LEASE)
    assert (batch.taken_from, alert.taken_from) == (None, None)


async def test_forget_gives_back_what_a_stopping_owner_still_holds(connect: OpenStore) -> None:
    leaving, staying = await connect(), await connect()
    await _work_for_everyone(leaving)
    await leaving.heartbeat("leaving", takeover_seconds=LEASE)
    assert await _claim_everything(leaving, "leaving") == (1, 1, 1)
    await leaving.forget("leaving")
    assert await _claim_everything(staying, "staying") == (1, 1, 1)
    await leaving.forget("leaving")  # harmless to repeat


async def test_a_rate_limited_claim_does_not_count_as_an_attempt(store: Store) -> None:
    await _completed(store)
    [alert] = await store.claim_alerts(owner="s1", limit=1, lease_seconds=LEASE)
    # Slack answered 429: nothing was posted, so the next owner need not look for it.
    assert await store.release_alert(alert.id, owner="s1", delay=0, unposted=True)
    [again] = await store.claim_alerts(owner="s2", limit=1, lease_seconds=LEASE)
    assert again.attempts == 0
    await store.release_alert(again.id, owner="s2", delay=0)
    [third] = await store.claim_alerts(owner="s1", limit=1, lease_seconds=LEASE)
    assert third.attempts == 1
