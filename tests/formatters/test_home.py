"""The App Home view: within Slack's limits, and every menu value the command it names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.storage.base import Watch, WatchKind, WatchState
from formatters import action_ids
from formatters.home import home_view
from handlers.commands_parser import ShowBatch, UnwatchBatch, parse_batch
from tests.support.blockkit import check_message


def watch(kind: WatchKind, target_id: str, channel_id: str) -> Watch:
    return Watch(
        channel_id=channel_id,
        kind=kind,
        target_id=target_id,
        label="Spring",
        created_by="U0MEMBER",
        created_at=datetime(2024, 5, 6, tzinfo=UTC),
        state=WatchState.ACTIVE,
        batch_status="in-progress",
    )


@pytest.mark.parametrize("kind", list(WatchKind))
@pytest.mark.parametrize("target_id", ["AAcQq8zXxLB56LWg-gen-batch", "L" * 128])
@pytest.mark.parametrize("channel_id", ["C0123ABCD", "C0123456789"])
def test_every_menu_value_is_the_whole_command(
    kind: WatchKind, target_id: str, channel_id: str
) -> None:
    """An option value cut to Slack's 150 characters would be another command: a 128-
    character id once sent 'unwatch <id> in:C012345678', another channel."""
    view = home_view([watch(kind, target_id, channel_id)], [])
    check_message({"text": "home", "blocks": view["blocks"]}, max_blocks=100)
    row = next(b for b in view["blocks"] if "Spring" in b.get("text", {}).get("text", ""))
    menu = row.get("accessory") or {"options": []}
    assert menu.get("action_id", action_ids.HOME_MENU) == action_ids.HOME_MENU
    requests = [parse_batch(option["value"]) for option in menu["options"]]
    assert all(
        request == ShowBatch(target_id) or request == UnwatchBatch(target_id, kind, channel_id)
        for request in requests
    )
    if UnwatchBatch(target_id, kind, channel_id) not in requests:
        # Then the row says how to unwatch instead.
        assert "/batch unwatch" in row["text"]["text"]
