"""The `/batches` and `/batch` slash commands."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from handlers.answers import answer_batch, answer_batches
from handlers.commands_parser import BatchRequest, ListBatches, parse_batch, parse_batches
from handlers.delivery import Respond, reply_with
from handlers.replies import Reply, Who


async def batches_command(
    ack: AsyncAck, command: dict[str, Any], respond: Respond, context: AsyncBoltContext
) -> None:
    await ack()
    services: Services = context["services"]
    text = str(command.get("text") or "")

    async def answer(request: ListBatches) -> Reply:
        return await answer_batches(request, services)

    await reply_with(respond, lambda: parse_batches(text), answer, session=services.http)


async def batch_command(
    ack: AsyncAck,
    command: dict[str, Any],
    respond: Respond,
    context: AsyncBoltContext,
    client: AsyncWebClient | None = None,
) -> None:
    await ack()
    services: Services = context["services"]
    who = Who(
        user_id=str(command.get("user_id") or ""),
        channel_id=command.get("channel_id"),
        bot_user_id=context.bot_user_id,
    )
    text = str(command.get("text") or "")

    async def answer(request: BatchRequest) -> Reply:
        return await answer_batch(request, services, who, slack=client)

    await reply_with(respond, lambda: parse_batch(text), answer, session=services.http)


def register(app: AsyncApp) -> None:
    app.command("/batches")(batches_command)
    app.command("/batch")(batch_command)
