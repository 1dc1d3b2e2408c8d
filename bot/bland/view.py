"""One view of a batch, v1 or v2, for handlers and formatters; and how v2's status is read.

Bland's two batch APIs describe a batch differently: v1 answers with a `status` and an
`analysis`; v2 with metadata only, its progress in a separate log. `BatchView` is what
both have in common, plus what only one has, so a formatter takes one type and a
handler need not branch on the API beyond choosing the builder:

    view = view_of_v1(await bland.get_batch_overview(batch_id))
    view = view_of_v2(await bland.get_batch_v2(batch_id), await bland.batch_logs(batch_id))

`v2_progress()` is the single reading of a v2 batch's log: the commands, the watcher and
the status webhook (via `StatusWebhook.as_log_entry()`) all go through it, so they agree
on whether a batch is running and what its totals are.

Text in a view is as Bland sent it (cleaned of invalid characters at parse time, but not
escaped nor shortened): formatters escape and clip it, as they do v1 models.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.bland.batch_ids import BatchApi
from bot.bland.models import COMPLETED, IN_PROGRESS, AnyBatch, BatchParams, BatchSummary
from bot.bland.models_v2 import COMPLETE, BatchV2, LogEntry, read_base_prompt
from bot.bland.stats import BatchStats, CallCounts, batch_stats
from bot.bland.times import parse_time


class V2State(StrEnum):
    """The states of a v2 batch, as a log entry's `state_change` and a webhook's `status`
    name them. Bland may send others: see `is_running()`."""

    VALIDATING = "validating"
    DISPATCHING = "dispatching"
    IN_PROGRESS = "in_progress"
    IN_PROGRESS_CHUNKED = "in_progress_chunked"
    WAITING_FOR_SCHEDULED_CALLS = "waiting_for_scheduled_calls"
    COMPLETED = "completed"
    FAILED = "failed"
    COMPLETED_PARTIAL = "completed_partial"


V2_RUNNING = frozenset(
    {
        V2State.VALIDATING,
        V2State.DISPATCHING,
        V2State.IN_PROGRESS,
        V2State.IN_PROGRESS_CHUNKED,
        V2State.WAITING_FOR_SCHEDULED_CALLS,
    }
)
V2_FINISHED = frozenset({V2State.COMPLETED, V2State.FAILED, V2State.COMPLETED_PARTIAL})
# The status webhook's `status` uses the same names as the log's `state_change`.
WEBHOOK_STATUSES: Mapping[str, V2State] = {state.value: state for state in V2State}

# Statuses of either API in words, without emoji or markup: formatters add those.
STATUS_WORDS: Mapping[str, str] = {
    IN_PROGRESS: "In progress",
    COMPLETED: "Completed",
    V2State.VALIDATING: "Validating",
    V2State.DISPATCHING: "Dispatching",
    V2State.IN_PROGRESS: "In progress",
    V2State.IN_PROGRESS_CHUNKED: "In progress, in chunks",
    V2State.WAITING_FOR_SCHEDULED_CALLS: "Waiting for scheduled calls",
    V2State.FAILED: "Failed",
    V2State.COMPLETED_PARTIAL: "Partly completed",
}
UNKNOWN_WORDS = "Unknown"
# A v2 batch whose log has no state yet: just created, or its log not yet written.
NO_STATE_WORDS = "No progress reported yet"


def status_words(status: str | None) -> str:
    """A status of either API in words; an unknown one as sent; none at all "Unknown"."""
    if status is None or not status.strip():
        return UNKNOWN_WORDS
    return STATUS_WORDS.get(status, status)


def is_finished_v2(status: str | None) -> bool:
    """Whether a v2 state is final: `completed`, `failed` or `completed_partial`."""
    return status in V2_FINISHED


def is_running_v2(status: str | None) -> bool:
    """Whether a v2 batch in this state is still running: every state that is not final,
    an unknown one (`quantum_flux`) or none yet included, so nothing is called done
    that Bland has not said is done."""
    return not is_finished_v2(status)


@dataclass(frozen=True)
class V2Progress:
    """What a v2 batch's log says about it; see `v2_progress()` for how it is read."""

    status: str | None = None
    at: str | None = None
    message: str | None = None
    calls_total: int | None = None
    calls_successful: int | None = None
    calls_failed: int | None = None
    code: str | None = None
    reason: str | None = None

    @property
    def running(self) -> bool:
        return is_running_v2(self.status)

    @property
    def finished(self) -> bool:
        return is_finished_v2(self.status)

    @property
    def calls_done(self) -> int | None:
        """Calls finished, successful or failed, when both are known."""
        if self.calls_successful is None or self.calls_failed is None:
            return None
        return self.calls_successful + self.calls_failed


def v2_progress(logs: Iterable[LogEntry]) -> V2Progress:
    """The status and figures of a v2 batch, read from its log entries (any order).

    The one definition, shared by commands, watcher and webhook:

    - Entries are taken newest first by `timestamp`; entries whose timestamp cannot be
      read come after those whose can, in the order given (newest first, as
      `BlandClient.batch_logs` asks by default).
    - `status` is set by the newest entry that is either a `complete` event or has a
      `payload.state_change`. A `complete` event means `completed` (or the final state
      its payload names, such as `completed_partial`); a `state_change` is taken as
      sent, known or not. No such entry: `status` is None.
    - `calls_total`, `calls_successful` and `calls_failed` come together from the newest
      entry carrying any of them (normally the `complete` event).
    - `message` is the newest non-blank `payload.message` (the latest lifecycle message);
      `code` and `reason` the newest failure code and reason.

    A None or unknown status counts as running (`V2Progress.running`), so a batch is
    only ever reported done once Bland says so.
    """
    ordered = _newest_first(logs)
    progress: dict[str, Any] = {}
    for entry in ordered:
        payload = entry.payload
        if "status" not in progress:
            state = _state_of(entry)
            if state is not None:
                progress["status"], progress["at"] = state, entry.timestamp
        counts = (payload.calls_total, payload.calls_successful, payload.calls_failed)
        if "calls_total" not in progress and any(n is not None for n in counts):
            progress.update(
                calls_total=counts[0], calls_successful=counts[1], calls_failed=counts[2]
            )
        if "message" not in progress and payload.message and payload.message.strip():
            progress["message"] = payload.message
        if "code" not in progress and (payload.code or payload.reason):
            progress.update(code=payload.code, reason=payload.reason)
    return V2Progress(**progress)


def _state_of(entry: LogEntry) -> str | None:
    change = entry.payload.state_change
    if entry.event_type == COMPLETE:
        return change if is_finished_v2(change) else V2State.COMPLETED.value
    if change is not None and change.strip():
        return change
    return None


def _newest_first(logs: Iterable[LogEntry]) -> list[LogEntry]:
    def key(item: tuple[int, LogEntry]) -> tuple[int, float, int]:
        index, entry = item
        when = parse_time(entry.timestamp)
        # Readable timestamps first, newest first; then the rest in the order given.
        return (0, -when.timestamp(), index) if when is not None else (1, 0.0, index)

    return [entry for _, entry in sorted(enumerate(logs), key=key)]


@dataclass(frozen=True)
class BatchView:
    """A batch as handlers and formatters see it, whichever API it came from.

    Common to both: `batch_id`, `api`, `label`, `created` (the string as given),
    `status` (raw) and `status_words`, `running` and `finished` (both False when the
    status is not known, as for a v1 list entry), and the counts where known: `total`
    calls, `completed` (finished, successful or not), `successful`, `failed`.

    v1 only: `campaign_id`, `endpoint`, `call_params` and `stats` (the analysis, with
    what is missing derived from the calls; None for a list entry). v1 says nothing of
    successful calls, so `successful` is None there.

    v2 only: `task` or `pathway_id` (from the base prompt), `message` (the latest
    lifecycle message), `updated_at` (when the status was last set), and
    `failure_code`/`failure_reason` when Bland gave them. Before the batch completes
    Bland gives no counts, so they are None.

    `base_prompt` is the prompt as text: v1's, or v2's when it is not JSON.
    """

    batch_id: str
    api: BatchApi
    label: str | None
    created: str | None
    status: str | None
    status_words: str
    running: bool
    finished: bool
    total: int | None = None
    completed: int | None = None
    successful: int | None = None
    failed: int | None = None
    base_prompt: str | None = None
    # v1 only
    campaign_id: str | None = None
    endpoint: str | None = None
    call_params: Any = None
    stats: BatchStats | None = None
    # v2 only
    task: str | None = None
    pathway_id: str | None = None
    message: str | None = None
    updated_at: str | None = None
    failure_code: str | None = None
    failure_reason: str | None = None

    def counts(self) -> CallCounts:
        """The three numbers a progress message shows and an error warning weighs."""
        return CallCounts(total=self.total, completed=self.completed, errored=self.failed)


def view_of_v1(
    batch: AnyBatch | BatchSummary, *, status: str | None = None, stats: BatchStats | None = None
) -> BatchView:
    """A v1 batch's view: from its details (`BatchDetail`/`BatchOverview`), or from a list
    entry (`BatchSummary`, which has no status: pass the one `batch_statuses` found).

    Running means `in-progress` and finished means any other status, as the watcher has
    always read v1; with no status at all, neither. `stats`: the details' statistics when
    they were gathered as the calls were read (`BlandClient.get_batch_tally`).
    """
    params: BatchParams | BatchSummary
    if isinstance(batch, BatchSummary):
        batch_id, params, stats = batch.batch_id, batch, None
    else:
        batch_id, params = batch.batch_params.id, batch.batch_params
        if stats is None:
            stats = batch_stats(batch)
        status = batch.status
    known = status is not None and bool(status.strip())
    return BatchView(
        batch_id=batch_id or "",
        api=BatchApi.V1,
        label=params.label,
        created=params.created_at,
        status=status,
        status_words=status_words(status),
        running=status == IN_PROGRESS,
        finished=known and status != IN_PROGRESS,
        total=stats.total if stats else None,
        completed=stats.completed if stats else None,
        failed=stats.errored if stats else None,
        base_prompt=params.base_prompt,
        campaign_id=params.campaign_id,
        endpoint=params.endpoint_code,
        call_params=params.call_params,
        stats=stats,
    )


def view_of_v2(batch: BatchV2, logs: Iterable[LogEntry]) -> BatchView:
    """A v2 batch's view from its metadata and its log entries (see `v2_progress`).

    `label` is the batch's `label`, else its `description`.
    """
    progress = v2_progress(logs)
    prompt = read_base_prompt(batch.base_prompt)
    return BatchView(
        batch_id=batch.id or "",
        api=BatchApi.V2,
        label=batch.label or batch.description,
        created=batch.created_at,
        status=progress.status,
        status_words=(
            status_words(progress.status) if progress.status is not None else NO_STATE_WORDS
        ),
        running=progress.running,
        finished=progress.finished,
        total=progress.calls_total,
        completed=progress.calls_done,
        successful=progress.calls_successful,
        failed=progress.calls_failed,
        base_prompt=prompt.text,
        task=prompt.task,
        pathway_id=prompt.pathway_id,
        message=progress.message,
        updated_at=progress.at,
        failure_code=progress.code,
        failure_reason=progress.reason,
    )
