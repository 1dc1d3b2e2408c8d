"""`/batch watch <uuid>`: what a watch of a v2 batch starts from, read from its log.

`handlers.watching.watch` asks `probe_v2` instead of v1's batch details when the id is a
UUID; everything after (the stored watch, the one progress message per channel, the
replies) is the same for both APIs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from bot.bland.lifecycle import LifecycleCounts
from bot.bland.stats import CallCounts
from bot.bland.view import view_of_v2
from bot.services import Services
from bot.storage.base import Watch
from bot.user_facing import UserFacingError
from formatters.alert_v2 import completion_alert_v2
from formatters.blocks import Message
from formatters.progress_v2 import lifecycle_progress
from formatters.watches import already_finished
from handlers.commands_parser import WatchBatch

# The newest entries say the state and the latest lifecycle message: all a watch needs.
WATCH_LOG_TAKE = 10


@dataclass(frozen=True)
class WatchProbe:
    """A running batch about to be watched: its label, the counts its progress message
    starts from, and that message for a stored watch."""

    label: str | None
    counts: CallCounts
    render: Callable[[Watch], Message]


async def probe_v2(services: Services, request: WatchBatch) -> WatchProbe | Message:
    """The v2 batch as a watch starts from it; a finished one's reply instead.

    An unknown id raises BlandNotFoundError here, before anything is stored."""
    batch_id = request.target_id
    if request.error_threshold is not None:
        raise NoV2ThresholdError
    batch, logs = await asyncio.gather(
        services.bland.get_batch_v2(batch_id),
        services.bland.batch_logs(batch_id, take=WATCH_LOG_TAKE, direction="desc"),
    )
    view = view_of_v2(batch, logs)
    if view.finished:
        return already_finished(completion_alert_v2(view, batch_id=batch_id))
    counts = LifecycleCounts.of_view(view)

    def render(found: Watch) -> Message:
        return lifecycle_progress(batch_id=batch_id, label=found.label, counts=counts)

    return WatchProbe(label=view.label, counts=counts, render=render)


class NoV2ThresholdError(UserFacingError):
    """v2 batches report no per-call counts while they run: a threshold could never fire."""

    default_message = (
        "Error warnings need counts of failed calls while the batch runs, and Bland reports "
        "those for a v2 batch only once it has finished. Watch it without `errors&gt;…%` "
        "to hear when it ends, with its totals."
    )
