"""Stopping a batch: a typed command only prompts; the confirmed button, if allowed, stops."""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from bot.bland.stats import batch_stats
from bot.services import Services
from bot.slack.clients import posting_client
from bot.slack.errors import failure_reason
from formatters.blocks import Message
from formatters.stop import not_running, stop_prompt, stop_refused, stopped
from handlers.commands_parser import StopBatch
from handlers.replies import Reply, Who

log = logging.getLogger(__name__)


async def may_stop(
    user_id: str, services: Services, slack: AsyncWebClient, *, workspace_id: str | None = None
) -> bool:
    """Admins and owners of this workspace, and the users named in BLAND_ADMIN_USERS.

    An admin of another organisation in a shared channel is an admin there, not here.
    """
    if user_id in services.admin_users:
        return True
    try:
        info = await slack.users_info(user=user_id)
        workspace = workspace_id or (await slack.auth_test()).get("team_id")
    except Exception as exc:
        # Fail closed: a Slack answer we cannot read (even one slack_sdk itself trips
        # over, like a plain-text 200) must not let anyone stop a batch.
        log.warning("could not check who may stop (%s); refusing", failure_reason(exc))
        return False
    user = info.get("user") or {}
    if not workspace or user.get("team_id") != workspace:
        log.info("a user of another workspace asked to stop; refusing")
        return False
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


async def prompt_stop(request: StopBatch, services: Services) -> Reply:
    """Typed `/batch stop <id>`: show what would stop, behind a confirm dialog."""
    detail = await services.bland.get_batch_overview(request.batch_id)
    label = detail.batch_params.label
    if not detail.in_progress:
        return Reply(not_running(request.batch_id, label))
    return Reply(stop_prompt(request.batch_id, label, batch_stats(detail).remaining))


async def confirmed_stop(
    request: StopBatch, services: Services, who: Who, slack: AsyncWebClient
) -> Reply:
    """The Stop button, after its confirm dialog. Permission comes before any request."""
    if not await may_stop(who.user_id, services, slack, workspace_id=who.workspace_id):
        log.info("refused a stop of %s by a user who may not", request.batch_id)
        return Reply(stop_refused(services.admin_users))
    probe = await services.bland.get_batch(request.batch_id, include_calls=False)
    label = probe.batch_params.label
    if not probe.in_progress and probe.status is not None:
        return Reply(not_running(request.batch_id, label))
    result = await services.bland.stop_batch(request.batch_id)
    log.info("stopped %s (%s calls)", request.batch_id, result.num_calls)
    outcome = stopped(
        request.batch_id,
        label,
        user_id=who.user_id,
        cancelled=result.num_calls,
        said=result.message if result.message and result.message != "success" else None,
    )
    await _post_in_thread(services, slack, who, request.batch_id, outcome)
    return Reply(outcome, public=True)


async def _post_in_thread(
    services: Services, slack: AsyncWebClient, who: Who, batch_id: str, outcome: Message
) -> None:
    """Under the channel's live progress message for this batch, when there is one.

    Best-effort: Bland has already stopped the batch, so no failure here (the database,
    or Slack answering with something that is not JSON) may turn the outcome into an
    error; the reply to the channel still says who stopped it.
    """
    if services.store is None or not who.channel_id:
        return
    try:
        ts = await services.store.progress_message(channel_id=who.channel_id, batch_id=batch_id)
        if ts is None:
            return
        # Retrying a 5xx could post the outcome twice; only 429s are retried here.
        poster = posting_client(slack)
        await poster.chat_postMessage(channel=who.channel_id, thread_ts=ts, **outcome.as_kwargs())
    except Exception as exc:
        log.warning(
            "could not post the stop of %s in its thread (%s)", batch_id, failure_reason(exc)
        )
