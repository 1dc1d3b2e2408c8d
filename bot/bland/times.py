"""Bland's timestamps, parsed once and the same way everywhere."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_time(value: str | None) -> datetime | None:
    """Bland's timestamps (ISO 8601, with or without `Z` or zone) in UTC, or None: unknown.

    In UTC, so that any arithmetic on the result stays in datetime's range. A time whose
    UTC falls outside it (`9999-12-31T23:59:59-05:00`, `0001-01-01T00:00:00+05:00`) is
    unknown: converting it, or `.timestamp()` on it, would raise OverflowError.
    """
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None
