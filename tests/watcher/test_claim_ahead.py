"""Claims taken ahead of the slots on a slow day: a claim that waited renews its lease or
is dropped, and neither leaks a slot, polls twice, loses an alert or outlives `stop()`."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.bland.client import BlandClient
from bot.demo.details import make_batch
from bot.demo.server import BlandServer
from bot.storage import Store
from bot.storage.base import WatchKind
from tests.support.slack_standin import RealClockSlack
from tests.support.waiting import eventually
from tests.support.watcher import (
    RunWatcher,
    alerts_in,
    in_progress_batch,
    polls,
    render_for,
    watch,
)
from tests.watcher.test_unexpected_errors import failing

# Long enough that a batch is polled once in a test: a second poll is a double poll.
ONCE = 60.0


async def _waiting_behind_a_held_poll(
    store: Store, bland: BlandServer, prefix: str, count: int = 4
) -> list[str]:
    """`count` due batches, each watched in C01, and the next poll held."""
    batch_ids = [f"{prefix}{i:02d}-gen-batch" for i in range(count)]
    for batch_id in batch_ids:
        bland.add_batch(in_progress_batch(batch_id))
        await watch(store, "C01", batch_id)
    return batch_ids


def _asked(bland: BlandServer, batch_ids: list[str]) -> dict[str, int]:
    return {batch_id: len(polls(bland, batch_id)) for batch_id in batch_ids}


def _first(bland: BlandServer) -> str:
    return bland.requests[0].path.rsplit("/", 1)[-1]


async def test_a_dropped_claim_leaks_nothing_and_the_loop_claims_on(
    any_store: Store,
    bland: BlandServer,
    run_watcher: RunWatcher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    batch_ids = await _waiting_behind_a_held_poll(any_store, bland, "DropLeak0000000")
    held = bland.hold_next(path="/v1/batches/")

    async with run_watcher(
        any_store, concurrency=1, lease_seconds=1.0, poll_seconds=0.2
    ) as watcher:
        await eventually(lambda: held.used == 1, within=10)
        first = _first(bland)
        await asyncio.sleep(1.5)
        taken = await any_store.claim_due_batches(owner="other", limit=10, lease_seconds=60)
        assert {due.batch_id for due in taken} == set(batch_ids)
        held.release()
        await eventually(
            lambda: (
                sum(
                    "while it waited for a slot; not polled here" in r.getMessage()
                    for r in caplog.records
                )
                == 3
            ),
            within=10,
        )
        # The other process polls its claims and gives them back; the dropped claims held
        # no slot, so this watcher polls them all again at their next turn.
        for due in taken:
            await any_store.finish_poll(due.batch_id, owner="other", status="in-progress", delay=0)
        dropped = [b for b in batch_ids if b != first]
        await eventually(lambda: all(polls(bland, b) for b in dropped), within=10)
        assert watcher.takeovers == 0
        assert watcher.claim_failures == 0

    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], [
        r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING
    ]


async def test_a_lapsed_claim_nobody_took_is_renewed_and_polled_once(
    any_store: Store, bland: BlandServer, run_watcher: RunWatcher
) -> None:
    batch_ids = await _waiting_behind_a_held_poll(any_store, bland, "LapsedOnce00000")
    held = bland.hold_next(path="/v1/batches/")

    async with run_watcher(
        any_store, concurrency=1, lease_seconds=1.0, poll_seconds=ONCE
    ) as watcher:
        await eventually(lambda: held.used == 1, within=10)
        # Every waiting lease lapses, and nobody takes them.
        await asyncio.sleep(1.5)
        held.release()
        await eventually(lambda: all(_asked(bland, batch_ids).values()), within=10)
        # Renewed, each lease is this watcher's while it polls: nobody else may claim it
        # (the held poll's own lease lapsed while Bland held it, and it is given back).
        await asyncio.sleep(0.5)
        assert watcher.takeovers == 0

    assert _asked(bland, batch_ids) == dict.fromkeys(batch_ids, 1)


async def test_a_claim_whose_batch_finished_while_it_waited_is_not_polled_and_alerts_once(
    any_store: Store,
    bland: BlandServer,
    bland_client: BlandClient,
    slack_api: RealClockSlack,
    run_watcher: RunWatcher,
) -> None:
    batch_ids = await _waiting_behind_a_held_poll(any_store, bland, "DoneWhileWait00")
    for batch_id in batch_ids:
        bland.add_batch(make_batch(batch_id, calls=4))
    held = bland.hold_next(path="/v1/batches/")

    async with run_watcher(any_store, concurrency=1, lease_seconds=1.0, poll_seconds=ONCE):
        await eventually(lambda: held.used == 1, within=10)
        first = _first(bland)
        await asyncio.sleep(1.5)
        # Another process records the waiting batches' completions (a webhook, say).
        for batch_id in batch_ids:
            if batch_id == first:
                continue
            assert await any_store.claim_batch(batch_id, owner="other", lease_seconds=60)
            detail = await bland_client.get_batch(batch_id, include_transcripts=False)
            assert await any_store.record_completion(
                batch_id, owner="other", status="completed", render=render_for(detail, batch_id)
            )
        bland.reset_requests()
        held.release()
        await eventually(lambda: len(alerts_in(slack_api, "C01")) == 4, within=15)
        await asyncio.sleep(0.5)

    assert [r.path for r in bland.requests if first not in r.path] == []
    alerted = sorted(
        a["metadata"]["event_payload"]["batch_id"] for a in alerts_in(slack_api, "C01")
    )
    assert alerted == sorted(batch_ids)


async def test_a_claim_whose_watches_were_removed_while_it_waited_is_not_polled(
    any_store: Store, bland: BlandServer, run_watcher: RunWatcher
) -> None:
    batch_ids = await _waiting_behind_a_held_poll(any_store, bland, "Unwatched000000")
    held = bland.hold_next(path="/v1/batches/")

    async with run_watcher(any_store, concurrency=1, lease_seconds=1.0, poll_seconds=ONCE):
        await eventually(lambda: held.used == 1, within=10)
        first = _first(bland)
        await asyncio.sleep(1.5)
        for batch_id in batch_ids:
            if batch_id != first:
                assert await any_store.remove_watch(
                    channel_id="C01", kind=WatchKind.BATCH, target_id=batch_id
                )
        held.release()
        await asyncio.sleep(1.5)

    # Nobody watches them any more: asking Bland about them is work for no one.
    assert {b: n for b, n in _asked(bland, batch_ids).items() if b != first} == dict.fromkeys(
        [b for b in batch_ids if b != first], 0
    )


async def test_stop_gives_back_waiting_claims_and_polls_none_of_them(
    any_store: Store, bland: BlandServer, run_watcher: RunWatcher
) -> None:
    batch_ids = await _waiting_behind_a_held_poll(any_store, bland, "StopWaiting0000")
    held = bland.hold_next(path="/v1/batches/")

    async with run_watcher(
        any_store, concurrency=1, lease_seconds=60.0, poll_seconds=ONCE
    ) as watcher:
        await eventually(lambda: held.used == 1, within=10)
        first = _first(bland)
        stopping = asyncio.create_task(watcher.stop())
        await asyncio.sleep(0.2)
        # The poll in flight ends while the watcher stops: its slot frees up.
        held.release()
        await stopping

    waited = [b for b in batch_ids if b != first]
    assert {b: n for b, n in _asked(bland, batch_ids).items() if b != first} == dict.fromkeys(
        waited, 0
    ), "a claim that got its slot after stop() began was polled"
    taken = await any_store.claim_due_batches(owner="other", limit=10, lease_seconds=60)
    assert {due.batch_id for due in taken} == set(waited)


async def test_a_renewal_the_database_fails_asks_bland_nothing_and_is_polled_later(
    any_store: Store,
    bland: BlandServer,
    run_watcher: RunWatcher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    batch_ids = await _waiting_behind_a_held_poll(any_store, bland, "RenewFails00000")
    held = bland.hold_next(path="/v1/batches/")
    store = failing(any_store, renew_batch=1)

    async with run_watcher(store, concurrency=1, lease_seconds=1.0, poll_seconds=0.2):
        await eventually(lambda: held.used == 1, within=10)
        first = _first(bland)
        await asyncio.sleep(1.5)
        held.release()
        # Every batch, the one whose renewal failed too, is polled in the end.
        await eventually(lambda: all(_asked(bland, batch_ids).values()), within=15)

    assert not [r for r in caplog.records if "watcher task failed" in r.getMessage()]
    # The failed renewal asked Bland nothing: it shows as one failed poll, then backoff.
    failed = [r.getMessage() for r in caplog.records if "polling batch" in r.getMessage()]
    assert len(failed) == 1 and "RuntimeError" in failed[0], failed
    assert first not in failed[0]


async def test_two_watchers_with_a_slow_bland_poll_each_batch_once(
    any_store: Store, bland: BlandServer, run_watcher: RunWatcher
) -> None:
    batch_ids = await _waiting_behind_a_held_poll(any_store, bland, "TwoSlowOwners00", 12)
    # Each poll well inside its lease, but a claim waits behind several of them.
    bland.hang_next(len(batch_ids), seconds=0.5, path="/v1/batches/")

    async with (
        run_watcher(any_store, concurrency=1, lease_seconds=1.2, poll_seconds=ONCE) as one,
        run_watcher(any_store, concurrency=1, lease_seconds=1.2, poll_seconds=ONCE) as two,
    ):
        await eventually(lambda: all(_asked(bland, batch_ids).values()), within=30)
        await asyncio.sleep(1.0)
        taken = one.takeovers + two.takeovers

    assert _asked(bland, batch_ids) == dict.fromkeys(batch_ids, 1), taken


async def test_claims_taken_from_a_dead_process_renew_while_they_wait(
    any_store: Store, bland: BlandServer, run_watcher: RunWatcher
) -> None:
    batch_ids = await _waiting_behind_a_held_poll(any_store, bland, "DeadOwnerWait00")
    await any_store.heartbeat("dead", takeover_seconds=1.0)
    assert len(await any_store.claim_due_batches(owner="dead", limit=10, lease_seconds=60)) == 4
    held = bland.hold_next(path="/v1/batches/")

    async with run_watcher(
        any_store,
        concurrency=1,
        lease_seconds=1.0,
        takeover_seconds=1.0,
        poll_seconds=ONCE,
    ) as watcher:
        await eventually(lambda: held.used == 1, within=10)
        first = _first(bland)
        assert watcher.takeovers == 4
        await asyncio.sleep(1.5)
        # Another live process takes what lapsed, as this watcher took from the dead one.
        taken = await any_store.claim_due_batches(owner="other", limit=10, lease_seconds=60)
        held.release()
        await asyncio.sleep(1.5)

    # The held poll outlived its own lease (that is the lease's length, not the wait):
    # every claim behind it was taken over while it waited, and none polled here.
    waited = [b for b in batch_ids if b != first]
    assert {due.batch_id for due in taken} == set(batch_ids)
    assert {b: n for b, n in _asked(bland, batch_ids).items() if b != first} == dict.fromkeys(
        waited, 0
    )


async def test_a_poll_that_outlasts_its_lease_is_not_claimed_again_by_its_own_watcher(
    any_store: Store, bland: BlandServer, run_watcher: RunWatcher
) -> None:
    # With a slot free the loop goes on claiming while one poll is held past its lease;
    # that lapsed lease is claimable by anyone, this watcher included, and a second task
    # of its own would ask Bland about the same batch while the first still waits.
    slow, other = "OwnLapse00000001-gen-batch", "OwnLapse00000002-gen-batch"
    for batch_id in (slow, other):
        bland.add_batch(in_progress_batch(batch_id))
        await watch(any_store, "C01", batch_id)
    held = bland.hold_next(path=f"/v1/batches/{slow}")

    async with run_watcher(any_store, concurrency=2, lease_seconds=1.0, poll_seconds=ONCE):
        await eventually(lambda: held.used == 1, within=10)
        # Several lease lengths, at a tick of a second at most: plenty of claims.
        await asyncio.sleep(3.0)
        asked_while_held = len(polls(bland, slow))
        held.release()

    assert asked_while_held == 1
