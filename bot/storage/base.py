"""The storage interface the handlers and the watcher use, and the rows it returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

# Watch.state
ACTIVE = "active"
SUSPENDED = "suspended"
DONE = "done"

# Alert.state
PENDING = "pending"
SENT = "sent"
DROPPED = "dropped"

BATCH = "batch"

Render = Callable[["Watch"], dict[str, Any]]


@dataclass(frozen=True)
class Watch:
    """A channel's request to hear when a batch (or later a campaign) finishes."""

    channel_id: str
    kind: str
    target_id: str
    label: str | None
    created_by: str
    created_at: datetime
    state: str
    batch_status: str | None
    error_threshold: float | None = None


@dataclass(frozen=True)
class DueBatch:
    """A batch this process holds the polling lease for."""

    batch_id: str
    failures: int
    status: str | None


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
    state: str
    attempts: int
    created_at: datetime
    message_ts: str | None = None
    last_error: str | None = None


class Store(Protocol):
    """Watches, polling leases and the alert outbox, on SQLite or PostgreSQL.

    Every method is one transaction. Leases are taken with conditional updates (and
    `FOR UPDATE SKIP LOCKED` on PostgreSQL), so several processes can share one
    database: each due batch and each pending alert is held by one owner at a time,
    and a dead owner's work becomes claimable again once its lease expires.
    """

    async def open(self) -> None:
        """Connect, then create or upgrade the schema."""

    async def close(self) -> None: ...

    # --- Watches (the Slack handlers) ---

    async def add_watch(
        self,
        *,
        channel_id: str,
        kind: str,
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

    async def remove_watch(self, *, channel_id: str, kind: str, target_id: str) -> bool:
        """Forget the watch; False when there was none. Alerts already queued still go."""

    async def list_watches(
        self, *, channel_id: str | None = None, created_by: str | None = None
    ) -> list[Watch]:
        """Watches in any state, oldest first, filtered by channel and/or creator."""

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

    async def release_batch(self, batch_id: str, *, owner: str) -> bool:
        """Give a leased batch back unpolled (on shutdown); it is due again at once."""

    async def record_completion(
        self, batch_id: str, *, owner: str, status: str, render: Render
    ) -> list[Alert] | None:
        """In one transaction: mark the batch done, mark its active watches done and
        queue one alert per watching channel, holding `render(watch)` as the message.

        None when `owner` had lost the lease or the batch was already done, so a
        completion is recorded once however many processes saw it."""

    # --- The outbox ---

    async def claim_alerts(self, *, owner: str, limit: int, lease_seconds: float) -> list[Alert]:
        """Lease up to `limit` pending alerts that are due."""

    async def mark_alert_sent(self, alert_id: str, *, message_ts: str) -> bool:
        """Slack accepted the alert; True unless it was already sent or dropped."""

    async def release_alert(
        self, alert_id: str, *, owner: str, delay: float, error: str | None = None
    ) -> bool:
        """Give the alert back, to be retried after `delay` seconds."""

    async def drop_alert(self, alert_id: str, *, reason: str) -> bool:
        """Give up on an alert that can never be delivered."""

    async def suspend_channel(self, channel_id: str, *, reason: str) -> int:
        """Suspend every active watch of a channel Slack refuses; returns how many."""

    async def list_alerts(self, *, batch_id: str | None = None) -> list[Alert]:
        """Alerts in any state, oldest first (operations and tests)."""
