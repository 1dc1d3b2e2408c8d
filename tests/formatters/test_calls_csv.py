"""CSV cells that a spreadsheet would run as a formula are neutralised, and only those."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.bland.models import BatchDetail, Call
from formatters.calls_csv import csv_line, neutralise, write_calls_csv


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("\n=cmd", "'\n=cmd"),
        # Full-width forms: spreadsheets in CJK locales read them as the ASCII sign.
        ('\uff1dHYPERLINK("http://evil.example")', '\'\uff1dHYPERLINK("http://evil.example")'),
        ("\uff0bcmd", "'\uff0bcmd"),
        ("\uff0d2+3", "'\uff0d2+3"),
        ("\uff20SUM(A1)", "'\uff20SUM(A1)"),
        # E.164 numbers stay readable; only ASCII digits make one.
        ("+15551234567", "+15551234567"),
        (
            "+1\uff15\uff15\uff15\uff11\uff12\uff13\uff14",
            "'+1\uff15\uff15\uff15\uff11\uff12\uff13\uff14",
        ),
        ("no answer", "no answer"),
        ("", ""),
    ],
)
def test_neutralise(cell: str, written: str) -> None:
    assert neutralise(cell) == written


def test_a_leading_newline_cannot_start_a_formula_row() -> None:
    out = io.StringIO()
    call = Call.model_validate({"call_id": "c1", "to": "+15551234567", "error_message": "\n=cmd"})
    assert write_calls_csv([call], out) == 1
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1][0] == "c1"
    assert rows[1][1] == "+15551234567"
    assert rows[1][9] == "'\n=cmd"


_CELL = st.text(alphabet=st.sampled_from([*"ab ,\"\r\n\t'=+-@;|\\", "é", "—", "\u2028", "\x00"]))


@given(st.lists(_CELL, min_size=10, max_size=12))
def test_csv_line_writes_what_csv_writer_writes(cells: list[str]) -> None:
    expected = io.StringIO(newline="")
    csv.writer(expected).writerow(cells)
    assert csv_line(cells) == expected.getvalue()


def test_a_written_export_reads_back_with_csv(load_fixture: Any) -> None:
    detail = BatchDetail.lenient(load_fixture("batch_details"))
    calls = [
        call.model_copy(update={"error_message": 'say "hi",\r\nthen\nbye', "to": " +1, 2"})
        for call in detail.call_data
    ]
    out = io.StringIO(newline="")
    assert write_calls_csv(calls, out, transcripts=True) == len(calls)
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert len(rows) == len(calls) + 1
    assert rows[1][9] == 'say "hi",\r\nthen\nbye'
    assert rows[1][1] == " +1, 2"
