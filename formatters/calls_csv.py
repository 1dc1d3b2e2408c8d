"""A batch's calls as CSV: one row per call, safe to open in Excel, written as it goes."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO

from bot.bland.models import Call, ExportCall, Line, TranscriptLine

COLUMNS = (
    "call_id",
    "to",
    "from",
    "status",
    "queue_status",
    "answered_by",
    "duration_seconds",
    "created_at",
    "end_at",
    "error_message",
)
TRANSCRIPT_COLUMN = "transcript"
SPEAKERS = {"assistant": "Agent", "user": "Callee", "agent-action": "Action"}
# Spreadsheets run a cell starting with these as a formula: tab, CR and LF too (per
# OWASP, and a cell may open with a line break), and the full-width = + - @ (U+FF1D,
# U+FF0B, U+FF0D, U+FF20), which spreadsheets in CJK locales read as the ASCII signs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# An E.164 number is ASCII digits only after the plus: no formula can hide in it.
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def neutralise(value: str) -> str:
    """Prefix a would-be formula with an apostrophe; leave E.164 numbers as they are."""
    if value.startswith(_FORMULA_START) and not _E164.fullmatch(value):
        return "'" + value
    return value


def write_calls_csv(
    calls: Iterable[Call | ExportCall], out: IO[str], *, transcripts: bool = False
) -> int:
    """Write a header and one row per call to `out`; returns the number of rows.

    Rows are written one at a time, so the CSV is never held in memory beside the calls.
    Open `out` with `newline=""` and UTF-8 with a BOM (`utf-8-sig`) so Excel reads it.
    """
    rows = CsvRows(out, transcripts=transcripts)
    rows.add(calls)
    return rows.rows


class CsvRows:
    """A CSV being written: the header at once, then rows as calls are added, so calls
    read a slice at a time (see `bot.bland.slices`) are written and dropped."""

    def __init__(self, out: IO[str], *, transcripts: bool = False) -> None:
        self._writer = csv.writer(out)
        self._transcripts = transcripts
        self.rows = 0
        self._writer.writerow([*COLUMNS, TRANSCRIPT_COLUMN] if transcripts else COLUMNS)

    def add(self, calls: Iterable[Call | ExportCall]) -> None:
        """One row per call, in order."""
        writer, transcripts = self._writer, self._transcripts
        for call in calls:
            duration = call.duration_seconds
            row = [
                call.call_id,
                call.to,
                call.from_,
                call.status,
                call.queue_status,
                call.answered,
                "" if duration is None else f"{duration:g}",
                call.created_at,
                call.end_at,
                call.error_message,
            ]
            if transcripts:
                row.append(transcript_text(call.transcripts))
            # neutralise() inlined: a call per cell was a fifth of a 10k-call export.
            writer.writerow(
                [
                    (
                        "'" + cell
                        if cell.startswith(_FORMULA_START) and not _E164.fullmatch(cell)
                        else cell
                    )
                    if cell
                    else ""
                    for cell in row
                ]
            )
            self.rows += 1


def transcript_text(lines: Iterable[TranscriptLine | Line]) -> str:
    """The dialogue as `Speaker: text` lines, for one spreadsheet cell."""
    said = (
        (line.get("user"), line.get("text")) if isinstance(line, dict) else (line.user, line.text)
        for line in lines
    )
    return "\n".join(
        f"{SPEAKERS.get(user or '', user or 'Unknown')}: {(text or '').strip()}"
        for user, text in said
    )
