"""The batch summary as a listener answers it: fetched without transcripts, watch state known."""

from __future__ import annotations

from bot.services import Services
from bot.storage.base import WatchKind, WatchState
from formatters.batch_summary import batch_summary
from formatters.blocks import Message
from handlers.replies import Who


async def summary(services: Services, batch_id: str, who: Who) -> Message:
    """The summary never asks for transcripts: they can be most of the payload."""
    detail = await services.bland.get_batch_overview(batch_id)
    watched: bool | None = None
    if services.store is not None and who.channel_id:
        watches = await services.store.list_watches(channel_id=who.channel_id)
        watched = any(
            w.kind == WatchKind.BATCH and w.target_id == batch_id and w.state != WatchState.DONE
            for w in watches
        )
    return batch_summary(detail, batch_id=batch_id, watching=watched)
