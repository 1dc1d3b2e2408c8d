"""`/batch call` and the Open call button, through the real app against the stand-ins:
a call with every field Bland documents and one with most left out, v1 and v2, by id
alone or by its first characters within a batch; hostile text and recording addresses;
forged button values; and the recording kept out of channels and logs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.demo.batches import DemoBatch
from bot.demo.dataset_v2 import V2_FINISHED_BATCH_ID
from bot.demo.details import make_batch
from bot.logs import configure_logging
from tests.support.blockkit import check_message
from tests.support.slack_app import SlackApp

SMALL = "DemoSmall0000003-gen-batch"
SPARSE = "DemoSparse000001-gen-batch"
BARE_CALL = "0b1c2d3e-0000-4000-8000-00000000bare"
RECORDING = "https://recordings.example.com/calls/secret-recording.mp3?sig=abc"
EVIL = "<!channel> <@U123> <https://evil.example|click> & *bold* `tick`"
FORGED = "That button's data isn't valid, so nothing was done. Try the command again."


def first_call(app: SlackApp, batch_id: str = SMALL) -> dict[str, Any]:
    call: dict[str, Any] = app.bland.dataset[batch_id].calls[0]
    return call


def give_every_field(call: dict[str, Any], **changes: Any) -> None:
    every = {
        "summary": "Sam wants a call back on Tuesday.",
        "recording_url": RECORDING,
        "price": 0.27,
        "call_ended_by": "ASSISTANT",
        "variables": {"name": "Sam", "callback_day": "Tuesday", "interested": True},
        "answered_by": "human",
    }
    call.update({**every, **changes})


def dumped(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def fields(message: dict[str, Any]) -> list[str]:
    return [f["text"] for b in message["blocks"] for f in b.get("fields", [])]


def sections(message: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in message["blocks"] if b["type"] == "section" and "text" in b]


async def test_a_call_with_every_field_by_its_prefix_in_a_batch(app: SlackApp) -> None:
    call = first_call(app)
    give_every_field(call)
    call_id = call["call_id"]
    message = await app.reply(f"call {SMALL} {call_id[:8]}")
    check_message(message)
    assert message["response_type"] == "ephemeral"
    assert message["text"].startswith(f"Call {call_id}, answered by human, ")
    assert fields(message)[:2] == ["*Answered by*\nhuman", "*Ended by*\nthe agent"]
    assert fields(message)[2].startswith("*Duration*\n")
    assert "*Price*\n$0.27" in fields(message)
    assert "*Summary*\nSam wants a call back on Tuesday." in sections(message)
    assert "*Variables*\n`name` Sam\n`callback_day` Tuesday\n`interested` yes" in sections(message)
    [button] = [b["accessory"] for b in message["blocks"] if "url" in b.get("accessory", {})]
    assert button["url"] == RECORDING
    assert "*Transcript*" in sections(message)
    assert app.bland.count(f"/v1/calls/{call_id}") == 1
    # The transcript is read from the call, never by asking for the batch's transcripts.
    assert all(r.query.get("include_transcripts") != "true" for r in app.bland.requests)


async def test_a_call_by_its_id_alone_leads_back_to_its_batch(app: SlackApp) -> None:
    call = first_call(app)
    give_every_field(call)
    message = await app.reply(f"call {call['call_id']}")
    check_message(message)
    assert f"batch `{SMALL}`" in message["blocks"][1]["elements"][0]["text"]
    assert message["blocks"][-1]["elements"][-1]["value"] == f"calls {SMALL} 1"
    # Asked of Bland by its id alone: no batch was read.
    assert app.bland.count("/v1/batches") == 0


async def test_a_call_with_most_fields_missing(app: SlackApp) -> None:
    detail = make_batch(SPARSE, calls=2, seed=3, errors=0, label="Sparse")
    bare = {"call_id": BARE_CALL, "summary": None, "call_ended_by": None, "variables": None}
    detail["call_data"].append(bare)
    app.bland.dataset.add(DemoBatch(detail))
    for text in (f"call {SPARSE} {BARE_CALL[:8]}", f"call {BARE_CALL}"):
        message = await app.reply(text)
        check_message(message)
        assert message["text"] == f"Call {BARE_CALL}"
        assert fields(message) == []
        assert sections(message) == ["_This call has no transcript._"]
        for missing in ("None", "null", "Summary", "Recording", "Price", "Variables", "to `"):
            assert missing not in dumped(message)


async def test_the_open_call_button_of_the_calls_page_opens_the_call(app: SlackApp) -> None:
    give_every_field(first_call(app))
    calls = await app.reply(f"calls {SMALL}")
    buttons = [b["accessory"] for b in calls["blocks"] if b.get("accessory")]
    assert {b["text"]["text"] for b in buttons} == {"Open call"}
    opened = next(b for b in buttons if b["value"].endswith(first_call(app)["call_id"]))
    status, token = await app.click(opened["action_id"], opened["value"])
    assert status == 200
    message = (await app.slack.wait_for_response(token))[0]
    check_message(message)
    assert message["replace_original"] is True
    assert "*Summary*\nSam wants a call back on Tuesday." in sections(message)


async def test_a_long_transcript_pages_through_the_call_buttons(app: SlackApp) -> None:
    call = first_call(app)
    call["transcripts"] = [
        {"id": i, "text": f"line {i} " + "words " * 100, "user": "user", "c_id": call["call_id"]}
        for i in range(120)
    ]
    message = await app.reply(f"call {SMALL} {call['call_id'][:8]}")
    check_message(message)
    later = message["blocks"][-1]["elements"][0]
    assert later["text"]["text"] == "Later ›"
    status, token = await app.click(later["action_id"], later["value"])
    assert status == 200
    page = (await app.slack.wait_for_response(token))[0]
    check_message(page)
    assert "Transcript page 2 of" in dumped(page)
    assert not any(s.startswith("*Summary*") for s in sections(page))


async def test_a_v2_call_by_prefix_and_from_its_calls_page(app: SlackApp) -> None:
    raw = app.bland.v2_dataset[V2_FINISHED_BATCH_ID].calls
    call = next(c for c in raw if c["answered_by"] == "human")
    message = await app.reply(f"call {V2_FINISHED_BATCH_ID} {call['call_id'][:8]}")
    check_message(message)
    assert message["text"].startswith(f"Call {call['call_id']}, answered by human")
    assert "*Summary*" in dumped(message)
    calls = await app.reply(f"calls {V2_FINISHED_BATCH_ID} human")
    values = [b["accessory"]["value"] for b in calls["blocks"] if b.get("accessory")]
    assert f"call {V2_FINISHED_BATCH_ID} {call['call_id']}" in values


async def test_a_v1_call_bland_will_not_read_alone_comes_from_its_batch(app: SlackApp) -> None:
    call = first_call(app)
    app.bland.fail_next(5, status=404, path=f"/v1/calls/{call['call_id']}")
    message = await app.reply(f"call {SMALL} {call['call_id'][:8]}")
    check_message(message)
    assert "*Transcript*" in sections(message)
    assert "*Summary*" not in dumped(message)  # the batch has no summary
    [full] = [r for r in app.bland.requests if r.query.get("include_transcripts") == "true"]
    assert full.path == f"/v1/batches/{SMALL}"


async def test_unknown_and_ambiguous_calls_are_explained(app: SlackApp) -> None:
    missing = await app.reply("call 99999999-0000-4000-8000-000000000000")
    assert missing["text"] == "Bland has no batch or call `99999999-0000-4000-8000-000000000000`."
    not_in_batch = await app.reply(f"call {SMALL} zzzzzzzz")
    assert not_in_batch["text"] == "No call in this batch has an id starting with `zzzzzzzz`."
    short = await app.reply(f"call {SMALL} abc")
    assert "Give at least 8 characters of the call id." in dumped(short)


async def test_hostile_text_and_a_hostile_recording_address(app: SlackApp) -> None:
    call = first_call(app)
    give_every_field(
        call,
        summary=EVIL,
        call_ended_by=EVIL,
        variables={EVIL: EVIL},
        recording_url="javascript:alert(document.cookie)",
        answered_by=EVIL,
    )
    message = await app.reply(f"call {SMALL} {call['call_id'][:8]}")
    check_message(message)  # no unescaped markup: no pings, no disguised links
    assert "javascript" not in dumped(message)
    assert '"url"' not in dumped(message)
    assert "isn't an https link, so it isn't offered" in dumped(message)


@pytest.mark.parametrize(
    "value",
    [
        f"call {SMALL} abc",
        f"call {SMALL} <!here>xxxxxxx",
        "call ../../../v1/batches",
        f"calls {SMALL} 1",
        f"transcript {SMALL} 12345678",
        f"call {SMALL} 12345678 2 3",
        f"stop {SMALL}",
        None,
    ],
)
async def test_forged_open_call_values_change_nothing(app: SlackApp, value: str | None) -> None:
    status, token = await app.click("call_open", value)
    assert status == 200
    message = (await app.slack.wait_for_response(token))[0]
    check_message(message)
    assert message["text"] == FORGED
    assert app.bland.requests == []


async def test_the_recording_is_only_ever_in_the_private_reply(app: SlackApp) -> None:
    call = first_call(app)
    give_every_field(call)
    # Clicked in a message the whole channel sees: the call still goes to the clicker alone.
    status, token = await app.click("call_open", f"call {SMALL} {call['call_id']}", ephemeral=False)
    assert status == 200
    message = (await app.slack.wait_for_response(token))[0]
    assert message["response_type"] == "ephemeral"
    assert message["replace_original"] is False
    assert RECORDING in dumped(message)
    assert app.slack.posted() == []
    # A click on the link button itself is acknowledged, and nothing else happens.
    status, _ = await app.click("call_recording", url=RECORDING)
    assert status == 200
    assert app.slack.posted() == []


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """The app's own logging at DEBUG, into a buffer; the root logger restored after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    loggers = {name: logging.getLogger(name).level for name in ("slack_sdk",)}
    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream)
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, was in loggers.items():
        logging.getLogger(name).setLevel(was)


async def test_the_recording_never_reaches_the_logs(app: SlackApp, debug_log: io.StringIO) -> None:
    call = first_call(app)
    give_every_field(call)
    message = await app.reply(f"call {SMALL} {call['call_id'][:8]}")
    assert RECORDING in dumped(message)
    await app.click("call_recording", url=RECORDING)
    logged = debug_log.getvalue()
    assert logged, "nothing was logged at DEBUG: the check would prove nothing"
    leaks = [line[:160] for line in logged.splitlines() if "secret-recording" in line]
    assert leaks == []


async def test_a_negative_duration_is_left_out_not_shown(app: SlackApp) -> None:
    # No call lasts less than nothing: Bland's -100 says it doesn't know, like null.
    call = first_call(app)
    give_every_field(call, corrected_duration=-100, call_length=-2)
    message = await app.reply(f"call {SMALL} {call['call_id'][:8]}")
    check_message(message)
    assert not [f for f in fields(message) if f.startswith("*Duration*")]
    assert "-100" not in dumped(message) and "-120" not in dumped(message)
    assert message["text"] == f"Call {call['call_id']}, answered by human"
