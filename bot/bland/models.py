"""Pydantic models of Bland's batch responses, shaped after the documented examples."""

from __future__ import annotations

from typing import Any, ClassVar, NotRequired

from pydantic import ConfigDict, Field
from typing_extensions import TypedDict

from bot.bland.lenient import LenientModel
from bot.bland.values import CleanStr, Count, Finite, Scalar

# Every string, number and count from Bland is one of these: see `bot.bland.values`.
Str = CleanStr | None
Num = Finite | None
Int = Count | None
Bool = bool | None
Counts = dict[CleanStr, Count] | None
# Only the scalar values are ever shown; nested ones are kept as they came, unread.
Params = dict[CleanStr, Scalar | list[Any] | dict[str, Any]] | None
# Documented as an array, shown as a string: keep what came and normalise on read.
AnsweredBy = CleanStr | list[CleanStr | None] | None

IN_PROGRESS = "in-progress"
COMPLETED = "completed"


class BatchSummary(LenientModel):
    """One entry of `GET /v1/batches`."""

    batch_id: Str = None
    campaign_id: Str = None
    created_at: Str = None
    label: Str = None
    base_prompt: Str = None
    endpoint_code: Str = None
    call_params: Params = None


class BatchList(LenientModel):
    """The `GET /v1/batches` response."""

    nested: ClassVar[dict[str, type[LenientModel]]] = {"batches": BatchSummary}

    status: Str = None
    message: Str = None
    batches: list[BatchSummary] = Field(default_factory=list)


class BatchParams(LenientModel):
    """`batch_params` of the details response."""

    id: Str = None
    campaign_id: Str = None
    created_at: Str = None
    label: Str = None
    base_prompt: Str = None
    endpoint_code: Str = None
    call_params: Params = None


class TranscriptLine(LenientModel):
    """One utterance (or agent action) of a call."""

    id: Str = None
    created_at: Str = None
    text: Str = None
    user: Str = None
    c_id: Str = None


class CallBrief(LenientModel):
    """What statistics need of a call: parsing only these makes a 10k-call summary
    cost less than `json.loads` of the same bytes."""

    call_id: Str = None
    queue_status: Str = None
    completed: Bool = None
    end_at: Str = None
    corrected_duration: Num = None
    call_length: Num = None
    error_message: Str = None
    answered_by: AnsweredBy = None

    @property
    def answered(self) -> str | None:
        """`answered_by` as one string, whichever shape Bland sent."""
        value = self.answered_by
        if isinstance(value, list):
            value = next((item for item in value if item), None)
        if value is None or value == "":
            return None
        return str(value)

    @property
    def duration_seconds(self) -> float | None:
        """Seconds, from `corrected_duration` or else from `call_length` (minutes).

        A negative figure says nothing (no call lasts less than nothing): it is skipped
        like a null, so it never reaches a view, an average or the `long` filter."""
        if self.corrected_duration is not None and self.corrected_duration >= 0:
            return self.corrected_duration
        if self.call_length is not None and self.call_length >= 0:
            return self.call_length * 60
        return None


class CallRow(CallBrief):
    """A call as the call list, the transcript picker and a transcript's header show it:
    at 10k calls, reading only these costs a fifth less than reading the whole call."""

    status: Str = None
    to: Str = None
    created_at: Str = None


class Call(CallRow):
    """One entry of `call_data`. `corrected_duration` is seconds; `call_length` minutes."""

    nested: ClassVar[dict[str, type[LenientModel]]] = {"transcripts": TranscriptLine}

    from_: Str = Field(default=None, alias="from")
    max_duration: Num = None
    endpoint_url: Str = None
    transcripts: list[TranscriptLine] = Field(default_factory=list)


class Utterance(LenientModel):
    """What a CSV export keeps of a transcript line: who spoke, and what was said. Only
    the repair uses this model: the export reads lines as `Line` dicts."""

    user: Str = None
    text: Str = None


class Line(TypedDict):
    """A transcript line as a CSV export reads it: a dict, not a model, because at 10k
    calls (~100k lines) making a model of each line took 120 ms of a 280 ms parse."""

    __pydantic_config__ = ConfigDict(coerce_numbers_to_str=True)  # type: ignore[misc]

    user: NotRequired[Str]
    text: NotRequired[Str]


class ExportCall(CallRow):
    """A call as a CSV export reads it: its columns and its words, nothing else. At 10k
    calls with transcripts, skipping each line's ids and times (and each call's unused
    fields) and reading lines as dicts cuts the parse from 2x to ~1.1x json.loads."""

    from_: Str = Field(default=None, alias="from")
    transcripts: list[Line] = Field(default_factory=list)

    @classmethod
    def _repair(cls, key: Any, value: Any) -> Any:
        if key == "transcripts" and isinstance(value, list):
            # Line by line, as a nested model's items are: one bad line costs only itself.
            return [
                Utterance.lenient(line).model_dump(exclude_none=True)
                for line in value
                if isinstance(line, dict)
            ]
        return super()._repair(key, value)


class CallLengths(LenientModel):
    """`analysis.call_lengths`; values read as seconds despite the page saying minutes."""

    average: Num = None
    average_nonzero: Num = None
    summary: Counts = None


class ErrorMessage(LenientModel):
    """One entry of `analysis.error_messages`."""

    call_id: Str = None
    error_message: Str = None


class Analysis(LenientModel):
    """The `analysis` object; may be missing or partial."""

    nested: ClassVar[dict[str, type[LenientModel]]] = {
        "call_lengths": CallLengths,
        "error_messages": ErrorMessage,
    }

    total_calls: Int = None
    completed_calls: Int = None
    in_progress_calls: Int = None
    queue_statuses: Counts = None
    call_lengths: CallLengths | None = None
    error_messages: list[ErrorMessage] = Field(default_factory=list)
    endpoints: Counts = None


class _Batch(LenientModel):
    """What every reading of `GET /v1/batches/{id}` has; subclasses choose the call model."""

    status: Str = None
    message: Str = None
    batch_params: BatchParams = Field(default_factory=BatchParams)
    analysis: Analysis | None = None

    @property
    def in_progress(self) -> bool:
        return self.status == IN_PROGRESS


class BatchDetail(_Batch):
    """The `GET /v1/batches/{id}` response."""

    nested: ClassVar[dict[str, type[LenientModel]]] = {
        "batch_params": BatchParams,
        "call_data": Call,
        "analysis": Analysis,
    }

    call_data: list[Call] = Field(default_factory=list)


class BatchOverview(_Batch):
    """The same response read for a summary: each call's figures, not its contact or words."""

    nested: ClassVar[dict[str, type[LenientModel]]] = {
        "batch_params": BatchParams,
        "call_data": CallBrief,
        "analysis": Analysis,
    }

    call_data: list[CallBrief] = Field(default_factory=list)


class BatchRows(_Batch):
    """The same response read for a call list: each call's row, no contact or words."""

    nested: ClassVar[dict[str, type[LenientModel]]] = {
        "batch_params": BatchParams,
        "call_data": CallRow,
        "analysis": Analysis,
    }

    call_data: list[CallRow] = Field(default_factory=list)


class BatchExport(_Batch):
    """The same response read for a CSV export: each call's columns and words."""

    nested: ClassVar[dict[str, type[LenientModel]]] = {
        "batch_params": BatchParams,
        "call_data": ExportCall,
        "analysis": Analysis,
    }

    call_data: list[ExportCall] = Field(default_factory=list)


AnyBatch = BatchDetail | BatchOverview


class CallDetail(CallBrief):
    """The `GET /v1/calls/{call_id}` response: one call whole, as `/batch call` shows it.

    `recording_url` is a link to the call's audio: shown only to whoever asked, never
    posted in a channel nor logged. `price` is in dollars; `variables` are the call's
    variables, those Bland extracted from the call among them."""

    nested: ClassVar[dict[str, type[LenientModel]]] = {"transcripts": TranscriptLine}

    status: Str = None
    message: Str = None
    batch_id: Str = None
    to: Str = None
    from_: Str = Field(default=None, alias="from")
    created_at: Str = None
    call_ended_by: Str = None
    summary: Str = None
    recording_url: Str = None
    price: Num = None
    variables: Params = None
    transcripts: list[TranscriptLine] = Field(default_factory=list)


class StopResult(LenientModel):
    """The `POST /v1/batches/{id}/stop` response."""

    status: Str = None
    message: Str = None
    num_calls: Int = None
    batch_id: Str = None
