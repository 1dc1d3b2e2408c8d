"""When a digest is due: local time in the stored zone, one run per local date, across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.digests.schedule import Cadence, DigestSchedule, period_key

NY = "America/New_York"
DAILY_9 = DigestSchedule(Cadence.DAILY, 9 * 60, NY)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_daily_runs_at_local_time_across_spring_forward() -> None:
    # 2024-03-10: New York moves from EST (UTC-5) to EDT (UTC-4).
    before = utc(2024, 3, 9, 14, 0)  # 09:00 EST
    assert DAILY_9.latest_run(before) == before
    assert DAILY_9.next_run(before) == utc(2024, 3, 10, 13, 0)  # 09:00 EDT, 23 h later
    assert DAILY_9.next_run(utc(2024, 3, 10, 13, 0)) == utc(2024, 3, 11, 13, 0)
    assert DAILY_9.latest_run(utc(2024, 3, 10, 12, 59)) == before


def test_daily_runs_at_local_time_across_fall_back() -> None:
    # 2024-11-03: back to EST; the day is 25 hours long.
    assert DAILY_9.next_run(utc(2024, 11, 2, 13, 0)) == utc(2024, 11, 3, 14, 0)


def test_a_time_skipped_or_repeated_by_dst_runs_once_that_day() -> None:
    at_0230 = DigestSchedule(Cadence.DAILY, 2 * 60 + 30, NY)
    # 02:30 does not exist on 2024-03-10: it runs at 07:30 UTC (03:30 EDT), once.
    runs = [at_0230.next_run(utc(2024, 3, 9, 8, 0))]
    runs.append(at_0230.next_run(runs[-1]))
    assert runs == [utc(2024, 3, 10, 7, 30), utc(2024, 3, 11, 6, 30)]
    at_0130 = DigestSchedule(Cadence.DAILY, 90, NY)
    # 01:30 happens twice on 2024-11-03: it runs at the first, once.
    first = at_0130.next_run(utc(2024, 11, 2, 12, 0))
    assert first == utc(2024, 11, 3, 5, 30)
    assert at_0130.next_run(first) == utc(2024, 11, 4, 6, 30)


def test_weekly_runs_on_its_weekday() -> None:
    monday = DigestSchedule(Cadence.WEEKLY, 9 * 60, "Europe/Paris", weekday=0)
    # Wednesday 2024-03-27 -> Monday 2024-04-01 09:00 CEST (Paris changed on 03-31).
    assert monday.next_run(utc(2024, 3, 27, 12, 0)) == utc(2024, 4, 1, 7, 0)
    assert monday.latest_run(utc(2024, 3, 27, 12, 0)) == utc(2024, 3, 25, 8, 0)
    assert monday.length == timedelta(days=7)
    assert monday.describe() == "weekly on Monday at 09:00"


def test_missed_runs_are_counted_whole_across_dst() -> None:
    assert DAILY_9.runs_between(utc(2024, 3, 8, 14, 0), utc(2024, 3, 11, 13, 0)) == 3
    assert DAILY_9.runs_between(utc(2024, 3, 11, 13, 0), utc(2024, 3, 11, 13, 0)) == 0


def test_period_keys_name_the_cadence_and_run_in_utc() -> None:
    assert period_key(DAILY_9, utc(2024, 3, 10, 13, 0)) == "digest:daily:2024-03-10T13:00Z"


def test_an_unknown_zone_reads_as_utc() -> None:
    odd = DigestSchedule(Cadence.DAILY, 9 * 60, "Mars/Olympus_Mons")
    assert odd.next_run(utc(2024, 3, 9, 8, 0)) == utc(2024, 3, 9, 9, 0)
