"""`/batches` and App Home list v1 and v2 batches together, through the real app."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.bland.batch_ids import is_v2_batch_id
from bot.demo.dataset_v2 import V2_FAILED_BATCH_ID, V2_RUNNING_BATCH_ID
from bot.demo.hostile_v2 import V2_HOSTILE_BATCH_ID
from tests.support.blockkit import check_message
from tests.support.slack_app import SlackApp, event

CAMPAIGN = "a2shduf92f74p8288c93nid5"
LIVE = "DemoLive00000040-gen-batch"
_DATE = re.compile(r"<!date\^(\d+)\^")


def entries(message: dict[str, Any]) -> dict[str, str]:
    """Each listed batch's id (its Open button) and its line, in order."""
    return {
        b["accessory"]["value"]: b["text"]["text"]
        for b in message["blocks"]
        if b.get("accessory", {}).get("action_id") == "batch_open"
    }


def dates(lines: list[str]) -> list[int]:
    return [int(found.group(1)) for line in lines if (found := _DATE.search(line))]


def contexts(message: dict[str, Any]) -> str:
    return json.dumps([b for b in message["blocks"] if b["type"] == "context"])


async def test_batches_lists_v1_and_v2_newest_first_each_with_its_status(app: SlackApp) -> None:
    message = await app.reply("", command="/batches")
    check_message(message)
    listed = entries(message)
    v2 = [batch_id for batch_id in listed if is_v2_batch_id(batch_id)]
    assert v2 and len(v2) < len(listed)
    assert V2_RUNNING_BATCH_ID in v2 and LIVE in listed
    when = dates(list(listed.values()))
    assert when == sorted(when, reverse=True)
    assert ":calendar: Waiting for scheduled calls" in listed[V2_RUNNING_BATCH_ID]
    assert ":x: Failed" in listed[V2_FAILED_BATCH_ID]
    # An unknown state is shown as it came, escaped.
    assert ":grey_question: quantum_flux" in listed[V2_HOSTILE_BATCH_ID]
    assert app.bland.requests_to("/v1/batches")[0].query == {"limit": "21"}
    assert app.bland.requests_to("/v2/batches/list")[0].query == {"take": "21"}
    logs = {r.path for r in app.bland.requests if r.path.endswith("/logs")}
    assert logs == {f"/v2/batches/{batch_id}/logs" for batch_id in v2}
    assert not any(r.path.startswith("/v1/calls") for r in app.bland.requests)


async def test_next_page_walks_both_lists_without_gaps_or_repeats(app: SlackApp) -> None:
    message = await app.reply("limit:4", command="/batches")
    seen: list[str] = []
    lines: list[str] = []
    pages = 0
    while True:
        check_message(message)
        pages += 1
        listed = entries(message)
        assert 1 <= len(listed) <= 4
        seen.extend(listed)
        lines.extend(listed.values())
        last = message["blocks"][-1]
        if last["type"] != "actions":
            break
        button = last["elements"][0]
        assert button["action_id"] == "batches_page"
        assert button["value"].startswith("from:") and " v2from:" in button["value"]
        _, token = await app.click("batches_page", button["value"])
        message = (await app.slack.wait_for_response(token))[0]
    everything = set(app.bland.dataset.batches) | set(app.bland.v2_dataset.ids())
    assert len(seen) == len(set(seen)) == len(everything)
    assert set(seen) == everything
    assert pages == -(-len(everything) // 4)
    when = dates(lines)
    assert when == sorted(when, reverse=True)


async def test_a_campaign_lists_v1_only_and_says_why(app: SlackApp) -> None:
    message = await app.reply(f"campaign:{CAMPAIGN}", command="/batches")
    check_message(message)
    assert "v2 batches have no campaigns, so only v1 batches are listed." in contexts(message)
    assert entries(message) and not any(is_v2_batch_id(b) for b in entries(message))
    assert app.bland.count("/v2/batches/list") == 0


async def test_paging_only_v1_can_do_lists_v1_only_and_says_why(app: SlackApp) -> None:
    for text in ("asc", "from:2", "to:3"):
        message = await app.reply(text, command="/batches")
        check_message(message)
        assert "page Bland's v1 list only, so v2 batches are left out" in contexts(message)
        assert not any(is_v2_batch_id(b) for b in entries(message))
    assert app.bland.count("/v2/batches/list") == 0


async def test_a_failing_v2_list_leaves_the_v1_list(app: SlackApp) -> None:
    app.bland.fail_next(5, status=503, path="/v2/batches/list")
    message = await app.reply("", command="/batches")
    check_message(message)
    assert ":warning: v2 batches could not be listed: Bland is having trouble (HTTP 503)" in (
        contexts(message)
    )
    assert LIVE in entries(message)
    assert not any(is_v2_batch_id(b) for b in entries(message))


async def test_a_failing_v2_log_leaves_that_status_unknown(app: SlackApp) -> None:
    app.bland.fail_next(1, status=500, path=f"/v2/batches/{V2_RUNNING_BATCH_ID}/logs")
    message = await app.reply("", command="/batches")
    check_message(message)
    listed = entries(message)
    assert ":grey_question: status unknown" in listed[V2_RUNNING_BATCH_ID]
    assert ":x: Failed" in listed[V2_FAILED_BATCH_ID]


async def test_home_lists_v2_batches_too_without_asking_their_statuses(app: SlackApp) -> None:
    assert await event(app, {"type": "app_home_opened", "user": "U0MEMBER", "tab": "home"}) == 200
    await app.slack.wait_for("views.publish")
    view = app.slack.views["U0MEMBER"]
    check_message({"text": "home", "blocks": view["blocks"]}, max_blocks=100)
    opened = [
        b["accessory"]["value"]
        for b in view["blocks"]
        if b.get("accessory", {}).get("action_id") == "batch_open"
    ]
    assert V2_RUNNING_BATCH_ID in opened and LIVE in opened
    assert not any(r.path.endswith("/logs") for r in app.bland.requests)
    assert app.bland.requests_to("/v2/batches/list")[0].query == {"take": "15"}
