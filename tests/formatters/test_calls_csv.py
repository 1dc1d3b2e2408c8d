"""CSV cells that a spreadsheet would run as a formula are neutralised, and only those."""

from __future__ import annotations

import csv
import io

import pytest

from bot.bland.models import Call
from formatters.calls_csv import neutralise, write_calls_csv


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
