"""The watcher: polls each distinct watched batch, records completions, sends the alerts.

It also keeps live progress messages up to date, posts early warnings when a batch's
errors pass a watch's threshold, and discovers the batches of watched campaigns.

Polls ask Bland for the status only (`include_calls=false`). A batch that some watch
wants counts for (a progress message, or a threshold not yet crossed) gets a progress
fetch instead on every `progress_every`-th poll: calls without transcripts, with
analysis, which is also the final summary if the batch turns out to have finished.
Progress messages are edited while the poll still holds its lease, within a time
budget, and only when the counts changed; a failed edit is tried again at the next
progress fetch. The last edit (final state) goes through the outbox with the alert,
so neither waits on the other.

Campaigns are listed (`GET /v1/batches?campaign_id=`) every `scan_every` polls' worth
of time, leased like batches; each batch not seen before is then polled like a
watched one. See `bot.storage.polling_sql` for which campaign watches a completion alerts.

Several processes can run it against one PostgreSQL database. Each poll and each alert
is claimed with a lease in the store, so the processes share the work (about one poll
per distinct batch per interval in total). Each process renews a heartbeat every third
of `takeover_seconds`; a dead process's claims are taken over once its heartbeat is
that old, without waiting for their leases (which still bound a live process that
hangs); see `bot.watcher.heartbeat`. Takeovers are counted in `Watcher.takeovers`.
Each batch is polled at its own phase of the interval (a hash of its id), so polls
spread evenly instead of arriving together, and every process agrees on the schedule.
See `bot.watcher.outbox` for how each alert is delivered once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Coroutine
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.bland.client import BlandClient
from bot.bland.errors import BlandError
from bot.bland.models import AnyBatch
from bot.bland.stats import batch_stats
from bot.storage.base import (
    BATCH,
    DueBatch,
    DueCampaign,
    PollDone,
    Store,
    Watch,
)
from bot.watcher.campaigns import CampaignScanner
from bot.watcher.heartbeat import Heartbeat
from bot.watcher.outbox import AlertSender
from bot.watcher.progress import (
    ProgressEditor,
)
from bot.watcher.schedule import backoff_delay, next_poll_delay
from formatters.alert import completion_alert
from formatters.progress import FINISHED, progress_message

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 60.0
DEFAULT_TAKEOVER_SECONDS = 15.0
MAX_ALERT_SENDERS = 8
STOP_GRACE_SECONDS = 5.0
FLUSH_AT = 64
RELEASE_SECONDS = 2.0
# A progress fetch (calls, no transcripts) on every Nth poll of a batch that wants counts.
PROGRESS_EVERY_POLLS = 2
# Campaigns are listed once per this many poll intervals.
CAMPAIGN_SCAN_POLLS = 5


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
    ) -> None:
        self._store = store
        self._bland = bland
        self._poll_seconds = poll_seconds
        self._progress_every = max(1, progress_every)
        self._concurrency = max(1, concurrency)
        self._alert_senders = max(1, min(self._concurrency, MAX_ALERT_SENDERS))
        self.owner = owner or default_owner()
        self._lease = lease_seconds
        self._takeover = takeover_seconds
        # Claims this process took from an owner that died or hung past its lease.
        self.takeovers = 0
        self._heartbeat = Heartbeat(store, owner=self.owner, takeover_seconds=takeover_seconds)
        self._sender = AlertSender(store, slack, owner=self.owner, alive=self._heartbeat.alive)
        # Ticks bound how late a due poll is noticed; no tick is longer than a second.
        self._tick = min(1.0, max(0.05, poll_seconds / 5))
        self._polls: set[asyncio.Task[None]] = set()
        self._sends: set[asyncio.Task[None]] = set()
        # Claims take up to twice `concurrency` batches at once, one transaction for many
        # polls; the slots bound how many talk to Bland at a time.
        self._slots = asyncio.Semaphore(self._concurrency)
        # Successful polls are recorded together at the next pass of the loop.
        self._done_polls: list[PollDone] = []
        self._alerts_wanted = True
        self._last_side_claim = 0.0
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None
        # A queued warning wants the alerts claimed at once; new campaign batches only a pass.
        self._progress_edits = ProgressEditor(
            store, slack, owner=self.owner, lease_seconds=lease_seconds, on_alerts=self.wake
        )
        self._scanner = CampaignScanner(
            store,
            bland,
            owner=self.owner,
            scan_seconds=poll_seconds * max(1, scan_every),
            on_new=self._wake.set,
        )

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

    async def stop(self) -> None:
        """Stop claiming; let in-flight work finish briefly, then cancel it, releasing
        its leases so another process takes it up at once; then forget the heartbeat.
        Returns within ~8 s."""
        if self._loop is None:
            return
        self._stopping.set()
        self._wake.set()
        loop, self._loop = self._loop, None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(loop, timeout=RELEASE_SECONDS)
        inflight = self._polls | self._sends
        if inflight:
            _, pending = await asyncio.wait(inflight, timeout=STOP_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=RELEASE_SECONDS + 0.5)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._flush(), RELEASE_SECONDS)
        # Last, so that the polls just recorded are not given back as unpolled.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._heartbeat.stop(), RELEASE_SECONDS)
        log.info("watcher %s stopped", self.owner)

    def _took_over(self, what: str, item_id: str, taken_from: str | None) -> None:
        if taken_from is None:
            return
        self.takeovers += 1
        log.info("%s %s taken over from %s, whose claim had lapsed", what, item_id, taken_from)

    def wake(self) -> None:
        """Look for work now rather than at the next tick (a new watch, say)."""
        self._alerts_wanted = True
        self._wake.set()

    async def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                await self._claim()
                failures = 0
            except Exception as exc:
                failures += 1
                log.warning("watcher could not claim work (%s)", type(exc).__name__)
            wait = self._tick if failures == 0 else min(10.0, self._tick * 2**failures)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
            self._wake.clear()

    async def _claim(self) -> None:
        await self._flush()
        now = time.monotonic()
        # Alerts and campaigns are looked for once a tick, or at once when work was queued;
        # only batches are claimed on every pass, in chunks.
        if self._alerts_wanted or now - self._last_side_claim >= self._tick:
            self._alerts_wanted = False
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
            free = self._concurrency - len(self._polls)
            if free > 0:
                for campaign in await self._store.claim_due_campaigns(
                    owner=self.owner, limit=free, lease_seconds=self._lease
                ):
                    self._took_over("campaign", campaign.campaign_id, campaign.taken_from)
                    self._spawn(self._polls, self._scan(campaign))
        if self._stopping.is_set():
            return
        backlog = len(self._polls)
        if backlog < self._concurrency:
            for due in await self._store.claim_due_batches(
                owner=self.owner, limit=2 * self._concurrency - backlog, lease_seconds=self._lease
            ):
                self._took_over("batch", due.batch_id, due.taken_from)
                self._spawn(self._polls, self._poll(due))

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

    def _finished(self, due: DueBatch, status: str) -> None:
        delay = self._next(due.batch_id)
        self._done_polls.append(PollDone(due.batch_id, status, delay, status != due.status))
        if len(self._done_polls) >= FLUSH_AT:
            self._wake.set()

    def _spawn(self, tasks: set[asyncio.Task[None]], work: Coroutine[Any, Any, None]) -> None:
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

    async def _poll(self, due: DueBatch) -> None:
        try:
            async with self._slots:
                await self._poll_once(due)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self._store.release_batch(due.batch_id, owner=self.owner), RELEASE_SECONDS
                )
            raise

    async def _poll_once(self, due: DueBatch) -> None:
        batch_id = due.batch_id
        counting = due.wants_progress and due.polls % self._progress_every == 0
        try:
            detail: AnyBatch = (
                await self._bland.get_batch_overview(batch_id)
                if counting
                else await self._bland.get_batch(
                    batch_id, include_calls=False, include_transcripts=False, include_analysis=False
                )
            )
            _check_status(detail)
            if detail.in_progress:
                if counting and not await self._progress_edits.update(due, detail):
                    return
                self._finished(due, detail.status or "")
                return
            final = detail
            if not counting and await self._store.completion_audience(batch_id) > 0:
                final = await self._bland.get_batch_overview(batch_id)
                _check_status(final)
            # Nobody to tell (a campaign's batch that ended before its watch began): the
            # completion is recorded without fetching the calls.
        except (BlandError, ValueError) as exc:
            await self._poll_failed(due, exc)
            return
        if final.in_progress:
            self._finished(due, final.status or "")
            return
        status = final.status or "unknown"
        stats = batch_stats(final)
        counts = stats.counts()

        def render(watch: Watch) -> dict[str, Any]:
            alert = completion_alert(
                final,
                batch_id=batch_id,
                mention_user_ids=[watch.created_by],
                label=watch.label if watch.kind == BATCH else None,
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
            log.info("batch %s: completion already recorded by another owner", batch_id)
            return
        log.info("batch %s is %s: %d alert(s) queued", batch_id, status, len(alerts))
        self._alerts_wanted = True
        self._wake.set()

    async def _scan(self, due: DueCampaign) -> None:
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
        # Errors name the status and Bland's message, never the request or its headers.
        log.warning(
            "polling batch %s failed (%s: %s); failure %d in a row, next try in %.1fs",
            due.batch_id,
            type(exc).__name__,
            str(exc)[:200],
            due.failures + 1,
            delay,
        )
        await self._store.finish_poll(
            due.batch_id,
            owner=self.owner,
            status=None,
            delay=delay,
            error=f"{type(exc).__name__}: {str(exc)[:200]}",
        )

    def _next(self, batch_id: str) -> float:
        return next_poll_delay(batch_id, self._poll_seconds, time.time())


def _check_status(detail: AnyBatch) -> None:
    """A 200 without a status is not a finished batch: count it as a failed poll."""
    if not (detail.status or "").strip():
        raise ValueError("Bland's answer has no batch status")
