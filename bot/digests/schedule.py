"""When a digest is due: a local time of day (and weekday), in an IANA time zone.

Every run is computed from the stored time zone's rules, date by date, so a digest set
for 09:00 stays at 09:00 local across a DST change (its UTC time moves by the hour).
A local time that does not exist on a given day (02:30 as clocks spring forward) runs at
the same instant as the moment before the change reads it (03:30 the new time); one that
happens twice (01:30 as clocks fall back) runs at its first occurrence. So there is
exactly one run per local date (per matching weekday, weekly).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A week holds one matching weekday; a DST jump can push a run across a date boundary.
_SEARCH_DAYS = 9
FALLBACK_TZ = "UTC"


class Cadence(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


def zone(name: str) -> ZoneInfo:
    """The time zone named `name`, or UTC when Python does not know it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(FALLBACK_TZ)


def is_known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class DigestSchedule:
    """`daily 09:00` or `weekly mon 09:00`, in time zone `tz` (an IANA name)."""

    cadence: Cadence
    minute_of_day: int
    tz: str
    weekday: int | None = None

    @property
    def at(self) -> time:
        return time(self.minute_of_day // 60, self.minute_of_day % 60)

    @property
    def length(self) -> timedelta:
        """What one digest covers: the day or the week before its run."""
        return timedelta(days=7 if self.cadence == Cadence.WEEKLY else 1)

    def _runs_on(self, day: date) -> bool:
        return self.cadence == Cadence.DAILY or day.weekday() == self.weekday

    def _run_on(self, day: date) -> datetime:
        """The run of local date `day`, in UTC (see the module's note on DST)."""
        return datetime.combine(day, self.at, tzinfo=zone(self.tz)).astimezone(UTC)

    def latest_run(self, now: datetime) -> datetime:
        """The latest run at or before `now`, in UTC."""
        today = now.astimezone(zone(self.tz)).date()
        for back in range(_SEARCH_DAYS):
            day = today - timedelta(days=back)
            if self._runs_on(day) and self._run_on(day) <= now:
                return self._run_on(day)
        raise AssertionError("a run within nine days")  # pragma: no cover

    def next_run(self, after: datetime) -> datetime:
        """The first run strictly after `after`, in UTC."""
        today = after.astimezone(zone(self.tz)).date()
        for ahead in range(-1, _SEARCH_DAYS):
            day = today + timedelta(days=ahead)
            if self._runs_on(day) and self._run_on(day) > after:
                return self._run_on(day)
        raise AssertionError("a run within nine days")  # pragma: no cover

    def runs_between(self, first: datetime, last: datetime) -> int:
        """How many runs fall in [first, last): the periods missed before `last`."""
        if last <= first:
            return 0
        # Whole periods, rounded: a DST change makes one of them an hour shorter or longer.
        return max(0, round((last - first) / self.length))

    def describe(self) -> str:
        """`daily at 09:00` or `weekly on Monday at 09:00`, without the time zone."""
        at = f"{self.minute_of_day // 60:02d}:{self.minute_of_day % 60:02d}"
        if self.cadence == Cadence.WEEKLY and self.weekday is not None:
            day = date(2024, 1, 1 + self.weekday).strftime("%A")
            return f"weekly on {day} at {at}"
        return f"daily at {at}"


def period_key(schedule: DigestSchedule, run: datetime) -> str:
    """The idempotency key of one digest of a channel: its cadence and run time in UTC.
    Two processes, or one process before and after a restart, make the same key."""
    return f"digest:{schedule.cadence}:{run.astimezone(UTC).strftime('%Y-%m-%dT%H:%MZ')}"
