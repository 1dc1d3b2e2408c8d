"""CSV cells that a spreadsheet would run as a formula are neutralised, and only those."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.bland.models import BatchDetail, Call, ExportCall
from formatters.calls_csv import SPEAKERS, CsvRows, csv_line, neutralise, write_calls_csv


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


# What `neutralise` prefixes (the parametrized cases at the top say why each).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# Cells that take every path: quoting, formula signs (ASCII and full-width), E.164
# numbers and near-misses, a NUL (only a model made without validation can hold one).
# Each row is plain but for at most one such cell, so that none hides another.
_WORD = st.text(alphabet=st.sampled_from([*"ab 1.;|'\\", "é", "—"]), max_size=5)
_PLAIN = st.one_of(st.none(), _WORD)
_ODD = st.one_of(
    st.builds(lambda sign, rest: sign + rest, st.sampled_from(_FORMULA_START), _WORD),
    _CELL,
    st.sampled_from(["+15551234567", "+1555123456\n", "+0123456789", "+1234567890123456"]),
)
_TEXT_FIELDS = (
    *("call_id", "to", "from", "status", "queue_status", "answered_by"),
    *("created_at", "end_at", "error_message"),
)
_SPEAKER = st.one_of(st.none(), st.sampled_from(["assistant", "user", "agent-action", "", "=x"]))
_LINE = st.fixed_dictionaries({"user": _SPEAKER, "text": st.one_of(_PLAIN, _CELL)})


@st.composite
def _payload(draw: st.DrawFn) -> dict[str, Any]:
    payload: dict[str, Any] = {field: draw(_PLAIN) for field in _TEXT_FIELDS}
    odd = draw(st.one_of(st.none(), st.sampled_from(_TEXT_FIELDS)))
    if odd is not None:
        payload[odd] = draw(_ODD)
    payload["corrected_duration"] = draw(st.one_of(st.none(), st.floats(-10, 1e6)))
    payload["transcripts"] = draw(st.lists(_LINE, max_size=3))
    return payload


def _reference(calls: list[ExportCall], *, transcripts: bool) -> str:
    """What the rows were before they were built in one pass: every cell through
    `neutralise` and `csv.writer`."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    for call in calls:
        duration = call.duration_seconds
        cells = [
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
        ]
        if transcripts:
            lines = [(line.get("user"), line.get("text")) for line in call.transcripts]
            cells.append(
                "\n".join(
                    f"{SPEAKERS.get(user or '', user or 'Unknown')}: {(text or '').strip()}"
                    for user, text in lines
                )
            )
        writer.writerow([neutralise(cell) if cell else "" for cell in cells])
    return out.getvalue()


@given(st.lists(_payload(), max_size=4), st.booleans())
def test_rows_are_what_neutralise_and_csv_writer_write(
    payloads: list[dict[str, Any]], transcripts: bool
) -> None:
    # Built without validation, as `model_copy` would: a NUL reaches the writer too.
    calls = [
        ExportCall.model_construct(**{k: v for k, v in p.items() if k != "from"}, from_=p["from"])
        for p in payloads
    ]
    out = io.StringIO(newline="")
    rows = CsvRows(out, transcripts=transcripts)
    rows.add(calls)
    header = out.getvalue().split("\r\n", 1)[0] + "\r\n"
    assert out.getvalue() == header + _reference(calls, transcripts=transcripts)
    assert rows.rows == len(calls)


@pytest.mark.parametrize(
    "odd",
    [
        *(sign + "1" for sign in _FORMULA_START),
        "+15551234567",
        "+1234567890123456",
        "+15551234567\n",
        "a\x00b",
        'a"b',
        "a,b",
    ],
)
def test_one_odd_cell_in_a_plain_row_is_written_as_csv_writer_would(odd: str) -> None:
    for field in _TEXT_FIELDS:
        payload: dict[str, Any] = dict.fromkeys(_TEXT_FIELDS, "plain")
        payload[field] = odd
        call = ExportCall.model_construct(
            **{k: v for k, v in payload.items() if k != "from"}, from_=payload["from"]
        )
        out = io.StringIO(newline="")
        CsvRows(out).add([call])
        assert out.getvalue().split("\r\n", 1)[1] == _reference([call], transcripts=False)
