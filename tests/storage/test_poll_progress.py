"""A claim says what each live progress message shows; a poll's counts are recorded with
the poll, so a counting poll that changes nothing needs no transaction of its own.
Run on real SQLite and real PostgreSQL."""

from __future__ import annotations

from bot.bland.stats import CallCounts
from bot.storage import Store
from bot.storage.base import PollDone, WatchKind

B1, B2, B3 = (
    "AAcQq8zXxLB56LWg-gen-batch",
    "ZfowpkhOSVCZJ94i-gen-batch",
    "Qq8zXxLB56LWgAAc-gen-batch",
)
LEASE = 30.0


async def watch(store: Store, channel: str, batch: str, threshold: float | None = None) -> None:
    await store.add_watch(
        channel_id=channel,
        kind=WatchKind.BATCH,
        target_id=batch,
        label=None,
        created_by="U1",
        error_threshold=threshold,
    )


async def test_a_claim_says_what_each_live_progress_message_shows(store: Store) -> None:
    await watch(store, "C1", B1)
    await watch(store, "C2", B1)
    await watch(store, "C1", B2)
    await watch(store, "C1", B3, threshold=5.0)
    await store.set_progress_message(
        channel_id="C1", batch_id=B1, ts="1.1", counts=CallCounts(10, 2, 0)
    )
    await store.set_progress_message(
        channel_id="C2", batch_id=B1, ts="1.2", counts=CallCounts(10, 3, 0)
    )

    due = {
        d.batch_id: d
        for d in await store.claim_due_batches(owner="p1", limit=10, lease_seconds=LEASE)
    }

    assert due[B1].wants_progress and not due[B1].may_warn
    assert due[B1].progress_shown == frozenset({"2/10/0", "3/10/0"})
    assert not due[B2].wants_progress and due[B2].progress_shown == frozenset()
    # A threshold not yet crossed wants counts too, with no message to keep.
    assert due[B3].wants_progress and due[B3].may_warn and due[B3].progress_shown == frozenset()


async def test_finished_polls_record_their_counts_for_their_owner_only(store: Store) -> None:
    await watch(store, "C1", B1)
    await watch(store, "C1", B2)
    await store.claim_due_batches(owner="p1", limit=10, lease_seconds=LEASE)

    await store.finish_polls(
        [
            PollDone(B1, "in-progress", 60, counts=CallCounts(10, 4, 1)),
            PollDone(B2, "in-progress", 60),
        ],
        owner="p1",
    )
    await store.finish_polls(
        [PollDone(B1, "in-progress", 60, counts=CallCounts(10, 9, 9))], owner="p2"
    )

    counts = {w.target_id: w.counts() for w in await store.list_watches()}
    assert counts[B1] == CallCounts(10, 4, 1)
    assert counts[B2] == CallCounts(None, None, None)
