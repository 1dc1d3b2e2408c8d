"""Counting each command and click from its arrival until its listener acks it, so that
work after the ack waits while any request is unacked (`bot.admission`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.response import BoltResponse

from bot.admission import Admission


class _CountedAck(AsyncAck):
    """The listener's ack (Bolt's, or the metrics' timing one), reporting when called."""

    def __init__(self, inner: AsyncAck, acked: Callable[[], None]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._inner = inner
        self._acked = acked

    async def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        try:
            # Bolt's listener runner reads the response from the ack in the context.
            self.response = await self._inner(*args, **kwargs)
            return self.response
        finally:
            self._acked()


def count_acks(app: AsyncApp, admission: Admission) -> None:
    """Count every slash command and click until acked; add after `instrument(app)`."""

    async def counted(
        body: dict[str, Any], context: AsyncBoltContext, next: Callable[[], Awaitable[None]]
    ) -> None:
        if isinstance(body.get("command"), str) or body.get("type") == "block_actions":
            context["ack"] = _CountedAck(context.ack, admission.arrived())
        await next()

    app.use(counted)
