"""`/batch call`: one call whole, with every field Bland documents, with most left out,
with hostile text and hostile recording addresses, and with a transcript too long for
one message."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.bland.models import CallDetail
from formatters.call import call_view
from formatters.links import https_link
from tests.support.blockkit import check_message
from tests.support.examples import BATCH_ID, CALL, CALL_ID

RECORDING = "https://recordings.example.com/calls/ffa99be3.mp3?sig=a%2Fb&x=1"
EVIL = "<!channel> <@U123> <https://evil.example|click> & *bold* `tick`"


def whole_call(**changes: Any) -> CallDetail:
    """The documented call with every field `GET /v1/calls/{id}` adds."""
    data = {
        **CALL,
        "batch_id": BATCH_ID,
        "summary": "The callee wants a follow-up next week.",
        "recording_url": RECORDING,
        "price": 0.12,
        "call_ended_by": "USER",
        "variables": {"name": "Ana", "wants_follow_up": True, "empty": "", "none": None},
        **changes,
    }
    return CallDetail.model_validate(data)


def texts(message: Any) -> list[str]:
    return [
        block.get("text", {}).get("text", "")
        for block in message.blocks
        if block["type"] == "section"
    ]


def test_a_call_with_every_field() -> None:
    message = call_view(whole_call(), call_id=CALL_ID, batch_id=BATCH_ID)
    check_message(message)
    assert message.text == f"Call {CALL_ID}, answered by voicemail, 12 s"
    assert message.blocks[0]["text"]["text"] == "Call"
    assert message.blocks[1]["elements"][0]["text"] == (
        f"`{CALL_ID}` · to `1112223333` · "
        "<!date^1702685842^{date_short_pretty} {time}|2023-12-16 00:17 UTC> · "
        f"batch `{BATCH_ID}`"
    )
    assert [f["text"] for f in message.blocks[2]["fields"]] == [
        "*Answered by*\nvoicemail",
        "*Ended by*\nthe callee",
        "*Duration*\n12 s",
        "*Price*\n$0.12",
        "*Status*\ncompleted",
    ]
    shown = texts(message)
    assert "*Summary*\nThe callee wants a follow-up next week." in shown
    # Values that say nothing (empty, null) are left out, never shown as "None".
    assert "*Variables*\n`name` Ana\n`wants_follow_up` yes" in shown
    recording = next(b for b in message.blocks if b.get("accessory", {}).get("url"))
    assert recording["accessory"]["url"] == RECORDING
    assert recording["accessory"]["text"]["text"] == "Play recording"
    assert shown[-2] == "*Transcript*"
    assert shown[-1].startswith("`0:00` :robot_face: *Agent*  Hi, Im calling")
    nav = message.blocks[-1]["elements"]
    assert [(b["text"]["text"], b["value"]) for b in nav] == [("Call list", f"calls {BATCH_ID} 1")]
    # The recording goes only in the button's url, never in text a notification shows.
    assert RECORDING not in message.text
    assert "None" not in json.dumps(message.blocks)


def test_a_call_with_most_fields_missing() -> None:
    message = call_view(CallDetail(call_id=CALL_ID), call_id=CALL_ID)
    check_message(message)
    assert message.text == f"Call {CALL_ID}"
    assert [b["type"] for b in message.blocks] == ["header", "context", "section"]
    assert message.blocks[1]["elements"][0]["text"] == f"`{CALL_ID}`"
    assert message.blocks[2]["text"]["text"] == "_This call has no transcript._"
    for missing in ("None", "null", "Summary", "Recording", "Price", "Variables", "Ended"):
        assert missing not in json.dumps(message.as_kwargs())


def test_fields_sent_empty_are_left_out_too() -> None:
    call = whole_call(summary="  ", recording_url="", call_ended_by="", variables={}, price=None)
    message = call_view(call, call_id=CALL_ID, batch_id=BATCH_ID)
    check_message(message)
    dumped = json.dumps(message.as_kwargs())
    for missing in ("Summary", "Recording", "Price", "Variables", "Ended by", "None"):
        assert missing not in dumped


def test_hostile_text_is_escaped_everywhere() -> None:
    call = whole_call(
        summary=EVIL,
        answered_by=EVIL,
        call_ended_by=EVIL,
        status=EVIL,
        error_message=EVIL,
        to=EVIL,
        variables={EVIL: EVIL, "nested": {"x": EVIL}},
    )
    message = call_view(call, call_id=CALL_ID, batch_id=BATCH_ID)
    check_message(message)  # no unescaped "<" or ">" anywhere: no pings, no links
    assert "&lt;!channel&gt;" in json.dumps(message.blocks)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)//https://x.example",
        "slack://channel?team=T1&id=C1",
        "http://recordings.example.com/a.mp3",
        "https://bland.ai@evil.example/a.mp3",
        "https://evil.example/<!here>",
        "https://evil.example/a|click",
        "https://evil example/a.mp3",
        "https://evil.example/\u202ea.mp3",
        "https:///no-host",
        "//evil.example/a.mp3",
        "https://evil.example:99999/a.mp3",
        "data:text/html,<script>alert(1)</script>",
        "https://" + "a" * 3000 + ".example",
    ],
)
def test_a_recording_address_that_is_not_plain_https_is_never_a_link(url: str) -> None:
    assert https_link(url) is None
    message = call_view(whole_call(recording_url=url), call_id=CALL_ID, batch_id=BATCH_ID)
    check_message(message)
    dumped = json.dumps(message.as_kwargs(), ensure_ascii=False)
    assert '"url"' not in dumped
    assert url not in dumped
    assert "isn't an https link, so it isn't offered" in dumped


def test_plain_https_addresses_are_links() -> None:
    for url in (RECORDING, "https://storage.googleapis.com/b/rec.wav", "HTTPS://x.example:8443/r"):
        assert https_link(url) == url


def test_a_long_transcript_with_every_field_is_paged_within_slacks_limits() -> None:
    lines = [
        {
            "id": i,
            "created_at": f"2023-12-16T00:{i // 60 % 60:02d}:{i % 60:02d}+00:00",
            "text": f"line {i} " + "words " * 80,
            "user": "user" if i % 2 else "assistant",
        }
        for i in range(300)
    ]
    call = whole_call(
        transcripts=lines,
        summary="s" * 5000,
        variables={f"v{i}": "x" * 500 for i in range(40)},
        error_message="e" * 2000,
    )
    first = call_view(call, call_id=CALL_ID, batch_id=BATCH_ID)
    check_message(first)
    assert "more than fits" not in json.dumps(first.blocks)
    pages = int(first.blocks[-2]["elements"][0]["text"].split()[-1])
    nav = first.blocks[-1]["elements"]
    assert (nav[0]["text"]["text"], nav[0]["value"]) == (
        "Later ›",
        f"call {BATCH_ID} {CALL_ID} 2",
    )
    seen = []
    for page in range(1, pages + 1):
        message = call_view(call, call_id=CALL_ID, batch_id=BATCH_ID, page=page)
        check_message(message)
        assert "more than fits" not in json.dumps(message.blocks)
        # Later pages carry the transcript alone; the facts are on the first.
        assert ("*Summary*" in json.dumps(message.blocks)) == (page == 1)
        seen += [
            int(line.split("line ")[1].split()[0])
            for text in texts(message)
            for line in text.split("\n")
            if "line " in line
        ]
    assert seen == list(range(300))
    past_end = call_view(call, call_id=CALL_ID, batch_id=BATCH_ID, page=10_000)
    assert f"Transcript page {pages} of {pages}" in json.dumps(past_end.blocks)


def test_without_a_batch_the_call_pages_by_its_id_alone() -> None:
    lines = [{"id": i, "text": "word " * 400, "user": "user"} for i in range(40)]
    message = call_view(CallDetail(call_id=CALL_ID, transcripts=lines), call_id=CALL_ID, page=2)
    check_message(message)
    values = [b["value"] for b in message.blocks[-1]["elements"]]
    assert values[0] == f"call {CALL_ID} 1"
    assert all(not v.startswith("calls ") for v in values)
