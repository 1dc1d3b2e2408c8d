"""Turning `/batch digest …` text into a typed request, refusing anything unclear."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.digests.schedule import WEEKDAYS, Cadence
from bot.user_facing import UserFacingError
from formatters.text import clip

DIGEST_USAGE = (
    "Usage: `/batch digest daily 09:00`, `/batch digest weekly mon 09:00`, "
    "`/batch digest off`, or `/batch digest` to see this channel's."
)
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class DigestUsageError(UserFacingError):
    """The digest text could not be understood: says why, then the usage. Nothing changed."""


@dataclass(frozen=True)
class ShowDigest:
    @property
    def subject(self) -> str | None:
        return None


@dataclass(frozen=True)
class DigestOff:
    @property
    def subject(self) -> str | None:
        return None


@dataclass(frozen=True)
class SetDigest:
    cadence: Cadence
    minute_of_day: int
    weekday: int | None = None

    @property
    def subject(self) -> str | None:
        return None


DigestRequest = ShowDigest | DigestOff | SetDigest


def parse_digest(words: list[str]) -> DigestRequest:
    """The words after `digest`: none, `off`, `daily HH:MM` or `weekly <day> HH:MM`."""
    if not words:
        return ShowDigest()
    head, rest = words[0].lower(), words[1:]
    if head == "off":
        if rest:
            raise _refused(f"`off` takes nothing after it (`{_show(' '.join(rest))}`).")
        return DigestOff()
    if head == Cadence.DAILY:
        if len(rest) != 1:
            raise _refused("Give one time of day after `daily`, like `daily 09:00`.")
        return SetDigest(Cadence.DAILY, _minute_of_day(rest[0]))
    if head == Cadence.WEEKLY:
        if len(rest) != 2:
            raise _refused("Give a weekday and a time after `weekly`, like `weekly mon 09:00`.")
        return SetDigest(Cadence.WEEKLY, _minute_of_day(rest[1]), _weekday(rest[0]))
    raise _refused(f"I don't understand `{_show(words[0])}`.")


def _minute_of_day(word: str) -> int:
    match = _TIME.fullmatch(word)
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise _refused(
            f"`{_show(word)}` is not a time of day: use 24-hour `HH:MM`, like `09:00` or `17:30`."
        )
    return int(match.group(1)) * 60 + int(match.group(2))


def _weekday(word: str) -> int:
    day = word.lower()
    for index, (short, full) in enumerate(zip(WEEKDAYS, _FULL_DAYS, strict=True)):
        if day in (short, full):
            return index
    raise _refused(
        f"`{_show(word)}` is not a weekday: use `mon`, `tue`, `wed`, `thu`, `fri`, `sat` or `sun`."
    )


def _refused(reason: str) -> DigestUsageError:
    return DigestUsageError(f"{reason} {DIGEST_USAGE}")


def _show(value: str) -> str:
    """User text echoed inside a code span: escaped, short, and unable to end the span."""
    return clip(value.replace("`", "'"), 60)
