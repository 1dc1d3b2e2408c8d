"""Turning `/batches` and `/batch` text (and button values) into typed requests."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.bland.batch_ids import InvalidIdError, check_batch_id, check_call_ref
from bot.bland.call_outcomes import Outcome, outcome_of_word
from bot.storage.base import WatchKind
from bot.user_facing import UserFacingError
from formatters.text import clip
from handlers.digest_parser import DigestRequest, parse_digest

MAX_TEXT = 500
MIN_CALL_PREFIX = 8
MAX_LIST_LIMIT = 1000
MAX_PAGE = 100_000


class _NoSubject:
    """A request about no one batch: an error while answering it names none."""

    @property
    def subject(self) -> str | None:
        return None


@dataclass(frozen=True)
class _AboutBatch:
    """A request about one batch: an error while answering it names the batch."""

    batch_id: str

    @property
    def subject(self) -> str | None:
        return self.batch_id


@dataclass(frozen=True)
class ListBatches(_NoSubject):
    campaign_id: str | None = None
    limit: int | None = None
    # Where v1's list starts (`from:`) and, on a page of both lists, where v2's does.
    start: int | None = None
    end: int | None = None
    ascending: bool = False
    v2_start: int | None = None


@dataclass(frozen=True)
class ShowBatch(_AboutBatch):
    pass


@dataclass(frozen=True)
class ListCalls(_AboutBatch):
    page: int = 1
    # Only the calls that ended this way (see bot.bland.call_outcomes).
    outcome: Outcome | None = None


@dataclass(frozen=True)
class PickTranscript(_AboutBatch):
    pass


@dataclass(frozen=True)
class ShowTranscript(_AboutBatch):
    call_ref: str
    page: int = 1


@dataclass(frozen=True)
class ShowCall:
    """One call whole. With `batch_id`, `call_ref` may be a prefix of a call of that
    batch; without, it is a call id as Bland knows it."""

    call_ref: str
    batch_id: str | None = None
    page: int = 1

    @property
    def subject(self) -> str | None:
        return self.call_ref


@dataclass(frozen=True)
class WatchBatch:
    target_id: str
    kind: WatchKind = WatchKind.BATCH
    error_threshold: float | None = None

    @property
    def subject(self) -> str | None:
        return self.target_id


@dataclass(frozen=True)
class UnwatchBatch:
    target_id: str
    kind: WatchKind = WatchKind.BATCH
    # Set only by App Home buttons, which have no channel of their own.
    channel_id: str | None = None

    @property
    def subject(self) -> str | None:
        return self.target_id


@dataclass(frozen=True)
class ListWatches(_NoSubject):
    pass


@dataclass(frozen=True)
class ExportCsv(_AboutBatch):
    transcripts: bool = False
    # Post the file in the channel; otherwise it goes only to whoever asked, by DM.
    here: bool = False


@dataclass(frozen=True)
class StopBatch(_AboutBatch):
    pass


@dataclass(frozen=True)
class Help(_NoSubject):
    reason: str | None = None


BatchRequest = (
    ShowBatch
    | ListCalls
    | PickTranscript
    | ShowTranscript
    | ShowCall
    | WatchBatch
    | UnwatchBatch
    | ListWatches
    | ExportCsv
    | StopBatch
    | Help
    | DigestRequest
)


class UsageError(UserFacingError):
    """The text could not be understood; the message says why, safe to show."""


_CHANNEL = re.compile(r"[CDG][A-Z0-9]{2,30}")
_THRESHOLD = re.compile(r"errors?\s*>\s*(\d{1,3}(?:\.\d+)?)\s*%")


def parse_batches(text: str) -> ListBatches:
    """`/batches [campaign:<id>] [limit:<n>] [from:<i>] [to:<j>] [asc|desc]`, and
    `v2from:<j>`, which a Next page button adds beside `from:` to page both lists."""
    campaign: str | None = None
    limit = start = end = v2_start = None
    ascending = False
    for word in _words(text):
        key, _, value = word.partition(":")
        key = key.lower()
        if key == "campaign" and value:
            campaign = _checked_id(value, WatchKind.CAMPAIGN)
        elif key == "limit" and value:
            limit = _number(value, "limit", low=1, high=MAX_LIST_LIMIT)
        elif key == "from" and value:
            start = _number(value, "from", low=0, high=10_000_000)
        elif key == "to" and value:
            end = _number(value, "to", low=0, high=10_000_000)
        elif key == "v2from" and value:
            v2_start = _number(value, "v2from", low=0, high=10_000_000)
        elif word.lower() in ("asc", "ascending", "oldest"):
            ascending = True
        elif word.lower() in ("desc", "descending", "newest"):
            ascending = False
        else:
            raise UsageError(f"I don't understand `{_show(word)}`.")
    if start is not None and end is not None and end < start:
        raise UsageError("`to:` must not be smaller than `from:`.")
    return ListBatches(campaign, limit, start, end, ascending, v2_start)


def parse_batch(text: str) -> BatchRequest:
    """`/batch` and its subcommands; see `formatters.help` for the usage text."""
    words = _words(text)
    if not words or words[0].lower() in ("help", "-h", "--help", "?"):
        return Help()
    head, rest = words[0].lower(), words[1:]
    if head == "calls":
        return _calls(rest)
    if head in ("transcript", "transcripts"):
        if len(rest) == 1:
            return PickTranscript(_checked_id(rest[0]))
        if len(rest) not in (2, 3):
            raise UsageError("Usage: `/batch transcript &lt;batch_id&gt; &lt;call_id&gt; [page]`.")
        call_ref = _checked_call(rest[1])
        page = _number(rest[2], "page", low=1, high=MAX_PAGE) if len(rest) == 3 else 1
        return ShowTranscript(_checked_id(rest[0]), call_ref, page)
    if head == "call":
        return _call(rest)
    if head == "watch":
        return _watch(rest)
    if head == "unwatch":
        return _unwatch(rest)
    if head == "export":
        return _export(rest)
    if head == "stop":
        if len(rest) != 1:
            raise UsageError("Usage: `/batch stop &lt;batch_id&gt;`.")
        return StopBatch(_checked_id(rest[0]))
    if head == "digest":
        return parse_digest(rest)
    if head == "watches":
        if rest:
            raise UsageError("`/batch watches` takes no arguments.")
        return ListWatches()
    if head == "show":
        words = rest
    if len(words) != 1:
        raise UsageError(f"I don't understand `{_show(' '.join(words))}`.")
    return ShowBatch(_checked_id(words[0]))


OUTCOME_CHOICES = ", ".join(f"`{outcome.value}`" for outcome in Outcome)
CALLS_USAGE = "Usage: `/batch calls &lt;batch_id&gt; [{}] [page]`.".format(
    "|".join(outcome.value for outcome in Outcome)
)


def _calls(rest: list[str]) -> ListCalls:
    """`calls <batch_id> [outcome] [page]`, the outcome and page in either order."""
    if not 1 <= len(rest) <= 3:
        raise UsageError(CALLS_USAGE)
    batch_id = _checked_id(rest[0])
    page: int | None = None
    outcome: Outcome | None = None
    for word in rest[1:]:
        named = outcome_of_word(word)
        if named is not None:
            if outcome is not None:
                raise UsageError(f"Name one kind of call at a time. {CALLS_USAGE}")
            outcome = named
        elif page is None and word.isdecimal():
            page = _number(word, "page", low=1, high=MAX_PAGE)
        elif page is not None:
            raise UsageError(CALLS_USAGE)
        else:
            raise UsageError(
                f"`page` must be a whole number from 1 to {MAX_PAGE:,}, and `{_show(word)}` "
                f"is not one of the kinds of call I can list: {OUTCOME_CHOICES}."
            )
    return ListCalls(batch_id, page or 1, outcome)


CALL_USAGE = (
    "Usage: `/batch call &lt;call_id&gt; [page]` or "
    "`/batch call &lt;batch_id&gt; &lt;call_id&gt; [page]`."
)
# A page is a number of at most this many digits; a call id, or the prefix of one, is
# at least MIN_CALL_PREFIX characters: `call <id> 12345678` names a call, not a page.
_PAGE_DIGITS = len(str(MAX_PAGE))


def _call(rest: list[str]) -> ShowCall:
    """`call <call_id> [page]` or `call <batch_id> <call_prefix> [page]`."""
    words = list(rest)
    page = 1
    if len(words) >= 2 and words[-1].isdecimal() and len(words[-1]) <= _PAGE_DIGITS:
        page = _number(words.pop(), "page", low=1, high=MAX_PAGE)
    if len(words) == 1:
        return ShowCall(_checked_call(words[0]), page=page)
    if len(words) == 2:
        return ShowCall(_checked_call(words[1]), _checked_id(words[0]), page)
    raise UsageError(CALL_USAGE)


def _export(rest: list[str]) -> ExportCsv:
    options = [word.lower() for word in rest[1:]]
    if not rest or len(set(options)) != len(options) or set(options) - {"transcripts", "here"}:
        raise UsageError("Usage: `/batch export &lt;batch_id&gt; [transcripts] [here]`.")
    return ExportCsv(
        _checked_id(rest[0]),
        transcripts="transcripts" in options,
        here="here" in options,
    )


def _unwatch(rest: list[str]) -> UnwatchBatch:
    usage = "Usage: `/batch unwatch &lt;batch_id&gt;` or `/batch unwatch campaign:&lt;id&gt;`."
    if len(rest) not in (1, 2):
        raise UsageError(usage)
    kind, target = _target(rest[0])
    channel = None
    if len(rest) == 2:
        key, _, value = rest[1].partition(":")
        if key.lower() != "in" or not _CHANNEL.fullmatch(value):
            raise UsageError(usage)
        channel = value
    return UnwatchBatch(target, kind, channel)


def _watch(rest: list[str]) -> WatchBatch:
    usage = (
        "Usage: `/batch watch &lt;batch_id&gt; [errors&gt;10%]` "
        "or `/batch watch campaign:&lt;id&gt;`."
    )
    if not rest:
        raise UsageError(usage)
    kind, target = _target(rest[0])
    threshold = None
    if len(rest) > 1:
        match = _THRESHOLD.fullmatch(" ".join(rest[1:]).lower())
        if not match:
            raise UsageError(usage)
        threshold = float(match.group(1))
        if not 0 < threshold <= 100:
            raise UsageError("The error threshold must be between 0% and 100%.")
    return WatchBatch(target, kind, threshold)


def _target(word: str) -> tuple[WatchKind, str]:
    key, sep, value = word.partition(":")
    if sep and key.lower() == "campaign":
        return WatchKind.CAMPAIGN, _checked_id(value, WatchKind.CAMPAIGN)
    return WatchKind.BATCH, _checked_id(word)


def _words(text: str) -> list[str]:
    if len(text) > MAX_TEXT:
        raise UsageError(f"That is too long: commands are at most {MAX_TEXT} characters.")
    # Slack may send `<mailto:…|…>`-style or formatted text; take the words as typed.
    return text.replace("\u00a0", " ").split()


def _checked_id(value: str, kind: WatchKind = WatchKind.BATCH) -> str:
    try:
        return check_batch_id(value)
    except InvalidIdError as exc:
        if kind == WatchKind.CAMPAIGN:
            raise UsageError(
                f"`{_show(value)}` is not a campaign id: use letters, digits, `-` or `_`."
            ) from None
        raise UsageError(f"`{_show(value)}` is not a batch id. {exc}") from None


def _checked_call(value: str) -> str:
    try:
        check_call_ref(value)
    except InvalidIdError as exc:
        raise UsageError(f"`{_show(value)}` is not a call id. {exc}") from None
    if len(value) < MIN_CALL_PREFIX:
        raise UsageError(f"Give at least {MIN_CALL_PREFIX} characters of the call id.")
    return value


def _number(value: str, what: str, *, low: int, high: int) -> int:
    # isdecimal(), not isdigit(): superscripts and circled digits are digits that int()
    # cannot read, and its ValueError would reach the user as "something went wrong".
    if not value.isdecimal() or not low <= int(value) <= high:
        raise UsageError(f"`{what}` must be a whole number from {low:,} to {high:,}.")
    return int(value)


def _show(value: str) -> str:
    """User text echoed inside a code span: escaped, short, and unable to end the span."""
    return clip(value.replace("`", "'"), 60)
