"""Counting slash commands and clicks, and timing their ack and their reply, for /metrics.

Bolt's global middleware runs before the listener, not around it (its `next()` only
marks the request as passed on), so it cannot time the listener by itself. The ack is
timed by handing the listener a timing `ack`; the reply by Bolt's listener-completion
hook, which runs when the listener returns, its reply sent.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.listener.async_listener_completion_handler import (
    AsyncListenerCompletionHandler,
)
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.metrics import LISTENER_SECONDS, OTHER, SLACK_ACTIONS, SLACK_COMMANDS
from formatters import action_ids

COMMANDS = frozenset({"/batch", "/batches"})
# Every action id a button of ours carries; a forged or unknown one is counted as "other".
ACTIONS = frozenset(
    value
    for name, value in vars(action_ids).items()
    if name.isupper() and isinstance(value, str) and not value.endswith(":")
)
_STARTED = "metrics_started"


class _TimedAck(AsyncAck):
    """Bolt's ack, observing the time from the request's arrival to its first call."""

    def __init__(self, started: float) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._started: float | None = started

    async def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        try:
            return await super().__call__(*args, **kwargs)
        finally:
            if self._started is not None:
                LISTENER_SECONDS.labels("ack").observe(time.perf_counter() - self._started)
                self._started = None


class _ReplyTimer(AsyncListenerCompletionHandler):
    async def handle(self, request: AsyncBoltRequest, response: BoltResponse | None) -> None:
        started = request.context.get(_STARTED)
        if isinstance(started, float):
            LISTENER_SECONDS.labels("reply").observe(time.perf_counter() - started)


class _CountAndTime(AsyncMiddleware):
    """Counts each command and click, and hands its listener the timing `ack`.

    A middleware class, not a function: Bolt builds a function middleware's arguments by
    constructing every one it could inject on each request, before the ack."""

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        body: dict[str, Any] = req.body
        command = body.get("command")
        actions = body.get("actions")
        if isinstance(command, str):
            SLACK_COMMANDS.labels(command if command in COMMANDS else OTHER).inc()
        elif body.get("type") == "block_actions" and isinstance(actions, list) and actions:
            action = actions[0].get("action_id") if isinstance(actions[0], dict) else None
            SLACK_ACTIONS.labels(action if action in ACTIONS else OTHER).inc()
        else:
            return await next()
        started = time.perf_counter()
        req.context[_STARTED] = started
        req.context["ack"] = _TimedAck(started)
        return await next()


def instrument(app: AsyncApp) -> None:
    """Count and time every command and click the app receives."""
    app.use(_CountAndTime())
    app.listener_runner.listener_completion_handler = _ReplyTimer()
