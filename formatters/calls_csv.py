"""A batch's calls as CSV: one row per call, safe to open in Excel, written as it goes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
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
    read a slice at a time (see `bot.bland.slices`) are written and dropped.

    Each added group of calls is written with one `write`: rows are made by `csv_line`,
    which writes what `csv.writer` (the excel dialect) writes, at a third of its cost on
    rows with a transcript (long cells full of line breaks, which csv scans char by char).
    """

    def __init__(self, out: IO[str], *, transcripts: bool = False) -> None:
        self._out = out
        self._transcripts = transcripts
        self.rows = 0
        out.write(csv_line([*COLUMNS, TRANSCRIPT_COLUMN] if transcripts else COLUMNS))

    def add(self, calls: Iterable[Call | ExportCall]) -> None:
        """One row per call, in order."""
        transcripts = self._transcripts
        lines: list[str] = []
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
            lines.append(
                csv_line(
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
            )
        self._out.write("".join(lines))
        self.rows += len(lines)


# What makes csv's excel dialect (QUOTE_MINIMAL) quote a cell.
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def csv_line(cells: Sequence[str]) -> str:
    """One row as `csv.writer` writes it in the excel dialect: cells holding a comma, a
    quote or a line break quoted, quotes doubled, CRLF after. (Rows here have ten or
    more cells, so csv's quoting of a lone empty cell never applies.)"""
    search = _NEEDS_QUOTES.search
    return (
        ",".join(
            '"' + cell.replace('"', '""') + '"' if search(cell) is not None else cell
            for cell in cells
        )
        + "\r\n"
    )


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
