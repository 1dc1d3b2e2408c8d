"""Campaign discovery: listing a campaign's batches on Bland and recording the new ones."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.bland.batch_ids import is_batch_id
from bot.bland.client import BlandClient
from bot.bland.models import BatchSummary
from bot.bland.times import parse_time
from bot.storage.base import DueCampaign, SeenBatch, Store
from bot.watcher.failures import describe_failure
from bot.watcher.schedule import backoff_delay, next_poll_delay

log = logging.getLogger(__name__)


class CampaignScanner:
    """Scans a campaign the watcher has leased for it; `scan()`."""

    def __init__(
        self,
        store: Store,
        bland: BlandClient,
        *,
        owner: str,
        scan_seconds: float,
        on_new: Callable[[], None],
    ) -> None:
        self._store = store
        self._bland = bland
        self._owner = owner
        self._scan_seconds = scan_seconds
        self._on_new = on_new

    async def scan(self, due: DueCampaign) -> None:
        try:
            await self._scan(due)
        except Exception as exc:
            # Any failure, Bland's or ours, is a failed scan with backoff: left to its
            # lease, the campaign would be listed again every lease period, failing alike.
            await self._failed(due, exc)

    async def _scan(self, due: DueCampaign) -> None:
        campaign_id = due.campaign_id
        listing = await self._bland.list_batches(campaign_id=campaign_id)
        seen = [s for s in (_seen(entry, campaign_id) for entry in listing.batches) if s]
        new = await self._store.finish_scan(
            campaign_id,
            owner=self._owner,
            batches=seen,
            delay=next_poll_delay(campaign_id, self._scan_seconds, time.time()),
        )
        if new:
            log.info("campaign %s: %d new batch(es) to poll", campaign_id, new)
            self._on_new()

    async def _failed(self, due: DueCampaign, exc: Exception) -> None:
        delay = backoff_delay(due.failures + 1, self._scan_seconds)
        error = describe_failure(exc)
        log.warning(
            "scanning campaign %s failed (%s); next try in %.1fs", due.campaign_id, error, delay
        )
        log.debug("scanning campaign %s failed", due.campaign_id, exc_info=exc)
        await self._store.finish_scan(
            due.campaign_id, owner=self._owner, batches=[], delay=delay, error=error
        )


def _seen(entry: BatchSummary, campaign_id: str) -> SeenBatch | None:
    """A listed batch worth polling: a valid id, in this campaign (Bland filtered it)."""
    if not entry.batch_id or entry.campaign_id not in (None, campaign_id):
        return None
    if not is_batch_id(entry.batch_id):
        return None
    created = parse_time(entry.created_at)
    return SeenBatch(entry.batch_id, created.timestamp() if created else None)
