"""The list, calls, picker, transcript, help and watch messages."""

from __future__ import annotations

from bot.bland.models import Call, TranscriptLine
from bot.bland.view import view_of_v1
from formatters.batch_list import batch_list
from formatters.calls import calls_page, transcript_picker
from formatters.help import help_message
from formatters.transcript import CallFacts, transcript
from tests.support import examples
from tests.support.blockkit import check_message
from tests.support.examples import BATCH_ID, CALL, CALL_ID


def test_batch_list_documented_example() -> None:
    message = batch_list([view_of_v1(b) for b in examples.batch_list().batches], show_status=False)
    check_message(message)
    assert message.text == "1 batch, newest first"
    assert message.blocks[1]["elements"][0]["text"] == "Showing 1–1, newest first"
    entry = message.blocks[2]
    assert entry["text"]["text"] == (
        "*Subscription Renewal Reminders*\n`ZfowpkhOSVCZJ94i-gen-batch` · created "
        "<!date^1700172864^{date_short_pretty} {time}|2023-11-16 22:14 UTC> · "
        "campaign `a2shduf92f74p8288c93nid5`"
    )
    assert entry["accessory"]["value"] == "ZfowpkhOSVCZJ94i-gen-batch"


def test_batch_list_paging_and_empty() -> None:
    batches = [view_of_v1(b) for b in examples.batch_list().batches] * 20
    message = batch_list(
        batches, show_status=False, start=20, has_more=True, next_page="from:40 limit:20 desc"
    )
    check_message(message)
    assert (
        message.blocks[1]["elements"][0]["text"] == "Showing 21–40, newest first · more available"
    )
    assert message.blocks[-1]["elements"][0]["value"] == "from:40 limit:20 desc"
    empty = batch_list([], campaign_id="c1")
    check_message(empty)
    assert empty.text == "No batches found in campaign `c1`."


def test_calls_page() -> None:
    calls = [Call.model_validate({**CALL, "call_id": f"{i:08d}-call"}) for i in range(40)]
    message = calls_page(calls, batch_id=BATCH_ID, label="Follow-up", page=2)
    check_message(message)
    assert message.blocks[0]["text"]["text"] == "Calls · Follow-up"
    assert message.blocks[1]["elements"][0]["text"] == (
        "`AAcQq8zXxLB56LWg-gen-batch` · calls 16–30 of 40 · page 2 of 3"
    )
    first = message.blocks[2]
    assert first["text"]["text"] == "`00000015-call` → `1112223333`\ncompleted · voicemail · 12 s"
    # The Transcript button became Open call: the whole call, its transcript included.
    assert first["accessory"]["value"] == f"call {BATCH_ID} 00000015-call"
    assert first["accessory"]["text"]["text"] == "Open call"
    assert first["accessory"]["action_id"] == "call_open"
    nav = [(b["text"]["text"], b["value"]) for b in message.blocks[-1]["elements"]]
    assert nav == [
        ("‹ Previous", f"calls {BATCH_ID} 1"),
        ("Next ›", f"calls {BATCH_ID} 3"),
        ("Summary", BATCH_ID),
    ]
    past_end = calls_page(calls, batch_id=BATCH_ID, label=None, page=99)
    assert "page 3 of 3" in past_end.blocks[1]["elements"][0]["text"]


def test_transcript_documented_example() -> None:
    lines = Call.model_validate(CALL).transcripts
    facts = CallFacts(call_id=CALL_ID, to="1112223333", answered_by="voicemail")
    message = transcript(lines, batch_id=BATCH_ID, call=facts)
    check_message(message)
    assert message.blocks[2]["text"]["text"] == (
        "`0:00` :robot_face: *Agent*  Hi, Im calling about the laundromat for sale. —\n"
        "`0:04` :bust_in_silhouette: *Callee*  I'll get back to you as soon as you can. "
        "Just leave a message. Thank you. Bye.\n"
        "`0:06` :gear: _System action_  _Ended call: Goodbye_"
    )


def test_long_transcript_is_paged_and_hostile_text_escaped() -> None:
    lines = [
        TranscriptLine(
            id=str(i),
            created_at=f"2023-12-16T00:{i // 60 % 60:02d}:{i % 60:02d}+00:00",
            text=f"<!channel> line {i} " + "words " * 80,
            user="user" if i % 2 else "assistant",
        )
        for i in range(300)
    ]
    first = transcript(lines, batch_id=BATCH_ID, call=CallFacts(call_id=CALL_ID), page=1)
    check_message(first)
    nav = first.blocks[-1]["elements"]
    assert nav[0]["text"]["text"] == "Later ›"
    assert nav[0]["value"] == f"transcript {BATCH_ID} {CALL_ID} 2"
    pages = int(first.blocks[-2]["elements"][0]["text"].split()[-1])
    last = transcript(lines, batch_id=BATCH_ID, call=CallFacts(call_id=CALL_ID), page=pages)
    check_message(last)
    assert "line 299" in str(last.blocks)
    assert "&lt;!channel&gt;" in str(first.blocks)


def test_picker_prefers_people_and_long_calls() -> None:
    calls = [
        Call.model_validate(
            {**CALL, "call_id": f"call-{i:04d}", "answered_by": a, "corrected_duration": d}
        )
        for i, (a, d) in enumerate([("voicemail", "90"), ("human", "30"), ("human", "60")] * 50)
    ]
    message = transcript_picker(calls, batch_id=BATCH_ID, label=None)
    check_message(message)
    options = message.blocks[2]["elements"][0]["options"]
    assert len(options) == 100
    assert options[0]["text"]["text"] == "1112223333 · 1 min 00 s · human"
    assert message.blocks[2]["block_id"] == f"pick:{BATCH_ID}"


def test_help_lists_every_subcommand() -> None:
    message = help_message()
    check_message(message)
    usage = message.blocks[1]["text"]["text"]
    for word in ("calls", "transcript", "watch", "unwatch", "watches", "/batches"):
        assert word in usage


def test_help_says_where_an_export_goes() -> None:
    usage = help_message().blocks[1]["text"]["text"]
    assert (
        "`/batch export &lt;batch_id&gt; [transcripts] [here]`\n"
        "The calls as a CSV file, sent to you by DM; with `here`, posted in this channel."
    ) in usage


def test_help_names_v2_ids_and_what_v2_lacks() -> None:
    message = help_message()
    check_message(message)
    usage, notes = message.blocks[1]["text"]["text"], message.blocks[2]["elements"]
    assert "List v1 and v2 batches together, newest first" in usage
    assert "(v1 batches only)" in usage
    assert notes[0]["text"] == (
        "Batch ids look like `AAcQq8zXxLB56LWg-gen-batch` (v1) or a UUID like "
        "`8b8e8c57-9e6e-4e4d-84d2-9826b2268c22` (v2)."
    )
    assert notes[1]["text"].startswith("v2 batches have no campaigns and no call analysis.")


def test_help_shows_one_call_and_the_calls_filters() -> None:
    message = help_message()
    check_message(message)
    usage = message.blocks[1]["text"]["text"]
    assert (
        "`/batch calls &lt;batch_id&gt; human|voicemail|no-answer|errors|long [page]`\n"
        "Only the calls answered by a person, by voicemail, not answered, with an error, "
        "or of a minute or more (longest first). E.g. `/batch calls &lt;batch_id&gt; human`."
    ) in usage
    assert "`/batch call &lt;call_id&gt;`\nOne call whole, to you alone:" in usage
    assert "`/batch call &lt;batch_id&gt; &lt;call_id&gt;`" in usage
