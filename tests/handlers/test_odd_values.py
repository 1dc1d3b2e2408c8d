"""A batch full of odd values (dates out of range, NaN and 1e999, huge counts, lone
surrogates and NULs) still answers every view, through signed commands to the real app."""

from __future__ import annotations

import csv
import io
import json
import re

from tests.support.blockkit import check_message
from tests.support.odd_batch import (
    FAR_FUTURE,
    FAR_PAST,
    OVER_INT4,
    all_text,
    assert_clean,
    odd_batch,
)
from tests.support.slack_app import SlackApp

ODD = "OddValues0000002-gen-batch"
LIVE_ODD = "OddValues0000003-gen-batch"


def text_of(message: dict[str, object]) -> str:
    return json.dumps(message, ensure_ascii=False)


async def test_summary_of_an_odd_batch_answers(app: SlackApp) -> None:
    app.bland.add_batch(odd_batch(ODD))
    message = await app.reply(ODD)
    check_message(message)
    assert_clean(message)
    assert message["text"].startswith("Batch Odd\ufffd batch\ufffd (OddValues0000002-gen-batch)")
    assert f"{OVER_INT4:,} of {OVER_INT4:,} calls completed" in message["text"]
    shown = all_text(message)
    # A date out of range is unknown: shown as Bland wrote it, like any unreadable date.
    assert f"*Created*\n{FAR_PAST}" in shown
    assert "<!date" not in shown
    # Bland's NaN and 1e999 averages are unknown, so the calls' own durations count,
    # without the calls whose durations were NaN, 1e999 or past any real length.
    assert "*Average length* 25 s" in shown
    assert not re.search(r"\b(nan|inf)\b", shown, re.IGNORECASE)


async def test_calls_transcripts_and_export_of_an_odd_batch(app: SlackApp) -> None:
    batch = odd_batch(ODD)
    app.bland.add_batch(batch)
    first_call = batch.calls[0]["call_id"]
    for text in (f"calls {ODD}", f"transcript {ODD}", f"transcript {ODD} {first_call}"):
        message = await app.reply(text)
        check_message(message)
        assert_clean(message)
        assert "went wrong" not in message["text"], text
    transcript = await app.reply(f"transcript {ODD} {first_call}")
    assert "Hi\ufffd" in text_of(transcript)
    assert FAR_FUTURE not in text_of(transcript)

    for text in (f"export {ODD}", f"export {ODD} transcripts"):
        reply = await app.reply(text)
        check_message(reply)
        assert reply["text"].startswith(":page_facing_up: Exported 6 calls"), reply["text"]
    plain, with_transcripts = app.slack.uploads[-2:]
    for upload in (plain, with_transcripts):
        rows = list(csv.DictReader(io.StringIO(upload.data.decode("utf-8-sig"))))
        assert len(rows) == 6
        assert_clean(rows)
    rows = list(csv.DictReader(io.StringIO(plain.data.decode("utf-8-sig"))))
    assert rows[3]["error_message"] == "boom\ufffd\ufffd"
    assert [row["duration_seconds"] for row in rows[1:3]] == ["", ""]


async def test_watching_an_odd_running_batch(app: SlackApp) -> None:
    app.bland.add_batch(odd_batch(LIVE_ODD, status="in-progress"))
    message = await app.reply(f"watch {LIVE_ODD}")
    check_message(message)
    assert "is watching batch" in message["text"], message["text"]
    for posted in app.slack.posted("C0CHANNEL"):
        assert_clean(posted)
    [watch] = await app.store.list_watches()
    assert watch.calls_total == OVER_INT4
