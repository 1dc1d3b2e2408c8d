"""The storage interface the handlers and the watcher use, and the rows it returns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.bland.stats import CallCounts
from bot.digests.schedule import DigestSchedule

# Stored as their values (TEXT columns); the SQL store converts rows back on read.


class WatchKind(StrEnum):
    """What a watch follows: one batch, or every batch of a campaign."""

    BATCH = "batch"
    CAMPAIGN = "campaign"


class WatchState(StrEnum):
    """ACTIVE until its batch finishes (DONE) or Slack refuses its channel (SUSPENDED)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    DONE = "done"


class AlertState(StrEnum):
    """PENDING in the outbox until Slack takes it (SENT) or it can never go (DROPPED)."""

    PENDING = "pending"
    SENT = "sent"
    DROPPED = "dropped"


class AlertKind(StrEnum):
    """What an alert is: a completion (of a watched batch, or of a watched campaign's),
    an early warning, a batch Bland no longer knows, or the last edit of a progress
    message."""

    COMPLETION = "completion"
    CAMPAIGN_COMPLETION = "campaign_completion"
    WARNING = "warning"
    # Bland answered 404 to every poll of a watched batch for too long: its watches ended.
    GONE = "gone"
    # Not a post: the final chat.update of a channel's progress message (`Alert.target_ts`).
    PROGRESS_FINAL = "progress_final"
    # A channel's daily or weekly digest; `Alert.batch_id` holds its period key (one
    # digest per channel and period, `bot.digests.schedule.period_key`).
    DIGEST = "digest"


# What a progress message shows once it is finished with: it is never edited again.
FINAL = "final"

Render = Callable[["Watch"], dict[str, Any]]


class StoreOpenError(Exception):
    """The database could not be opened; the message names no part of its password."""


@dataclass(frozen=True)
class Watch:
    """A channel's request to hear when a batch (or later a campaign) finishes."""

    channel_id: str
    kind: WatchKind
    target_id: str
    label: str | None
    created_by: str
    created_at: datetime
    state: WatchState
    batch_status: str | None
    error_threshold: float | None = None
    # The latest counts of a watched batch (None until a progress fetch or for campaigns).
    calls_total: int | None = None
    calls_completed: int | None = None
    calls_errored: int | None = None
    # The ts of this channel's live progress message for the batch, if it has one.
    progress_ts: str | None = None
    # Campaign watches: batches discovered so far, and how many of them are running.
    batches_seen: int | None = None
    batches_running: int | None = None

    def counts(self) -> CallCounts:
        """The counts last stored for this watch's batch."""
        return CallCounts(
            total=self.calls_total, completed=self.calls_completed, errored=self.calls_errored
        )


@dataclass(frozen=True)
class PollHistory:
    """What earlier polls of a batch saw, for scheduling its next: ages are seconds before
    the claim, by the database's clock (None: never)."""

    # The last counts stored (a progress fetch, or a v2 log poll) and the bytes fetched.
    counts_age: float | None = None
    counts_bytes: int | None = None
    # The window its completion rate is read from: work done at its start and end, of
    # `rate_total` (see `WorkSample`).
    rate_since_age: float | None = None
    rate_since_done: int | None = None
    rate_age: float | None = None
    rate_done: int | None = None
    rate_total: int | None = None


@dataclass(frozen=True)
class WorkSample:
    """A poll's reading of how much of a batch's work is done (v1: calls finished; v2:
    calls dispatched), stored as the end of its rate window; `restart` makes it the start
    too (first reading, a stall, or a total that changed)."""

    done: int
    total: int
    restart: bool


@dataclass(frozen=True)
class DueBatch:
    """A batch this process holds the polling lease for."""

    batch_id: str
    failures: int
    status: str | None
    polls: int = 0
    # Some active watch wants counts: a progress message to keep, or a threshold to check.
    wants_progress: bool = False
    # The owner whose unfinished claim this one took over (dead, or hung past its lease).
    taken_from: str | None = None
    history: PollHistory = PollHistory()
    # What the batch's live progress messages show (`CallCounts.key()`), as claimed: new
    # counts equal to all of them need no edit.
    progress_shown: frozenset[str] = frozenset()
    # Some watch has an error threshold it has not yet warned about.
    may_warn: bool = False


@dataclass(frozen=True)
class PollDone:
    """A successful poll of a still-running batch, waiting to be recorded."""

    batch_id: str
    status: str
    delay: float
    # The status differs from the one the claim saw: the watches' copy needs updating.
    status_changed: bool = True
    # A progress fetch's counts, stored with the poll when nothing else needed doing,
    # with the poll's reading of the batch's rate and the bytes that fetch cost.
    counts: CallCounts | None = None
    sample: WorkSample | None = None
    fetched_bytes: int | None = None


@dataclass(frozen=True)
class DueCampaign:
    """A campaign this process holds the discovery lease for."""

    campaign_id: str
    failures: int
    taken_from: str | None = None


@dataclass(frozen=True)
class SeenBatch:
    """A batch listed under a campaign, and when Bland says it was created."""

    batch_id: str
    created_at: float | None


@dataclass(frozen=True)
class Alert:
    """One completion message for one channel, rendered once and stored (the outbox).

    `attempts` counts the claims made *before* this one: above zero, an earlier owner
    may already have posted it, so the sender looks for it before posting again.
    """

    id: str
    batch_id: str
    channel_id: str
    message: dict[str, Any]
    state: AlertState
    attempts: int
    created_at: datetime
    message_ts: str | None = None
    last_error: str | None = None
    kind: AlertKind = AlertKind.COMPLETION
    # PROGRESS_FINAL: the message `message` replaces (chat.update), not a new post.
    target_ts: str | None = None
    # The owner whose unfinished claim this claim took over (see `DueBatch.taken_from`).
    taken_from: str | None = None


@dataclass(frozen=True)
class Digest:
    """A channel's digest setting (one per channel), and when it is next due."""

    channel_id: str
    schedule: DigestSchedule
    created_by: str
    created_at: datetime
    next_run_at: datetime
    # Failed attempts at the run now due (Bland unreachable, say); 0 once one is queued.
    failures: int = 0
    taken_from: str | None = None


@dataclass(frozen=True)
class StoreGauges:
    """What the database says right now, for `/metrics`: the same in every process."""

    outbox_pending: int
    # Age of the oldest pending outbox entry, by the database's clock; 0 when none.
    outbox_oldest_pending_seconds: float
    watched_batches: int
    watched_campaigns: int


class Store(Protocol):
    """Watches, polling leases and the alert outbox, on SQLite or PostgreSQL.

    Every method is one transaction. Leases are taken with conditional updates (and
    `FOR UPDATE SKIP LOCKED` on PostgreSQL), so several processes can share one
    database: each due batch and each pending alert is held by one owner at a time.
    An owner's claims last until its lease expires or, sooner, until its heartbeat
    lapses (a dead process), whichever comes first; then another owner may take them.
    """

    async def open(self) -> None:
        """Connect, then create or upgrade the schema."""

    async def close(self) -> None: ...

    # --- Watches (the Slack handlers) ---

    async def add_watch(
        self,
        *,
        channel_id: str,
        kind: WatchKind,
        target_id: str,
        label: str | None,
        created_by: str,
        error_threshold: float | None = None,
    ) -> tuple[Watch, bool]:
        """Watch `target_id` in `channel_id`. Harmless to repeat.

        `created` is True when the channel was not already actively watching it: a
        new watch, or a suspended or done one that this call made active again (a
        done batch is then polled again, so the channel hears its final state).
        """

    async def remove_watch(
        self,
        *,
        channel_id: str,
        kind: WatchKind,
        target_id: str,
        render_progress: Render | None = None,
    ) -> bool:
        """Forget the watch; False when there was none. Alerts already queued still go.

        With `render_progress`, a progress message the watch kept (and not yet final)
        gets its last edit, `render_progress(watch)`, queued in the outbox."""

    async def list_watches(
        self, *, channel_id: str | None = None, created_by: str | None = None
    ) -> list[Watch]:
        """Watches in any state, oldest first, filtered by channel and/or creator."""

    async def set_progress_message(
        self, *, channel_id: str, batch_id: str, ts: str, counts: CallCounts
    ) -> bool:
        """Remember the channel's progress message for its active watch of the batch,
        showing `counts`. False (and nothing changed) when it already has one."""

    async def progress_message(self, *, channel_id: str, batch_id: str) -> str | None:
        """The ts of the channel's progress message for the batch, if any."""

    async def claim_progress_post(
        self, *, channel_id: str, batch_id: str, hold_seconds: float
    ) -> bool:
        """Take the right to post the channel's progress message for its active watch of
        the batch: True for one caller only, while the watch has no message and no claim
        younger than `hold_seconds`. `set_progress_message` ends the claim."""

    async def release_progress_post(self, *, channel_id: str, batch_id: str) -> None:
        """Give back a claim whose post failed, so a later watch request can post."""

    # --- Polling (the watcher) ---

    async def claim_due_batches(
        self, *, owner: str, limit: int, lease_seconds: float
    ) -> list[DueBatch]:
        """Lease up to `limit` due batches that at least one active watch still wants."""

    async def finish_poll(
        self,
        batch_id: str,
        *,
        owner: str,
        status: str | None,
        delay: float,
        error: str | None = None,
    ) -> bool:
        """Record a poll (a failure when `error` is set), schedule the next one in
        `delay` seconds and release the lease. False if `owner` no longer held it."""

    async def finish_polls(self, polls: Sequence[PollDone], *, owner: str) -> None:
        """Record many successful polls in one transaction (the watcher's hot path):
        each batch's next poll is `delay` seconds away, its lease is released, and the
        counts of a poll that has them are stored."""

    async def release_batch(self, batch_id: str, *, owner: str) -> bool:
        """Give a leased batch back unpolled (on shutdown); it is due again at once."""

    async def renew_batch(self, batch_id: str, *, owner: str, lease_seconds: float) -> bool:
        """Extend `owner`'s lease on a batch to `lease_seconds` from now, if it still holds
        it (a lapsed lease nobody took counts) and the batch is still watched. False if
        another owner took it over, or the batch is done."""

    async def claim_batch(
        self, batch_id: str, *, owner: str, lease_seconds: float
    ) -> DueBatch | None:
        """Lease this one batch, due or not (a status webhook said it ended), on the terms
        `claim_due_batches` leases a due one: while it is watched by an active watch, not
        done, and no one else holds an unexpired lease. None otherwise."""

    async def record_progress(
        self,
        batch_id: str,
        *,
        owner: str,
        counts: CallCounts,
        render_warning: Render | None = None,
        sample: WorkSample | None = None,
        fetched_bytes: int | None = None,
    ) -> list[Alert] | None:
        """Store the batch's latest counts. With `render_warning`, also queue one warning
        per channel whose active watch (of the batch, or of its campaign) has a threshold
        below `counts.error_percent()`, once per batch per channel ever. With `sample`,
        move its rate window (`PollHistory`); with `fetched_bytes`, remember the size of
        the fetch the counts came from.

        None when `owner` no longer holds the lease."""

    async def progress_to_update(self, batch_id: str, *, shown: str) -> list[Watch]:
        """Active watches of the batch whose progress message shows something other
        than `shown` (and is not final)."""

    async def mark_progress_shown(
        self, *, channel_id: str, batch_id: str, ts: str, shown: str
    ) -> bool:
        """The message `ts` now shows `shown` (FINAL: never edit it again)."""

    async def begin_progress_edit(
        self, *, channel_id: str, batch_id: str, ts: str, owner: str, lease_seconds: float
    ) -> bool:
        """Lease the edit of progress message `ts` to `owner` for `lease_seconds`: True
        only while the channel's watch of the batch is active, still owns that message
        (not final), and no other edit of it holds an unexpired lease. A final edit
        queued meanwhile (unwatch, completion) waits for the lease to end."""

    async def end_progress_edit(
        self, *, channel_id: str, batch_id: str, ts: str, owner: str, shown: str | None
    ) -> None:
        """`owner`'s edit of `ts` is over: it now shows `shown` (None: the edit failed,
        try again later). A final edit waiting for this one may go at once."""

    async def completion_audience(self, batch_id: str) -> int:
        """How many channels a completion of the batch would alert now."""

    async def record_completion(
        self,
        batch_id: str,
        *,
        owner: str,
        status: str,
        render: Render,
        counts: CallCounts | None = None,
        render_progress: Render | None = None,
    ) -> list[Alert] | None:
        """In one transaction: mark the batch done, mark its active watches done and
        queue one alert per watching channel, holding `render(watch)` as the message.

        Channels watching the batch's campaign (and not the batch itself) get one too,
        if the batch was seen running or created after their watch. With
        `render_progress`, each progress message not yet final gets a PROGRESS_FINAL
        alert holding its last edit. `counts` are stored as the batch's final counts.

        None when `owner` had lost the lease or the batch was already done, so a
        completion is recorded once however many processes saw it."""

    async def record_not_found(
        self,
        batch_id: str,
        *,
        owner: str,
        delay: float,
        error: str,
        gone_after: float,
        render: Render,
        render_progress: Render | None = None,
    ) -> list[Alert] | None:
        """A poll of the batch answered 404. The first 404 since a successful poll starts
        its "not found since" clock; only a successful poll stops it (another failure,
        a 5xx say, does not).

        Once the clock has run `gone_after` seconds, in one transaction, like a
        completion: the batch is no longer polled, its active watches are done, and each
        watching channel gets one GONE alert, `render(watch)`: channels watching the
        batch, and channels watching its campaign that its completion would have alerted
        (their campaign watch goes on). Progress messages get their final edit,
        `render_progress(watch)`. The alerts are returned.

        Otherwise the poll is recorded as failed, the next one `delay` seconds away, and
        None is returned; None too when `owner` no longer held the lease."""

    # --- Campaign discovery (the watcher) ---

    async def claim_due_campaigns(
        self, *, owner: str, limit: int, lease_seconds: float
    ) -> list[DueCampaign]:
        """Lease up to `limit` campaigns due a scan that an active watch still wants."""

    async def finish_scan(
        self,
        campaign_id: str,
        *,
        owner: str,
        batches: Sequence[SeenBatch],
        delay: float,
        error: str | None = None,
    ) -> int | None:
        """Record a scan: batches not seen before become polled for the campaign. Next
        scan in `delay` seconds. The number of new batches; None if the lease was lost."""

    async def release_campaign(self, campaign_id: str, *, owner: str) -> bool:
        """Give a leased campaign back unscanned (on shutdown)."""

    # --- The outbox ---

    async def claim_alerts(self, *, owner: str, limit: int, lease_seconds: float) -> list[Alert]:
        """Lease up to `limit` pending alerts that are due."""

    async def mark_alert_sent(self, alert_id: str, *, message_ts: str) -> bool:
        """Slack accepted the alert; True unless it was already sent or dropped."""

    async def release_alert(
        self,
        alert_id: str,
        *,
        owner: str,
        delay: float,
        error: str | None = None,
        unposted: bool = False,
    ) -> bool:
        """Give the alert back, to be retried after `delay` seconds. `unposted`: this
        claim certainly posted nothing (a 429), so it is not counted in `attempts`."""

    async def drop_alert(self, alert_id: str, *, reason: str) -> bool:
        """Give up on an alert that can never be delivered."""

    async def suspend_channel(self, channel_id: str, *, reason: str) -> int:
        """Suspend every active watch of a channel Slack refuses; returns how many."""

    async def list_alerts(self, *, batch_id: str | None = None) -> list[Alert]:
        """Alerts in any state, oldest first (operations and tests)."""

    # --- Digests (the handlers set them; the watcher sends them through the outbox) ---

    async def set_digest(
        self, *, channel_id: str, schedule: DigestSchedule, created_by: str, next_run_at: datetime
    ) -> Digest:
        """The channel's digest, replacing any it had (and voiding a claim on the old one)."""

    async def remove_digest(self, channel_id: str, *, set_before: datetime | None = None) -> bool:
        """Turn the channel's digest off; False when it had none. With `set_before`, only
        a setting made no later than that (the one a refused digest was built from)."""

    async def get_digest(self, channel_id: str) -> Digest | None: ...

    async def list_digests(self, *, created_by: str | None = None) -> list[Digest]:
        """Digests, by channel, filtered by who set them up."""

    async def claim_due_digests(
        self, *, owner: str, now: datetime, limit: int, lease_seconds: float
    ) -> list[Digest]:
        """Lease up to `limit` digests whose next run is at or before `now` (the caller's
        clock decides what is due; leases run on the database's, like every other)."""

    async def record_digest(
        self,
        channel_id: str,
        *,
        owner: str,
        period_key: str,
        message: dict[str, Any],
        next_run_at: datetime,
    ) -> Alert | None:
        """In one transaction: queue the digest of period `period_key` in the outbox (once
        ever per channel and key), move the next run to `next_run_at` and end the lease.
        None when `owner` no longer held it (nothing changes), or when that period was
        queued already (the run still moves on)."""

    async def release_digest(
        self, channel_id: str, *, owner: str, delay: float, error: str | None = None
    ) -> bool:
        """Give a claimed digest back unsent, to be tried again in `delay` seconds; with an
        `error`, the attempt counts as a failure."""

    # --- Liveness (the watcher) ---

    async def heartbeat(self, owner: str, *, takeover_seconds: float) -> None:
        """`owner` is alive: its claims stand for `takeover_seconds` more (within their
        leases). Past that without another heartbeat, others may take them over."""

    async def forget(self, owner: str) -> None:
        """`owner` is stopping: delete its heartbeat and give back anything it holds."""

    # --- Operations ---

    async def ping(self) -> None:
        """One trivial query: raises when the database cannot be reached (readiness)."""

    async def gauges(self) -> StoreGauges:
        """The outbox backlog and what is being watched, in a few cheap counts."""
