"""Button and menu clicks. Each value is command text, parsed and checked like typed input."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from bot.user_facing import UserFacingError
from formatters import action_ids
from handlers.answers import answer_batch, answer_batches
from handlers.commands_parser import (
    BatchRequest,
    ExportCsv,
    ListBatches,
    ListCalls,
    PickTranscript,
    ShowBatch,
    ShowCall,
    ShowTranscript,
    StopBatch,
    UnwatchBatch,
    UsageError,
    WatchBatch,
    parse_batch,
    parse_batches,
)
from handlers.delivery import Respond, reply_with
from handlers.home import publish_home, reply_in_view
from handlers.replies import Reply, Who

log = logging.getLogger(__name__)

# What each button may ask for; anything else in its value is a forgery or a bug.
EXPECTED: dict[str, type | tuple[type, ...]] = {
    action_ids.HOME_MENU: (ShowBatch, UnwatchBatch),
    action_ids.OPEN: ShowBatch,
    action_ids.REFRESH: ShowBatch,
    action_ids.CALLS: ListCalls,
    action_ids.TRANSCRIPTS: PickTranscript,
    action_ids.TRANSCRIPT: ShowTranscript,
    action_ids.CALL: ShowCall,
    action_ids.PICK_TRANSCRIPT: ShowTranscript,
    action_ids.WATCH: WatchBatch,
    action_ids.UNWATCH: UnwatchBatch,
    action_ids.EXPORT: ExportCsv,
    action_ids.STOP: StopBatch,
}


class ForgedClickError(UserFacingError):
    """A click whose value its button never carries: a forgery or a bug, so nothing is done."""

    default_message = "That button's data isn't valid, so nothing was done. Try the command again."


async def batch_action(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    context: AsyncBoltContext,
    client: AsyncWebClient | None = None,
) -> None:
    await ack()
    services: Services = context["services"]
    action_id = action_ids.base(str(action.get("action_id") or ""))
    text = _value(action_id, action)
    who = _who(body, context)
    # Navigation inside a private message replaces it; from a shared one it opens a new one.
    container = body.get("container") or {}
    in_place = bool(container.get("is_ephemeral"))
    in_view = container.get("type") == "view"

    def parse() -> BatchRequest:
        return _clicked(action_id, text, in_view=in_view)

    async def answer(request: BatchRequest) -> Reply:
        return await answer_batch(request, services, who, slack=client, clicked=True)

    if in_view and client is not None:
        await reply_in_view(
            client,
            body,
            lambda: answer(parse()),
            inflight=services.requests,
            admission=services.after_ack,
        )
        if text and text.startswith("unwatch "):
            await publish_home(client, services, who.user_id)
        return
    await reply_with(respond, parse, answer, services=services, replace_original=in_place)


def _clicked(action_id: str, text: str | None, *, in_view: bool) -> BatchRequest:
    """The request a click stands for, if its button may ask for it."""
    expected = EXPECTED.get(action_id)
    try:
        request = parse_batch(text) if text is not None else None
    except UsageError:
        request = None  # our own buttons never carry text that fails to parse
    if expected is None or request is None or not isinstance(request, expected):
        log.warning("refused a click on %s with an unexpected value", action_id[:40])
        raise ForgedClickError
    # Only App Home's menu (a view) names the channel of the watch to remove.
    if isinstance(request, UnwatchBatch) and request.channel_id and not in_view:
        raise ForgedClickError
    return request


async def home_refresh_action(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    await publish_home(client, context["services"], _who(body).user_id)


async def recording_action(ack: AsyncAck) -> None:
    """The recording's link button: the browser opened it; Slack wants only an ack.
    Nothing of the payload is read or logged, the address included."""
    await ack()


async def batches_page_action(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    context: AsyncBoltContext,
) -> None:
    await ack()
    services: Services = context["services"]
    value = action.get("value")
    in_place = bool((body.get("container") or {}).get("is_ephemeral"))

    def parse() -> ListBatches:
        if not isinstance(value, str):
            raise ForgedClickError
        return parse_batches(value)

    async def answer(request: ListBatches) -> Reply:
        return await answer_batches(request, services)

    await reply_with(respond, parse, answer, services=services, replace_original=in_place)


def _value(action_id: str, action: dict[str, Any]) -> str | None:
    """The command text a click stands for."""
    if action_id == action_ids.HOME_MENU:
        value = (action.get("selected_option") or {}).get("value")
        return value if isinstance(value, str) else None
    if action_id == action_ids.PICK_TRANSCRIPT:
        block_id = str(action.get("block_id") or "")
        call_id = (action.get("selected_option") or {}).get("value")
        if not block_id.startswith(action_ids.PICK_BLOCK_PREFIX) or not isinstance(call_id, str):
            return None
        return f"transcript {block_id.removeprefix(action_ids.PICK_BLOCK_PREFIX)} {call_id}"
    value = action.get("value")
    return value if isinstance(value, str) else None


def _who(body: dict[str, Any], context: AsyncBoltContext | None = None) -> Who:
    user = body.get("user") or {}
    channel = body.get("channel") or {}
    # Bolt's authorize result comes from auth.test of our own token; the payload's team
    # is the clicker's, which in a shared channel may be another organisation.
    authorized = context.authorize_result if context is not None else None
    return Who(
        user_id=str(user.get("id") or ""),
        channel_id=channel.get("id"),
        workspace_id=authorized.team_id if authorized is not None else None,
        bot_user_id=context.bot_user_id if context is not None else None,
    )


def _answering(action_id: str) -> re.Pattern[str]:
    """`action_id`, and its repeats within one block (`batch_calls#2`, see action_ids)."""
    mark = re.escape(action_ids.REPEAT_MARK)
    return re.compile(rf"^{re.escape(action_id)}(?:{mark}\d{{1,2}})?$")


def register(app: AsyncApp) -> None:
    for action_id in EXPECTED:
        app.action(_answering(action_id))(batch_action)
    app.action(_answering(action_ids.BATCHES_PAGE))(batches_page_action)
    app.action(_answering(action_ids.HOME_REFRESH))(home_refresh_action)
    app.action(action_ids.RECORDING)(recording_action)
