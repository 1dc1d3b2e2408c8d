"""Making outside text safe and short for Slack mrkdwn and plain_text."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import UTC

from bot.bland.times import parse_time
from bot.bland.values import REPLACEMENT

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# Control characters (C0 but tab and LF, DEL, C1), lone surrogates, and every format
# character (Unicode category Cf, as of Unicode 15.1): the invisible ones that let outside
# text disguise itself, as in a Stop confirm that reads backwards. Among them bidi overrides,
# embeddings, isolates and marks (U+202A-202E, U+2066-206F, U+200E/200F, U+061C),
# zero-width characters and invisible operators (U+200B-200D, U+2060-2064, U+FEFF,
# U+180E, U+00AD), and the tag characters (U+E0001, U+E0020-E007F) that spell out
# hidden ASCII. Listed rather than computed: scanning unicodedata costs 0.2 s at import.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff]"
)
# The format characters past U+FFFF, apart: in one class with the rest they made every
# string's scan three times slower, and only text with a character past U+FFFF (a quick
# search) can hold them.
_PAST_BMP = re.compile("[\U00010000-\U0010ffff]")
_ASTRAL = re.compile(
    "[\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]"
)
# A lone surrogate (typed over Socket Mode, whose JSON may carry `\ud800`) is no UTF-8 at
# all, and Slack cannot read a message that holds one: it shows as U+FFFD, as Bland's do.
_SURROGATES = range(0xD800, 0xE000)
_BACKTICKS = re.compile(r"`+")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")
ELLIPSIS = "…"

# How much of each outside string a message shows, named once for what it limits.
# Slack's own limits live in formatters/blocks.py.
BATCH_ID_WIDTH = 130
CAMPAIGN_ID_WIDTH = 80
CALL_ID_WIDTH = 60
LABEL_WIDTH = 120
# An alert or warning leads with the batch's name, so it shows more of it.
LEAD_LABEL_WIDTH = 150
STATUS_WIDTH = 40
PHONE_WIDTH = 40
ANSWERED_BY_WIDTH = 30
# A Slack user or channel id inside `<@…>` or `<#…>`.
SLACK_ID_WIDTH = 20
WATCH_STATE_WIDTH = 20
# A message from Bland: a call's error, or its reply to a stop.
BLAND_MESSAGE_WIDTH = 300


def _unseen(match: re.Match[str]) -> str:
    return REPLACEMENT if ord(match.group()) in _SURROGATES else ""


def _visible(text: str) -> str:
    """`text` without control and format characters, lone surrogates shown as U+FFFD."""
    text = _CONTROL.sub(_unseen, text)
    if text.isascii() or not _PAST_BMP.search(text):
        return text
    return _ASTRAL.sub("", text)


def escape(value: object) -> str:
    """Escape text from Bland or a user for mrkdwn: no pings, no disguised links."""
    return _visible(str(value)).translate(_ESCAPES)


def truncate(value: str, limit: int) -> str:
    """Cut `value` to at most `limit` characters, marking the cut with an ellipsis."""
    if len(value) <= limit:
        return value
    if limit <= 1:
        return value[:limit]
    cut = value[: limit - 1]
    # Never leave half an escape like "&am" behind.
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:] and len(cut) - amp <= 5:
        cut = cut[:amp]
    return cut + ELLIPSIS


def clip(value: object, limit: int) -> str:
    """Escape then truncate: the usual treatment of a short outside string."""
    return truncate(escape(value), limit)


def plain(value: object, limit: int) -> str:
    """Text for a plain_text object: no escaping needed, but never empty or too long."""
    text = _visible(str(value)).strip() or "-"
    return truncate(text, limit)


def code(value: object, limit: int = 200) -> str:
    """An inline code span; backticks inside would end it, so they become primes."""
    text = _BACKTICKS.sub("ʹ", clip(value, limit).replace("\n", " "))
    return f"`{text}`" if text else "`-`"


def code_block(value: object, limit: int) -> str:
    """A preformatted block for multi-line outside text (prompts, charts)."""
    text = _BACKTICKS.sub("ʹ", clip(value, limit))
    return f"```{text}```"


def batch_name(batch_id: str, label: str | None, *, label_width: int = LABEL_WIDTH) -> str:
    """`*label* `id``, the way mrkdwn names a batch; just the id when it has no label."""
    shown_id = code(batch_id, BATCH_ID_WIDTH)
    return f"*{clip(label, label_width)}* {shown_id}" if label else shown_id


def batch_name_text(batch_id: str, label: str | None, *, label_width: int = LABEL_WIDTH) -> str:
    """`label (id)`, the way a fallback `text` names a batch; just the id without a label."""
    shown_id = clip(batch_id, BATCH_ID_WIDTH)
    return f"{clip(label, label_width)} ({shown_id})" if label else shown_id


def slack_date(value: str | None, pattern: str = "{date_short_pretty} {time}") -> str:
    """A `<!date>` token so each reader sees their own time zone; `-` when unknown."""
    when = parse_time(value)
    if when is None:
        return clip(value, 40) if value else "-"
    fallback = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    stamp = int(when.timestamp())
    # Slack's date token takes no time before 1970: those show as plain UTC.
    return f"<!date^{stamp}^{pattern}|{fallback}>" if stamp >= 0 else fallback


def seconds(value: float | None) -> str:
    """A duration for people: `45 s`, `3 min 05 s`, `2 h 04 min`."""
    # A huge call_length in minutes becomes infinite seconds, which round() refuses.
    if value is None or not math.isfinite(value):
        return "-"
    total = round(value)
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def mentions(user_ids: Iterable[str]) -> str:
    """`<@U…>` for each id that is a Slack user id; anything else is left out."""
    return " ".join(f"<@{user}>" for user in user_ids if _USER_ID.fullmatch(user))


def success_rate(successful: int | None, total: int | None) -> str:
    """`83.3%`; `-` when it cannot be said (no total, or no calls at all)."""
    if successful is None or not total or total < 0:
        return "-"
    rate = 100.0 * min(max(successful, 0), total) / total
    return f"{rate:.1f}".removesuffix(".0") + "%"
