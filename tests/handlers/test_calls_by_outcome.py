"""`/batch calls <id> human|voicemail|no-answer|errors|long` and the summary's buttons that
open those lists, through the real app against the stand-ins."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.demo.batches import DemoBatch
from bot.demo.dataset_v2 import V2_FINISHED_BATCH_ID
from bot.demo.details import make_batch
from tests.support.blockkit import check_message
from tests.support.slack_app import SlackApp

MIXED = "DemoMixed0000060-gen-batch"
OUTCOMES = ["human", "voicemail", "no-answer", "errors", "long"]


def add_mixed(app: SlackApp) -> list[dict[str, Any]]:
    """A finished batch of 60 calls of every kind, some errored; its raw calls."""
    detail = make_batch(MIXED, calls=60, seed=5, errors=4, label="Mixed")
    app.bland.dataset.add(DemoBatch(detail))
    calls: list[dict[str, Any]] = detail["call_data"]
    return calls


def expected(calls: list[dict[str, Any]], outcome: str) -> list[str]:
    """The calls of `outcome`, from Bland's raw fields, as README defines each."""

    def seconds(call: dict[str, Any]) -> float:
        return float(call["corrected_duration"])

    if outcome == "errors":
        chosen = [c for c in calls if c["error_message"] or c["queue_status"] == "call_error"]
    elif outcome == "long":
        chosen = sorted((c for c in calls if seconds(c) >= 60), key=lambda c: -seconds(c))
    else:
        chosen = [c for c in calls if c["answered_by"] == outcome]
    return [c["call_id"] for c in chosen]


def listed(message: dict[str, Any]) -> list[str]:
    """The call ids a calls page shows, in order, from their Open call buttons."""
    ids = []
    for block in message["blocks"]:
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == "call_open":
            ids.append(accessory["value"].split()[-1])
    return ids


def nav(message: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """The last actions block's buttons: label -> (action_id, value)."""
    return {
        e["text"]["text"]: (e["action_id"], e.get("value", ""))
        for e in message["blocks"][-1]["elements"]
    }


async def every_page(app: SlackApp, first: dict[str, Any]) -> list[str]:
    """The call ids of `first` and of every page its Next buttons lead to, clicked."""
    shown, message = listed(first), first
    while "Next ›" in nav(message):
        action_id, value = nav(message)["Next ›"]
        status, token = await app.click(action_id, value)
        assert status == 200
        message = (await app.slack.wait_for_response(token))[0]
        check_message(message)
        assert message["replace_original"] is True
        shown += listed(message)
    return shown


@pytest.mark.parametrize("outcome", OUTCOMES)
async def test_each_filter_lists_only_those_calls_on_every_page(
    app: SlackApp, outcome: str
) -> None:
    calls = add_mixed(app)
    wanted = expected(calls, outcome)
    assert wanted, f"the demo batch has no {outcome} calls to list"
    first = await app.reply(f"calls {MIXED} {outcome}")
    check_message(first)
    assert first["response_type"] == "ephemeral"
    shown = await every_page(app, first)
    assert shown == wanted
    # The paging buttons kept the filter: every page was asked of the same filter.
    if len(wanted) > 15:
        assert nav(first)["Next ›"][1] == f"calls {MIXED} {outcome} 2"


async def test_a_batch_read_in_many_slices_is_filtered_across_all_of_them(
    app: SlackApp,
) -> None:
    """A v1 batch's calls are read a slice at a time (~256 kB each): the long calls of
    a 3,000-call batch, longest first, come from every slice, not just one."""
    big = "DemoMixed0003000-gen-batch"
    detail = make_batch(big, calls=3000, seed=11, errors=40, label="Big")
    app.bland.dataset.add(DemoBatch(detail))
    assert len(json.dumps(detail["call_data"])) > 4 * 256 * 1024
    wanted = expected(detail["call_data"], "long")
    message = await app.reply(f"calls {big} long")
    check_message(message)
    assert listed(message) == wanted[:15]
    count = len(wanted)
    assert f"of {count:,} lasting a minute or more" in message["blocks"][1]["elements"][0]["text"]
    last = await app.reply(f"calls {big} long 99999")
    assert listed(last) == wanted[(count - 1) // 15 * 15 :]


async def test_long_calls_come_longest_first_and_the_page_says_which_calls(
    app: SlackApp,
) -> None:
    calls = add_mixed(app)
    message = await app.reply(f"calls {MIXED} LONG")
    check_message(message)
    assert message["blocks"][0]["text"]["text"] == "Long calls, longest first · Mixed"
    count = len(expected(calls, "long"))
    context = message["blocks"][1]["elements"][0]["text"]
    assert f"of {count} lasting a minute or more, longest first" in context
    assert nav(message)["All calls"] == ("batch_calls", f"calls {MIXED} 1")
    assert nav(message)["Summary"] == ("batch_open", MIXED)


async def test_page_and_filter_in_either_order(app: SlackApp) -> None:
    calls = add_mixed(app)
    one = await app.reply(f"calls {MIXED} human 2")
    other = await app.reply(f"calls {MIXED} 2 human")
    assert listed(one) == listed(other) == expected(calls, "human")[15:30]
    assert nav(one)["‹ Previous"] == ("batch_calls", f"calls {MIXED} human 1")


async def test_a_filter_no_call_matches_says_so(app: SlackApp) -> None:
    detail = make_batch(MIXED, calls=3, seed=5, errors=0, label="Mixed")
    app.bland.dataset.add(DemoBatch(detail))
    message = await app.reply(f"calls {MIXED} errors")
    check_message(message)
    assert message["text"] == f"Batch {MIXED} has no calls with an error."
    assert nav(message)["All calls"] == ("batch_calls", f"calls {MIXED} 1")


@pytest.mark.parametrize("word", ["humans", "<!channel>", "answered", "error;", "long long"])
async def test_an_unknown_filter_is_explained_and_changes_nothing(app: SlackApp, word: str) -> None:
    add_mixed(app)
    message = await app.reply(f"calls {MIXED} {word}")
    check_message(message)
    assert message["response_type"] == "ephemeral"
    text = json.dumps(message, ensure_ascii=False)
    assert "`human`, `voicemail`, `no-answer`, `errors`, `long`" in text or (
        "Name one kind of call at a time" in text
    )
    assert app.bland.requests == []
    assert await app.store.list_watches() == []


async def test_the_summary_has_a_button_per_outcome_that_had_calls(app: SlackApp) -> None:
    calls = add_mixed(app)
    summary = await app.reply(MIXED)
    check_message(summary)
    [kinds] = [
        b
        for b in summary["blocks"]
        if b["type"] == "actions" and any("· " in e["text"]["text"] for e in b["elements"])
    ]
    buttons = [(e["text"]["text"], e["value"]) for e in kinds["elements"]]
    labels = {
        "human": "Person",
        "voicemail": "Voicemail",
        "no-answer": "No answer",
        "errors": "Errors",
        "long": "Long (1 min+)",
    }
    assert buttons == [
        (f"{labels[o]} · {len(expected(calls, o))}", f"calls {MIXED} {o} 1") for o in OUTCOMES
    ]
    # Each button of the block has its own action_id, as Slack requires.
    action_ids = [e["action_id"] for e in kinds["elements"]]
    assert action_ids[0] == "batch_calls" and len(set(action_ids)) == len(action_ids)
    voicemail = kinds["elements"][1]
    status, token = await app.click(voicemail["action_id"], voicemail["value"], ephemeral=False)
    assert status == 200
    message = (await app.slack.wait_for_response(token))[0]
    check_message(message)
    assert message["response_type"] == "ephemeral"
    assert listed(message) == expected(calls, "voicemail")[:15]


async def test_only_outcomes_with_calls_get_a_button(app: SlackApp) -> None:
    detail = make_batch(MIXED, calls=4, seed=5, errors=0, label="Mixed")
    for call in detail["call_data"]:
        call.update(answered_by="voicemail", corrected_duration="20", call_length=0.33)
    app.bland.dataset.add(DemoBatch(detail))
    summary = await app.reply(MIXED)
    check_message(summary)
    texts = [
        e["text"]["text"]
        for b in summary["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert "Voicemail · 4" in texts
    assert not any(t.startswith(("Person", "No answer", "Errors", "Long")) for t in texts)


async def test_a_v2_batch_is_filtered_the_same_way(app: SlackApp) -> None:
    raw = app.bland.v2_dataset[V2_FINISHED_BATCH_ID].calls
    message = await app.reply(f"calls {V2_FINISHED_BATCH_ID} human")
    check_message(message)
    # Bland's call list has its own order: the filter keeps it, so compare the calls.
    humans = sorted(c["call_id"] for c in raw if c["answered_by"] == "human")
    assert humans and sorted(listed(message)) == humans
    errors = await app.reply(f"calls {V2_FINISHED_BATCH_ID} errors")
    assert sorted(listed(errors)) == sorted(expected(raw, "errors"))


@pytest.mark.parametrize(
    "value",
    [
        f"calls {MIXED} humans 1",
        f"calls {MIXED} human human",
        f"calls {MIXED} human 1 2",
        f"call {MIXED} human",
        f"calls {MIXED} <!here>",
    ],
)
async def test_forged_filter_values_change_nothing(app: SlackApp, value: str) -> None:
    status, token = await app.click("batch_calls", value)
    assert status == 200
    message = (await app.slack.wait_for_response(token))[0]
    check_message(message)
    assert message["text"] == (
        "That button's data isn't valid, so nothing was done. Try the command again."
    )
    assert app.bland.requests == []


async def test_a_repeated_buttons_numbered_action_id_is_answered(app: SlackApp) -> None:
    calls = add_mixed(app)
    status, token = await app.click("batch_calls#2", f"calls {MIXED} human 2")
    assert status == 200
    message = (await app.slack.wait_for_response(token))[0]
    assert listed(message) == expected(calls, "human")[15:30]
