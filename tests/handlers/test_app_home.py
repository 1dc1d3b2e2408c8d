"""App Home: the Home tab, its menus, and modals for clicks that have no response_url."""

from __future__ import annotations

import json

from tests.support.blockkit import check_message
from tests.support.slack_app import SlackApp, event

LIVE = "DemoLive00000040-gen-batch"
SMALL = "DemoSmall0000003-gen-batch"


def home_click(
    app: SlackApp, action: dict[str, object], *, user_id: str = "U0MEMBER"
) -> dict[str, object]:
    return {
        "type": "block_actions",
        "team": {"id": "T0STANDIN"},
        "user": {"id": user_id, "team_id": "T0STANDIN"},
        "api_app_id": "A0APP",
        "trigger_id": "1.2.home",
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home"},
        "actions": [{"block_id": "b", "action_ts": "1", **action}],
    }


async def send(app: SlackApp, payload: dict[str, object]) -> int:
    from urllib.parse import urlencode

    status, _ = await app.post(
        urlencode({"payload": json.dumps(payload)}),
        content_type="application/x-www-form-urlencoded",
    )
    return status


async def test_home_shows_my_watches_and_latest_batches(app: SlackApp) -> None:
    await app.reply(f"watch {LIVE}", channel_id="C0TEAM")
    assert await event(app, {"type": "app_home_opened", "user": "U0MEMBER", "tab": "home"}) == 200
    await app.slack.wait_for("views.publish")
    view = app.slack.views["U0MEMBER"]
    assert view["type"] == "home"
    assert 1 <= len(view["blocks"]) <= 100
    check_message({"text": "home", "blocks": view["blocks"]}, max_blocks=100)
    text = json.dumps(view["blocks"])
    assert "<#C0TEAM>" in text and LIVE in text
    menu = next(
        b["accessory"] for b in view["blocks"] if b.get("accessory", {}).get("type") == "overflow"
    )
    assert [o["value"] for o in menu["options"]] == [LIVE, f"unwatch {LIVE} in:C0TEAM"]
    assert "Latest batches" in text
    assert "24/40" in text  # progress from the watch's counts


async def test_home_menu_opens_a_modal_with_the_summary(app: SlackApp) -> None:
    option = {"text": {"type": "plain_text", "text": "Open"}, "value": SMALL}
    await send(
        app,
        home_click(
            app, {"action_id": "home_watch_menu", "type": "overflow", "selected_option": option}
        ),
    )
    await app.slack.wait_for("views.update")
    opened = app.slack.last("views.open")
    assert opened.params["trigger_id"] == "1.2.home"
    modal = next(iter(app.slack.modals.values()))
    assert modal["type"] == "modal" and len(modal["title"]["text"]) <= 24
    assert "Subscription Renewal Reminders" in json.dumps(modal["blocks"])


async def test_home_unwatch_only_removes_my_own_watch(app: SlackApp) -> None:
    await app.reply(f"watch {LIVE}", channel_id="C0TEAM", user_id="U0OWNER")
    option = {
        "text": {"type": "plain_text", "text": "Unwatch"},
        "value": f"unwatch {LIVE} in:C0TEAM",
    }
    await send(
        app,
        home_click(
            app, {"action_id": "home_watch_menu", "type": "overflow", "selected_option": option}
        ),
    )
    await app.slack.wait_for("views.update")
    assert "only remove watches you set up" in json.dumps(app.slack.modals)
    assert len(await app.store.list_watches(channel_id="C0TEAM")) == 1
    await send(
        app,
        home_click(
            app,
            {"action_id": "home_watch_menu", "type": "overflow", "selected_option": option},
            user_id="U0OWNER",
        ),
    )
    await app.slack.wait_for("views.update", 2)
    assert await app.store.list_watches(channel_id="C0TEAM") == []
    await app.slack.wait_for("views.publish")


async def test_channel_unwatch_from_a_message_cannot_name_another_channel(app: SlackApp) -> None:
    await app.reply(f"watch {LIVE}", channel_id="C0TEAM")
    _, token = await app.click("batch_unwatch", f"unwatch {LIVE} in:C0TEAM", channel_id="C0OTHER")
    reply = (await app.slack.wait_for_response(token))[0]
    assert "That button's data isn't valid" in reply["text"]
    assert len(await app.store.list_watches(channel_id="C0TEAM")) == 1


async def test_home_shows_the_digests_i_set_up(app: SlackApp) -> None:
    app.slack.add_user("U0PARIS", tz="Europe/Paris")
    await app.reply("digest weekly fri 16:00", channel_id="C0TEAM", user_id="U0PARIS")
    await app.reply("digest daily 08:00", channel_id="C0OTHER", user_id="U0MEMBER")
    assert await event(app, {"type": "app_home_opened", "user": "U0PARIS", "tab": "home"}) == 200
    await app.slack.wait_for("views.publish")
    view = app.slack.views["U0PARIS"]
    check_message({"text": "home", "blocks": view["blocks"]}, max_blocks=100)
    text = json.dumps(view["blocks"])
    assert "Your digests" in text
    assert "<#C0TEAM>" in text and "weekly on Friday at 16:00 (Europe/Paris)" in text
    assert "C0OTHER" not in text  # set up by someone else
