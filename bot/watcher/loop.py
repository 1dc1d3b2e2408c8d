"""The watcher: polls each distinct watched batch, records completions, sends the alerts.

It also keeps live progress messages up to date, posts early warnings when a batch's
errors pass a watch's threshold, and discovers the batches of watched campaigns.

A v2 batch (its id a UUID) is polled by its newest log entries instead, and its end
may also come from Bland's status webhook: see `bot.watcher.poll_v2`. For v1, polls
ask Bland for the status only (`include_calls=false`). A batch that some watch
wants counts for (a progress message, or a threshold not yet crossed) gets a progress
fetch instead on every `progress_every`-th poll: calls without transcripts, with
analysis, which is also the final summary if the batch turns out to have finished.
Progress messages are edited while the poll still holds its lease, within a time
budget, and only when the counts changed; a failed edit is tried again at the next
progress fetch. The last edit (final state) goes through the outbox with the alert,
so neither waits on the other.

A batch that answers 404 to every poll for `gone_after` seconds (an hour by default)
ends its watches with one message per channel, through the outbox, instead of being
polled forever; any successful poll in between starts that clock again.

Campaigns are listed (`GET /v1/batches?campaign_id=`) every `scan_every` polls' worth
of time, leased like batches; each batch not seen before is then polled like a
watched one. See `bot.storage.polling_sql` for which campaign watches a completion alerts.

Several processes can run it against one PostgreSQL database. Each poll and each alert
is claimed with a lease in the store, so the processes share the work (about one poll
per distinct batch per interval in total). Each process renews a heartbeat every third
of `takeover_seconds`; a dead process's claims are taken over once its heartbeat is
that old, without waiting for their leases (which still bound a live process that
hangs); see `bot.watcher.heartbeat`. Takeovers are counted in `Watcher.takeovers` and
in `watcher_takeovers_total`.
Each batch is polled at its own phase of the interval (a hash of its id), so polls
spread evenly instead of arriving together, and every process agrees on the schedule.
See `bot.watcher.outbox` for how each alert is delivered once.

Channel digests fall due by the injected `clock` and are claimed once a tick like
campaigns, then built and queued through the same outbox: see `bot.watcher.digests`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import time
import uuid
from collections.abc import Collection, Coroutine
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.bland.batch_ids import is_v2_batch_id
from bot.bland.client import BlandClient
from bot.bland.errors import BlandError, BlandNotFoundError, BlandResponseError
from bot.bland.models import AnyBatch
from bot.bland.stats import CallCounts, batch_stats
from bot.clock import Clock, system_clock
from bot.logs import bind
from bot.metrics import WATCHER_POLLS, count_queued, count_takeovers
from bot.storage.base import (
    DueBatch,
    DueCampaign,
    PollDone,
    Store,
    Watch,
    WatchKind,
    WorkSample,
)
from bot.watcher.campaigns import CampaignScanner
from bot.watcher.digests import DigestSender
from bot.watcher.failures import describe_failure
from bot.watcher.gone import DEFAULT_GONE_AFTER_SECONDS, GoneBatches
from bot.watcher.heartbeat import Heartbeat
from bot.watcher.outbox import AlertSender
from bot.watcher.pacing import DEFAULT_PROGRESS_BYTES_PER_MINUTE, Pacing
from bot.watcher.poll_v2 import LifecycleCompletion, LifecyclePoller
from bot.watcher.progress import ProgressEditor
from bot.watcher.schedule import backoff_delay
from formatters.alert import completion_alert
from formatters.progress import FINISHED, Timing, progress_message

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 60.0
DEFAULT_TAKEOVER_SECONDS = 15.0
MAX_ALERT_SENDERS = 8
# `stop()` returns within this, whatever Bland, Slack or the store are doing.
STOP_WITHIN_SECONDS = 3.5
FLUSH_AT = 64
# Claims take up to this many times `concurrency` batches at once (and come back for
# more once the backlog is down to `concurrency`): fewer, larger claim transactions,
# which cut a poll's CPU by about a fifth against 2 (8 was no better than 4). On a day
# Bland is slow a claimed batch may wait for its slot behind rounds of polls, each
# bounded by Bland's deadline, for longer than its lease; so one that waited for more
# than half its lease renews it before polling, and is dropped if another process took
# it over meanwhile (see `Watcher._poll`).
CLAIM_AHEAD = 4
# Of the stop's time, kept for giving back the leases of cancelled work, then for
# recording the polls that finished; in-flight work may run until these are left.
RELEASE_SECONDS = 1.0
FLUSH_SECONDS = 0.5
# A progress fetch (calls, no transcripts) on every Nth poll of a batch that wants counts.
PROGRESS_EVERY_POLLS = 2
# Campaigns are listed once per this many poll intervals.
CAMPAIGN_SCAN_POLLS = 5
# Digests built at once by one process: each asks Bland for a few dozen batches.
DIGESTS_AT_ONCE = 2
# Due campaign scans and digests are looked for every this many ticks, and at once
# after `wake()`: each look is a transaction that nearly always finds nothing, and at
# one a tick they were half of an idle process's CPU (which every process pays, busy or
# not). Both fall due on a scale of minutes.
SCAN_TICKS = 5


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Watcher:
    """Polls watched batches and delivers their completion alerts. `start()`, `stop()`."""

    def __init__(
        self,
        store: Store,
        bland: BlandClient,
        slack: AsyncWebClient,
        *,
        poll_seconds: float,
        concurrency: int,
        owner: str | None = None,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        takeover_seconds: float = DEFAULT_TAKEOVER_SECONDS,
        progress_every: int = PROGRESS_EVERY_POLLS,
        scan_every: int = CAMPAIGN_SCAN_POLLS,
        gone_after: float = DEFAULT_GONE_AFTER_SECONDS,
        max_poll_seconds: float | None = None,
        progress_bytes_per_minute: float = DEFAULT_PROGRESS_BYTES_PER_MINUTE,
        clock: Clock = system_clock,
    ) -> None:
        self._store = store
        # When digests are due; everything else runs on the database's clock.
        self._clock = clock
        self._bland = bland
        self._poll_seconds = poll_seconds
        # When counts are fetched and each batch is polled next (`bot.watcher.pacing`).
        self._pacing = Pacing(
            interval=poll_seconds,
            max_interval=max_poll_seconds,
            bytes_per_minute=progress_bytes_per_minute,
            progress_every=progress_every,
        )
        self._concurrency = max(1, concurrency)
        self._alert_senders = max(1, min(self._concurrency, MAX_ALERT_SENDERS))
        self.owner = owner or default_owner()
        self._lease = lease_seconds
        # A claim that waited longer than this for a slot renews its lease first, so that
        # every poll starts with at least half its lease left: with the defaults (60 s,
        # Bland's 30 s deadline) a poll then ends inside its lease.
        self._renew_after = lease_seconds / 2
        self._takeover = takeover_seconds
        # Claims this process took from an owner that died or hung past its lease.
        self.takeovers = 0
        self._heartbeat = Heartbeat(store, owner=self.owner, takeover_seconds=takeover_seconds)
        self._sender = AlertSender(store, slack, owner=self.owner, alive=self._heartbeat.alive)
        # Ticks bound how late a due poll is noticed; no tick is longer than a second.
        self._tick = min(1.0, max(0.05, poll_seconds / 5))
        self._polls: set[asyncio.Task[None]] = set()
        # Batches this process has a poll task for. A poll that outlasts its lease (Bland
        # slow, a slot free) leaves it claimable by anyone, this process included: a
        # claim of one of these renews the lease but starts no second poll.
        self._polling: set[str] = set()
        self._sends: set[asyncio.Task[None]] = set()
        # A claim takes many batches in one transaction (CLAIM_AHEAD); the slots bound how
        # many talk to Bland at a time.
        self._slots = asyncio.Semaphore(self._concurrency)
        # Successful polls are recorded together at the next pass of the loop.
        self._done_polls: list[PollDone] = []
        self._alerts_wanted = True
        self._last_side_claim = 0.0
        self._last_scan_claim = 0.0
        # Readiness: when the loop should next pass (monotonic), and claims failed in a row.
        self._due_at: float | None = None
        self.claim_failures = 0
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None
        # A queued warning wants the alerts claimed at once; new campaign batches only a pass.
        self._progress_edits = ProgressEditor(
            store, slack, owner=self.owner, lease_seconds=lease_seconds, on_alerts=self.wake
        )
        self._gone = GoneBatches(
            store,
            owner=self.owner,
            poll_seconds=poll_seconds,
            gone_after=gone_after,
            on_alerts=self.wake,
        )
        # v2 batches are polled by their log (bot.watcher.poll_v2); the rest is shared.
        self.completion_v2 = LifecycleCompletion(store, owner=self.owner, on_alerts=self.wake)
        self._poll_v2 = LifecyclePoller(
            bland, self._progress_edits, self.completion_v2, self._pacing
        )
        self._scanner = CampaignScanner(
            store,
            bland,
            owner=self.owner,
            scan_seconds=poll_seconds * max(1, scan_every),
            on_new=self._wake.set,
        )
        self._digests = DigestSender(
            store, bland, owner=self.owner, clock=clock, on_alerts=self.wake
        )
        self._digests_running: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        if self._loop is not None:
            return
        self._stopping.clear()
        await self._heartbeat.start()
        self._loop = asyncio.create_task(self._run(), name="watcher")
        log.info(
            "watcher %s started: every %.1fs, %d at a time, taken over %.0fs after it dies",
            self.owner,
            self._poll_seconds,
            self._concurrency,
            self._takeover,
        )

    async def stop(self, *, within: float = STOP_WITHIN_SECONDS) -> None:
        """Stop claiming; let in-flight work finish while there is time, then cancel it,
        which gives back its leases so another process takes it up at once; then forget
        the heartbeat. Returns within `within` seconds, whatever Bland, Slack or the
        store are doing."""
        if self._loop is None:
            return
        clock = asyncio.get_running_loop()
        deadline = clock.time() + within
        settle_by = deadline - RELEASE_SECONDS - FLUSH_SECONDS
        self._stopping.set()
        self._wake.set()
        loop, self._loop = self._loop, None
        # The loop first: it may still be claiming, and what it claims is in flight too.
        await _wind_down({loop}, finish_by=settle_by, give_up_at=settle_by)
        cancelled = await _wind_down(
            self._polls | self._sends | self._digests_running,
            finish_by=settle_by,
            give_up_at=deadline - FLUSH_SECONDS,
        )
        if cancelled:
            log.info(
                "watcher %s: %d unfinished poll(s) or post(s) cancelled, leases given back",
                self.owner,
                cancelled,
            )
        await _wind_down(
            {asyncio.ensure_future(self._sign_off())}, finish_by=deadline, give_up_at=deadline
        )
        # Whatever became of the sign-off, no heartbeat outlives the watcher: one that
        # was not deleted lapses, and others take over what is left within the window.
        self._heartbeat.halt()
        log.info("watcher %s stopped", self.owner)

    async def _sign_off(self) -> None:
        """Record the polls that finished, then delete the heartbeat: in that order, so
        that the polls just recorded are not given back as unpolled. Both are one short
        transaction each, so they share the flush's time."""
        await self._flush()
        await self._heartbeat.stop()

    def _took_over(self, what: str, item_id: str, taken_from: str | None) -> None:
        if taken_from is None:
            return
        self.takeovers += 1
        count_takeovers(1)
        log.info("%s %s taken over from %s, whose claim had lapsed", what, item_id, taken_from)

    def wake(self) -> None:
        """Look for work now rather than at the next tick (a new watch, say)."""
        self._alerts_wanted = True
        self._wake.set()

    @property
    def tick_seconds(self) -> float:
        return self._tick

    def loop_lag(self) -> float | None:
        """Seconds the loop is overdue for its next pass (0 when on time); None when it
        is not running. A loop stuck in a claim, or dead, falls ever further behind."""
        if self._loop is None or self._loop.done() or self._due_at is None:
            return None
        return max(0.0, time.monotonic() - self._due_at)

    async def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            # Until the first pass ends, it is due within a tick of starting.
            self._due_at = time.monotonic() + self._tick
            try:
                await self._claim()
                failures = 0
            except Exception as exc:
                failures += 1
                log.warning("watcher could not claim work (%s)", type(exc).__name__)
            self.claim_failures = failures
            wait = self._tick if failures == 0 else min(10.0, self._tick * 2**failures)
            self._due_at = time.monotonic() + wait
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
            self._wake.clear()

    async def _claim(self) -> None:
        await self._flush()
        now = time.monotonic()
        # Alerts are looked for once a tick, campaigns and digests every SCAN_TICKS, all at
        # once when work was queued; only batches are claimed on every pass, in chunks.
        if self._alerts_wanted or now - self._last_side_claim >= self._tick:
            wanted, self._alerts_wanted = self._alerts_wanted, False
            self._last_side_claim = now
            free = self._alert_senders - len(self._sends)
            if free > 0:
                for alert in await self._store.claim_alerts(
                    owner=self.owner, limit=free, lease_seconds=self._lease
                ):
                    self._took_over("alert", alert.id, alert.taken_from)
                    self._spawn(self._sends, self._sender.deliver(alert))
            if self._stopping.is_set():
                return
            if wanted or now - self._last_scan_claim >= self._tick * SCAN_TICKS:
                self._last_scan_claim = now
                await self._claim_scans()
        if self._stopping.is_set():
            return
        backlog = len(self._polls)
        if backlog < self._concurrency:
            for due in await self._store.claim_due_batches(
                owner=self.owner,
                limit=CLAIM_AHEAD * self._concurrency - backlog,
                lease_seconds=self._lease,
            ):
                if due.batch_id in self._polling:
                    continue
                self._took_over("batch", due.batch_id, due.taken_from)
                self._polling.add(due.batch_id)
                task = self._spawn(self._polls, self._poll(due, claimed_at=time.monotonic()))
                task.add_done_callback(functools.partial(self._not_polling, due.batch_id))

    async def _claim_scans(self) -> None:
        """Due campaign scans, as polls beside the batches', and due digests."""
        free = self._concurrency - len(self._polls)
        if free > 0:
            for campaign in await self._store.claim_due_campaigns(
                owner=self.owner, limit=free, lease_seconds=self._lease
            ):
                self._took_over("campaign", campaign.campaign_id, campaign.taken_from)
                self._spawn(self._polls, self._scan(campaign))
        await self._claim_digests()

    async def _claim_digests(self) -> None:
        # Beside the polls, never in their places: a digest waiting on a slow Bland list
        # must not hold up the poll that notices a batch ended (and so its alert).
        free = DIGESTS_AT_ONCE - len(self._digests_running)
        if free <= 0 or self._stopping.is_set():
            return
        for digest in await self._store.claim_due_digests(
            owner=self.owner, now=self._clock(), limit=free, lease_seconds=self._lease
        ):
            self._took_over("digest of", digest.channel_id, digest.taken_from)
            # Stopping waits for it, then cancels it (its lease given back).
            self._spawn(self._digests_running, self._digests.send(digest))

    async def _flush(self) -> None:
        """Record the polls finished since the last pass, in one transaction."""
        if not self._done_polls:
            return
        done, self._done_polls = self._done_polls, []
        try:
            await self._store.finish_polls(done, owner=self.owner)
        except Exception as exc:
            # Their leases lapse and they are polled again: late, never lost.
            log.warning("could not record %d polls (%s)", len(done), type(exc).__name__)

    def _finished(
        self,
        due: DueBatch,
        status: str,
        seconds_left: float | None,
        *,
        counts: CallCounts | None = None,
        sample: WorkSample | None = None,
        fetched_bytes: int | None = None,
    ) -> None:
        """A running batch polled: its next poll paced by `seconds_left`; `counts` (with
        the `sample` and `fetched_bytes` of their fetch) to store in the batched write."""
        delay = self._pacing.next_delay(due.batch_id, seconds_left)
        WATCHER_POLLS.labels("running").inc()
        self._done_polls.append(
            PollDone(
                due.batch_id,
                status,
                delay,
                status != due.status,
                counts=counts,
                sample=sample,
                fetched_bytes=fetched_bytes,
            )
        )
        if len(self._done_polls) >= FLUSH_AT:
            self._wake.set()

    def _not_polling(self, batch_id: str, _done: asyncio.Task[None]) -> None:
        self._polling.discard(batch_id)

    def _spawn(
        self, tasks: set[asyncio.Task[None]], work: Coroutine[Any, Any, None]
    ) -> asyncio.Task[None]:
        task = asyncio.create_task(work)
        tasks.add(task)

        def _done(finished: asyncio.Task[None]) -> None:
            tasks.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                log.error("watcher task failed: %r", finished.exception())
            if tasks is self._sends:
                self._alerts_wanted = True
            # Claim again once half the batch backlog is done, not after every poll.
            if tasks is self._sends or len(self._polls) <= self._concurrency:
                self._wake.set()

        task.add_done_callback(_done)
        return task

    async def _poll(self, due: DueBatch, *, claimed_at: float) -> None:
        bind(batch_id=due.batch_id)
        try:
            async with self._slots:
                if self._stopping.is_set():
                    # stop() began while this claim waited: it is not in flight, so it
                    # goes back unpolled for another process to take at once.
                    await self._give_back(due)
                    return
                if time.monotonic() - claimed_at > self._renew_after and not (
                    await self._store.renew_batch(
                        due.batch_id, owner=self.owner, lease_seconds=self._lease
                    )
                ):
                    log.info(
                        "batch %s: taken over, finished or unwatched while it waited for a "
                        "slot; not polled here",
                        due.batch_id,
                    )
                    return
                await self._poll_once(due)
        except asyncio.CancelledError:
            await self._give_back(due)
            raise
        except Exception as exc:
            # Anything else (a bug, the database failing a write) is a failed poll too:
            # left to its lease, the batch would be fetched again every lease period,
            # failing the same way, and its alert would never go out.
            await self._poll_failed(due, exc)

    async def _give_back(self, due: DueBatch) -> None:
        """Release the lease of a claim left unpolled; if that fails, it lapses instead."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                self._store.release_batch(due.batch_id, owner=self.owner), RELEASE_SECONDS
            )

    async def _poll_once(self, due: DueBatch) -> None:
        batch_id = due.batch_id
        if is_v2_batch_id(batch_id):
            await self._poll_once_v2(due)
            return
        counting = self._pacing.wants_counts(due)
        try:
            detail: AnyBatch
            if counting:
                detail, fetched = await self._bland.get_batch_overview_sized(batch_id)
            else:
                detail = await self._bland.get_batch(
                    batch_id, include_calls=False, include_transcripts=False, include_analysis=False
                )
            _check_status(detail)
            if detail.in_progress:
                left = self._pacing.stored_left(due.history)
                if counting:
                    fetched_at = time.time()
                    stats = batch_stats(detail)
                    counts = stats.counts()
                    reading = (
                        self._pacing.reading(due.history, done=counts.completed, total=counts.total)
                        if counts.completed is not None and counts.total is not None
                        else None
                    )
                    left = reading.seconds_left if reading is not None else None
                    sample = reading.sample if reading is not None else None
                    if self._progress_edits.settled(due, counts):
                        # Every message already shows these counts: stored with the poll.
                        self._finished(
                            due,
                            detail.status or "",
                            left,
                            counts=counts,
                            sample=sample,
                            fetched_bytes=fetched,
                        )
                        return
                    if not await self._progress_edits.update(
                        due,
                        detail,
                        stats=stats,
                        sample=sample,
                        fetched_bytes=fetched,
                        timing=Timing(counts_at=fetched_at, seconds_left=left),
                    ):
                        return
                self._finished(due, detail.status or "", left)
                return
            final = detail
            if not counting and await self._store.completion_audience(batch_id) > 0:
                final = await self._bland.get_batch_overview(batch_id)
                _check_status(final)
            # Nobody to tell (a campaign's batch that ended before its watch began): the
            # completion is recorded without fetching the calls.
        except BlandNotFoundError as exc:
            await self._gone.not_found(due, exc)
            return
        except BlandError as exc:
            await self._poll_failed(due, exc)
            return
        if final.in_progress:
            self._finished(due, final.status or "", None)
            return
        status = final.status or "unknown"
        stats = batch_stats(final)
        counts = stats.counts()

        def render(watch: Watch) -> dict[str, Any]:
            alert = completion_alert(
                final,
                batch_id=batch_id,
                mention_user_ids=[watch.created_by],
                label=watch.label if watch.kind == WatchKind.BATCH else None,
            )
            return alert.as_kwargs()

        def render_progress(watch: Watch) -> dict[str, Any]:
            return progress_message(
                batch_id=batch_id,
                label=watch.label or final.batch_params.label,
                counts=counts,
                state=FINISHED,
                status=status,
            ).as_kwargs()

        alerts = await self._store.record_completion(
            batch_id,
            owner=self.owner,
            status=status,
            render=render,
            counts=counts if counts.total is not None else None,
            render_progress=render_progress,
        )
        if alerts is None:
            WATCHER_POLLS.labels("already_recorded").inc()
            log.info("batch %s: completion already recorded by another owner", batch_id)
            return
        WATCHER_POLLS.labels("finished").inc()
        count_queued(alert.kind for alert in alerts)
        log.info(
            "batch %s is %s: %d alert(s) queued",
            batch_id,
            status,
            len(alerts),
            extra={"event": "completion_recorded"},
        )
        self._alerts_wanted = True
        self._wake.set()

    async def _poll_once_v2(self, due: DueBatch) -> None:
        try:
            status = await self._poll_v2.poll(due)
        except BlandNotFoundError as exc:
            await self._gone.not_found(due, exc)
            return
        except BlandError as exc:
            await self._poll_failed(due, exc)
            return
        if status is not None:
            self._finished(
                due, status.status, status.seconds_left, counts=status.counts, sample=status.sample
            )

    async def _scan(self, due: DueCampaign) -> None:
        bind(campaign_id=due.campaign_id)
        try:
            await self._scanner.scan(due)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self._store.release_campaign(due.campaign_id, owner=self.owner),
                    RELEASE_SECONDS,
                )
            raise

    async def _poll_failed(self, due: DueBatch, exc: Exception) -> None:
        delay = backoff_delay(due.failures + 1, self._poll_seconds)
        error = describe_failure(exc)
        WATCHER_POLLS.labels("failed").inc()
        log.warning(
            "polling batch %s failed (%s); failure %d in a row, next try in %.1fs",
            due.batch_id,
            error,
            due.failures + 1,
            delay,
            extra={"event": "poll_failed"},
        )
        log.debug("polling batch %s failed", due.batch_id, exc_info=exc)
        await self._store.finish_poll(
            due.batch_id, owner=self.owner, status=None, delay=delay, error=error
        )


async def _wind_down(
    tasks: Collection[asyncio.Future[None]],
    *,
    finish_by: float,
    give_up_at: float,
) -> int:
    """Let `tasks` finish until loop time `finish_by`, cancel those still running, and wait
    for them to unwind until `give_up_at`, no longer: one stuck past that (say, behind a
    statement the store never returns from) is left behind rather than waited for.
    Returns how many were cancelled."""
    if not tasks:
        return 0
    clock = asyncio.get_running_loop()
    _, pending = await asyncio.wait(tasks, timeout=max(0.0, finish_by - clock.time()))
    if not pending:
        return 0
    for task in pending:
        task.cancel()
    await asyncio.wait(pending, timeout=max(0.0, give_up_at - clock.time()))
    return len(pending)


def _check_status(detail: AnyBatch) -> None:
    """A 200 without a status is not a finished batch: count it as a failed poll."""
    if not (detail.status or "").strip():
        raise BlandResponseError("Bland's answer has no batch status")
