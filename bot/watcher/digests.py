"""Sending each channel's digest once per period, through the alert outbox.

A due digest (its `next_run_at` passed, by the injected clock) is leased like a batch.
The run it sends is the latest one at or before now: normally the one just due; after
the bot was down across several, only the latest, sent late once and saying so. The
report is gathered from Bland, rendered, and queued with its period key as the outbox
entry's id (`Store.record_digest`), which moves the next run on in the same transaction.
A second process or a restart that builds the same period queues nothing: the key is
unique per channel. The outbox then delivers it like any alert (`bot.watcher.outbox`).

If Bland's lists cannot be read at all, the digest is tried again with backoff, and
sent with what it has (saying so) after MAX_FAILURES tries, so a period is never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta

from bot.bland.client import BlandClient
from bot.clock import Clock
from bot.digests.collect import collect
from bot.digests.schedule import period_key
from bot.logs import bind
from bot.metrics import count_queued
from bot.storage.base import Digest, Store
from bot.watcher.failures import describe_failure
from formatters.digest import Lateness, digest_message

log = logging.getLogger(__name__)

# A digest sent more than this after its time says it is late.
LATE_AFTER = timedelta(minutes=10)
# Tries while Bland's lists can't be read, then it goes with what it has.
MAX_FAILURES = 5
RETRY_SECONDS = 60.0
RETRY_CAP_SECONDS = 900.0
RELEASE_SECONDS = 1.0


def retry_delay(failures: int) -> float:
    """1, 2, 4, 8, 15 minutes: a digest waits for Bland about half an hour at most."""
    return min(RETRY_CAP_SECONDS, RETRY_SECONDS * 2.0 ** max(0, failures - 1))


class DigestSender:
    """Builds and queues the digests the watcher claimed."""

    def __init__(
        self,
        store: Store,
        bland: BlandClient,
        *,
        owner: str,
        clock: Clock,
        on_alerts: Callable[[], None],
    ) -> None:
        self._store = store
        self._bland = bland
        self._owner = owner
        self._clock = clock
        self._on_alerts = on_alerts

    async def send(self, digest: Digest) -> None:
        """Queue the claimed digest's latest due run; on any failure, give it back."""
        bind(channel=digest.channel_id)
        try:
            await self._send(digest)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self._store.release_digest(digest.channel_id, owner=self._owner, delay=0),
                    RELEASE_SECONDS,
                )
            raise
        except Exception as exc:
            await self._failed(digest, describe_failure(exc))

    async def _send(self, digest: Digest) -> None:
        schedule = digest.schedule
        now = self._clock()
        run = max(schedule.latest_run(now), digest.next_run_at)
        report = await collect(self._bland, start=run - schedule.length, end=run)
        if report.nothing_listed and digest.failures + 1 < MAX_FAILURES:
            await self._failed(digest, "nothing listed")
            return
        late = None
        if now - run > LATE_AFTER or run > digest.next_run_at:
            late = Lateness(
                run=run,
                missed=schedule.runs_between(digest.next_run_at, run),
                bland_down=digest.failures > 0,
            )
        message = digest_message(report, schedule, late=late)
        key = period_key(schedule, run)
        alert = await self._store.record_digest(
            digest.channel_id,
            owner=self._owner,
            period_key=key,
            message=message.as_kwargs(),
            next_run_at=schedule.next_run(run),
        )
        if alert is None:
            log.info("digest %s for %s: already queued, or no longer ours", key, digest.channel_id)
            return
        count_queued([alert.kind])
        log.info(
            "digest %s queued for %s: %d batch(es)%s",
            key,
            digest.channel_id,
            len(report.batches),
            " (late)" if late else "",
            extra={"event": "digest_queued"},
        )
        self._on_alerts()

    async def _failed(self, digest: Digest, error: str) -> None:
        delay = retry_delay(digest.failures + 1)
        log.warning(
            "digest for %s failed (%s); try %d, next in %.0fs",
            digest.channel_id,
            error,
            digest.failures + 1,
            delay,
        )
        with contextlib.suppress(Exception):
            await self._store.release_digest(
                digest.channel_id, owner=self._owner, delay=delay, error=error
            )
