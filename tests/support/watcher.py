"""Watcher test helpers: a running watcher, batches to watch, and what the stand-ins saw
of the watcher."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from bot.bland.client import Backoff, BlandClient
from bot.bland.models import BatchDetail
from bot.demo.details import make_batch
from bot.demo.server import BlandServer
from bot.slack.clients import make_slack_client
from bot.storage import Store, Watch
from bot.storage.base import WatchKind
from bot.watcher import Watcher
from bot.watcher.outbox import EVENT_TYPE
from formatters.alert import completion_alert
from tests.support.bland import BLAND_KEY
from tests.support.slack_standin import SlackStandIn

# The watcher's poll interval in these tests: short, so a test sees several polls.
POLL = 0.2

# `async with run_watcher(store, **options) as watcher:` (the `run_watcher` fixture).
RunWatcher = Callable[..., AbstractAsyncContextManager[Watcher]]


def watcher_bland_client(base_url: str) -> BlandClient:
    """A Bland client as the watcher's: one quick retry, so a failing poll fails fast."""
    return BlandClient(
        api_key=BLAND_KEY,
        base_url=base_url,
        max_retries=1,
        backoff=Backoff(initial=0.05, cap=0.1, max_retry_after=1.0),
    )


@asynccontextmanager
async def running_watcher(
    store: Store, bland: BlandClient, slack_api_url: str, **options: Any
) -> AsyncIterator[Watcher]:
    """A started Watcher (polling every POLL seconds, 4 at once unless `options` say
    otherwise), stopped when the block ends."""
    options.setdefault("poll_seconds", POLL)
    options.setdefault("concurrency", 4)
    slack = make_slack_client("xoxb-test-token", slack_api_url)
    watcher = Watcher(store, bland, slack, **options)
    await watcher.start()
    try:
        yield watcher
    finally:
        await watcher.stop()


async def watch(
    store: Store,
    channel: str,
    target: str,
    *,
    kind: WatchKind = WatchKind.BATCH,
    user: str = "U0ALICE",
    label: str | None = None,
    error_threshold: float | None = None,
) -> None:
    """`channel` watches `target`, as `user`'s `/batch watch` would have added it."""
    await store.add_watch(
        channel_id=channel,
        kind=kind,
        target_id=target,
        label=label,
        created_by=user,
        error_threshold=error_threshold,
    )


def in_progress_batch(batch_id: str, *, calls: int = 20, errors: int = 2) -> dict[str, Any]:
    return make_batch(
        batch_id, calls=calls, status="in-progress", completed=calls // 2, errors=errors
    )


def render_for(detail: BatchDetail, batch_id: str) -> Callable[[Watch], dict[str, Any]]:
    """The completion alert a watcher would render for `detail`, per watch."""

    def render(watch: Watch) -> dict[str, Any]:
        message = completion_alert(detail, batch_id=batch_id, mention_user_ids=[watch.created_by])
        return message.as_kwargs()

    return render


def polls(bland: BlandServer, batch_id: str) -> list[dict[str, str]]:
    """The status polls of the batch (no calls) the server has seen."""
    return [
        r.query
        for r in bland.requests_to(f"/v1/batches/{batch_id}")
        if r.query.get("include_calls") == "false"
    ]


def summaries(bland: BlandServer, batch_id: str) -> list[dict[str, str]]:
    """The full fetches of the batch (with calls) the server has seen."""
    return [
        r.query
        for r in bland.requests_to(f"/v1/batches/{batch_id}")
        if r.query.get("include_calls") == "true"
    ]


def alerts_in(slack: SlackStandIn, channel: str) -> list[dict[str, Any]]:
    """The outbox's messages posted to the channel (those carrying its metadata)."""
    return [
        m
        for m in slack.posted(channel)
        if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE
    ]


def posts_of(slack: SlackStandIn, channel: str, batch_id: str) -> list[dict[str, Any]]:
    """Outbox posts (alerts and warnings) about `batch_id` in `channel`."""
    return [
        m
        for m in slack.posted(channel)
        if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE
        and m["metadata"]["event_payload"]["batch_id"] == batch_id
    ]


def updates(slack: SlackStandIn) -> list[dict[str, Any]]:
    """Every chat.update the stand-in received, in order."""
    return [c.params for c in slack.calls_to("chat.update")]
