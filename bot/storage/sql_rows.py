"""Rows as the SQL store reads them: the columns its queries select, and models from them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.bland.models import IN_PROGRESS
from bot.storage.base import Alert, AlertKind, AlertState, Watch, WatchKind, WatchState

Row = dict[str, Any]

WATCH_COLUMNS = (
    "channel_id, kind, target_id, label, created_by, created_at, state, batch_status, "
    "error_threshold"
)
ALERT_COLUMNS = (
    "id, batch_id, channel_id, message, state, attempts, created_at, message_ts, last_error, "
    "kind, target_ts, taken_from"
)
# Watches as the handlers and App Home read them: with the batch's latest counts, and
# for a campaign how many batches it has found and how many of those are running.
WATCH_SELECT = (
    "SELECT w.channel_id, w.kind, w.target_id, w.label, w.created_by, w.created_at, "
    "w.state, w.batch_status, w.error_threshold, w.progress_ts, w.progress_shown, "
    "b.calls_total, b.calls_completed, b.calls_errored, "
    f"CASE WHEN w.kind = '{WatchKind.CAMPAIGN}' THEN (SELECT COUNT(*) FROM batches c "
    " WHERE c.campaign_id = w.target_id) END AS batches_seen, "
    f"CASE WHEN w.kind = '{WatchKind.CAMPAIGN}' THEN (SELECT COUNT(*) FROM batches c "
    f" WHERE c.campaign_id = w.target_id AND c.state = 'watching' "
    f" AND c.status = '{IN_PROGRESS}') END AS batches_running "
    f"FROM watches w LEFT JOIN batches b ON w.kind = '{WatchKind.BATCH}' "
    "AND b.batch_id = w.target_id "
)


# Watch columns qualified by the alias `w`, for queries that join.
W_COLUMNS = ", ".join(f"w.{c.strip()}" for c in WATCH_COLUMNS.split(","))


def _time(value: float) -> datetime:
    return datetime.fromtimestamp(float(value), UTC)


def read_watch(row: Row) -> Watch:
    """A row of WATCH_COLUMNS (or WATCH_SELECT) as a Watch, its kind and state as enums."""
    threshold = row["error_threshold"]
    return Watch(
        channel_id=row["channel_id"],
        kind=WatchKind(row["kind"]),
        target_id=row["target_id"],
        label=row["label"],
        created_by=row["created_by"],
        created_at=_time(row["created_at"]),
        state=WatchState(row["state"]),
        batch_status=row["batch_status"],
        error_threshold=None if threshold is None else float(threshold),
        calls_total=_int(row.get("calls_total")),
        calls_completed=_int(row.get("calls_completed")),
        calls_errored=_int(row.get("calls_errored")),
        progress_ts=row.get("progress_ts"),
        batches_seen=_int(row.get("batches_seen")),
        batches_running=_int(row.get("batches_running")),
    )


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def read_alert(row: Row, *, claimed: bool = False) -> Alert:
    """A row of ALERT_COLUMNS as an Alert; `claimed`: the row's attempts count this claim."""
    message: dict[str, Any] = json.loads(row["message"])
    return Alert(
        id=row["id"],
        batch_id=row["batch_id"],
        channel_id=row["channel_id"],
        message=message,
        state=AlertState(row["state"]),
        attempts=int(row["attempts"]) - (1 if claimed else 0),
        created_at=_time(row["created_at"]),
        message_ts=row["message_ts"],
        last_error=row["last_error"],
        kind=AlertKind(row["kind"]),
        target_ts=row["target_ts"],
        taken_from=row["taken_from"],
    )
