"""The batch summary as a listener answers it: fetched without transcripts, watch state known."""

from __future__ import annotations

import logging

from bot.services import Services
from bot.storage.base import WatchKind, WatchState
from formatters.batch_summary import batch_summary
from formatters.blocks import Message
from handlers.replies import Who

log = logging.getLogger(__name__)


async def summary(services: Services, batch_id: str, who: Who) -> Message:
    """The summary never asks for transcripts: they can be most of the payload."""
    detail = await services.bland.get_batch_overview(batch_id)
    return batch_summary(
        detail, batch_id=batch_id, watching=await _watched(services, batch_id, who)
    )


async def _watched(services: Services, batch_id: str, who: Who) -> bool | None:
    """Whether this channel watches the batch; None (no Watch button) when unknown.

    The summary is read-only: a database outage costs it the Watch state, not the
    answer. Only the kind of failure is logged; driver messages may name the server.
    """
    if services.store is None or not who.channel_id:
        return None
    try:
        watches = await services.store.list_watches(channel_id=who.channel_id)
    except Exception as exc:
        log.warning("summary of %s without its watch state: %s", batch_id, type(exc).__name__)
        return None
    return any(
        w.kind == WatchKind.BATCH and w.target_id == batch_id and w.state != WatchState.DONE
        for w in watches
    )
