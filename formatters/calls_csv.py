"""A batch's calls as CSV: one row per call, safe to open in Excel, written as it goes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import IO, cast

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
SPEAKERS: dict[str | None, str] = {"assistant": "Agent", "user": "Callee", "agent-action": "Action"}
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
            # The ten cells, each after a NUL, which no validated text holds (`CleanStr`):
            # two regex passes over the row then say whether any cell needs quoting or
            # neutralising, where passes per cell were a third of a 10k-call export. A
            # NUL that got in anyway (a model made without validation) takes the
            # cell-by-cell way.
            joined = (
                f"\0{call.call_id or ''}\0{call.to or ''}\0{call.from_ or ''}\0"
                f"{call.status or ''}\0{call.queue_status or ''}\0{call.answered or ''}\0"
                f"{'' if duration is None else format(duration, 'g')}\0{call.created_at or ''}\0"
                f"{call.end_at or ''}\0{call.error_message or ''}"
            )
            if (
                joined.count("\0") == _CELLS
                and _NEEDS_QUOTES.search(joined) is None
                and _FORMULA_CELL.search(joined) is None
            ):
                line = joined[1:].replace("\0", ",")
            else:
                line = csv_line([_neutral(cell) for cell in _cells(call)])[:-2]
            if transcripts:
                line += "," + _quoted(_neutral(transcript_text(call.transcripts)))
            lines.append(line + "\r\n")
        self._out.write("".join(lines))
        self.rows += len(lines)


def _cells(call: Call | ExportCall) -> list[str]:
    duration = call.duration_seconds
    return [
        cell or ""
        for cell in (
            call.call_id,
            call.to,
            call.from_,
            call.status,
            call.queue_status,
            call.answered,
            None if duration is None else f"{duration:g}",
            call.created_at,
            call.end_at,
            call.error_message,
        )
    ]


def _neutral(cell: str) -> str:
    """`neutralise`, inlined where it runs once per row."""
    if cell.startswith(_FORMULA_START) and not _E164.fullmatch(cell):
        return "'" + cell
    return cell


# What makes csv's excel dialect (QUOTE_MINIMAL) quote a cell.
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')
_CELLS = len(COLUMNS)
# In cells each after a NUL: one that `neutralise` changes (it opens with a formula sign
# and is not an E.164 number). `\Z`, not `$`: `$` also matches before a final `\n`.
_FORMULA_CELL = re.compile(
    r"\0(?!\+[1-9][0-9]{6,14}(?:\0|\Z))[=+\-@\t\r\n\uff1d\uff0b\uff0d\uff20]"
)


def csv_line(cells: Sequence[str]) -> str:
    """One row as `csv.writer` writes it in the excel dialect: cells holding a comma, a
    quote or a line break quoted, quotes doubled, CRLF after. (Rows here have ten or
    more cells, so csv's quoting of a lone empty cell never applies.)"""
    return ",".join(map(_quoted, cells)) + "\r\n"


def _quoted(cell: str) -> str:
    if _NEEDS_QUOTES.search(cell) is not None:
        return '"' + cell.replace('"', '""') + '"'
    return cell


def transcript_text(lines: Iterable[TranscriptLine | Line]) -> str:
    """The dialogue as `Speaker: text` lines, for one spreadsheet cell."""
    lines = lines if isinstance(lines, list) else list(lines)
    if set(map(type, lines)) <= {dict}:
        # An export's lines are dicts (`Line`): read without a tuple per line, and the
        # speaker's name in one lookup (a third of this function's cost at 10k calls).
        names = _SPEAKER_NAMES
        return "\n".join(
            [
                f"{names.get(user := line.get('user'), user)}: {(line.get('text') or '').strip()}"
                for line in cast("list[Line]", lines)
            ]
        )
    said = (
        (line.get("user"), line.get("text")) if isinstance(line, dict) else (line.user, line.text)
        for line in lines
    )
    return "\n".join(
        f"{SPEAKERS.get(user or '', user or 'Unknown')}: {(text or '').strip()}"
        for user, text in said
    )


# `SPEAKERS.get(user or "", user or "Unknown")` as one lookup.
_SPEAKER_NAMES: dict[str | None, str] = {"": "Unknown", None: "Unknown", **SPEAKERS}
