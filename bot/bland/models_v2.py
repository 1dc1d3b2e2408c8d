"""Pydantic models of Bland's v2 batch responses, its status webhook, and its calls list.

Lenient like the v1 models: every field has a default, unknown fields are ignored, and
an odd field is repaired or dropped rather than failing the whole answer. Every v2
answer is an envelope `{"data": ..., "errors": null | [...]}`; the client unwraps it,
so these models are what `data` holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import Field

from bot.bland.errors import BlandResponseError
from bot.bland.lenient import LenientModel
from bot.bland.models import Call, Int, Params, Str
from bot.bland.values import CleanStr, Scalar, clean

# Event types of a batch's log: documented examples; others are kept as they come.
LIFECYCLE = "lifecycle"
COMPLETE = "complete"


class EnvelopeError(LenientModel):
    """One entry of a v2 envelope's `errors`: a code like `NOT_FOUND` and a message."""

    error: Str = None
    message: Str = None


class BatchV2(LenientModel):
    """A v2 batch: `GET /v2/batches/{id}`'s `data`, or one item of the list's.

    Metadata only: no status, no counts (those come from the logs, see
    `bot.bland.view.v2_progress`). `base_prompt` is a JSON *string* of the batch's
    global call properties; read it with `read_base_prompt()`. `call_objects` is a
    preview, not every call. `label` is not documented on the read side (`description`
    is), but create takes one, so it is kept if Bland sends it.
    """

    id: Str = None
    user_id: Str = None
    base_prompt: CleanStr | Params = None
    created_at: Str = None
    call_objects: list[dict[CleanStr, Scalar | list[Any] | dict[str, Any]]] = Field(
        default_factory=list
    )
    description: Str = None
    label: Str = None


class LogPayload(LenientModel):
    """A log entry's `payload`. Lifecycle entries carry `message` and `state_change`;
    `complete` entries the totals; a failure `code` and `reason`. Any may be missing."""

    message: Str = None
    state_change: Str = None
    calls_total: Int = None
    calls_failed: Int = None
    calls_successful: Int = None
    code: Str = None
    reason: Str = None


class LogEntry(LenientModel):
    """One entry of `GET /v2/batches/{id}/logs`. `event_type` is `lifecycle`, `complete`
    or anything else Bland adds (kept as it came)."""

    nested: ClassVar[dict[str, type[LenientModel]]] = {"payload": LogPayload}

    id: Str = None
    batch_id: Str = None
    org_id: Str = None
    event_type: Str = None
    timestamp: Str = None
    payload: LogPayload = Field(default_factory=LogPayload)


class StopResultV2(LenientModel):
    """`POST /v2/batches/{id}/stop`'s `data`: undocumented, so whatever of these came."""

    batch_id: Str = None
    message: Str = None
    status: Str = None
    num_calls: Int = None


class ListedCall(Call):
    """One call of `GET /v1/calls`: v1's call fields plus the batch it belongs to."""

    batch_id: Str = None
    summary: Str = None


class StatusWebhook(LenientModel):
    """The body Bland POSTs to a batch's `status_webhook`, once per lifecycle phase and
    once at the end. `status` uses the same names as a log entry's `state_change`
    (see `bot.bland.view.WEBHOOK_STATUSES`).

    `as_log_entry()` turns it into the log entry it stands for, so the watcher feeds a
    webhook to the same `v2_progress()` that reads the logs, and both agree.
    """

    batch_id: Str = None
    status: Str = None
    timestamp: Str = None
    message: Str = None
    calls_total: Int = None
    calls_successful: Int = None
    calls_failed: Int = None
    code: Str = None
    reason: Str = None

    @classmethod
    def from_body(cls, body: bytes) -> StatusWebhook:
        """A webhook request's raw body, read leniently (check its signature first).

        Raises BlandResponseError when the body is not a JSON object."""
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise BlandResponseError("The webhook body is not JSON") from exc
        if not isinstance(data, dict):
            raise BlandResponseError("The webhook body is not a JSON object")
        return cls.lenient(data)

    def as_log_entry(self) -> LogEntry:
        """This body as a log entry: a `lifecycle` entry whose `state_change` is the
        status (final statuses included, so a `failed` body stays failed)."""
        return LogEntry(
            batch_id=self.batch_id,
            event_type=LIFECYCLE,
            timestamp=self.timestamp,
            payload=LogPayload(
                message=self.message,
                state_change=self.status,
                calls_total=self.calls_total,
                calls_failed=self.calls_failed,
                calls_successful=self.calls_successful,
                code=self.code,
                reason=self.reason,
            ),
        )


class CallList(LenientModel):
    """The `GET /v1/calls` response (v1-shaped, not an envelope): `{count, calls}`."""

    nested: ClassVar[dict[str, type[LenientModel]]] = {"calls": ListedCall}

    status: Str = None
    message: Str = None
    count: Int = None
    calls: list[ListedCall] = Field(default_factory=list)


@dataclass(frozen=True)
class BatchCalls:
    """What `BlandClient.list_calls(batch_id=...)` found: only calls of that batch.

    `filter_ignored` is True when Bland's answer held calls of other batches (or calls
    that do not say which batch they belong to): Bland did not honour the `batch_id`
    filter, so `calls` is at best a part of the batch's calls, found by chance among the
    account's newest. Say plainly that Bland does not list this batch's calls, rather
    than showing them as the batch's. `truncated` is True when Bland sent as many calls
    as were asked for, so there may be more.
    """

    batch_id: str
    calls: list[ListedCall]
    filter_ignored: bool
    truncated: bool


@dataclass(frozen=True)
class BasePrompt:
    """A v2 batch's `base_prompt`, read: its `task` or `pathway_id` when it is JSON.

    `text` is the prompt as it came when it is not a JSON object (plain text, or JSON
    of another shape); None when it was one, or when there was no prompt at all.
    `properties` holds the object's other global call properties (`record`, `voice`...).
    """

    task: str | None = None
    pathway_id: str | None = None
    text: str | None = None
    properties: dict[str, Any] | None = None


def read_base_prompt(value: str | dict[str, Any] | None) -> BasePrompt:
    """`base_prompt` as Bland sent it (a JSON string, or already an object) -> BasePrompt.

    What the JSON decodes to is cleaned like any value from Bland (`\\u0000` or a lone
    surrogate escaped in the string would otherwise appear only now)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return BasePrompt()
    data: Any = value
    if isinstance(value, str):
        try:
            data = clean(json.loads(value))
        except (ValueError, RecursionError):
            return BasePrompt(text=value)
    if not isinstance(data, dict):
        return BasePrompt(text=value if isinstance(value, str) else None)
    task, pathway = data.get("task"), data.get("pathway_id")
    return BasePrompt(
        task=task if isinstance(task, str) and task.strip() else None,
        pathway_id=pathway if isinstance(pathway, str) and pathway.strip() else None,
        properties={k: v for k, v in data.items() if k not in ("task", "pathway_id")},
    )
