"""The demo server's side of Bland's status webhook: signed POSTs of a v2 batch's phases.

Like Bland, each body is JSON, signed with `X-Webhook-Signature` (hex HMAC-SHA256 of the
raw body under the secret), and waited for up to 10 s. A failed delivery is recorded and
not retried: what Bland does then is undocumented.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp

from bot.bland.signatures import SIGNATURE_HEADER, webhook_signature
from bot.demo.scenarios import JSON

log = logging.getLogger(__name__)

DELIVERY_TIMEOUT = 10.0


@dataclass(frozen=True)
class StatusWebhookTarget:
    """Where a batch's status webhook goes, and the secret its bodies are signed with."""

    url: str
    secret: str


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST as sent: the raw body and signature, and the receiver's status (None when
    it could not be reached or did not answer in time)."""

    batch_id: str
    url: str
    body: bytes
    signature: str
    status: int | None


class WebhookSender:
    """Sends a batch's status webhook bodies to the target set for that batch, if any."""

    def __init__(self) -> None:
        self.targets: dict[str, StatusWebhookTarget] = {}
        self.deliveries: list[WebhookDelivery] = []
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._delivered = asyncio.Event()

    def set_target(self, batch_id: str, url: str, secret: str) -> None:
        self.targets[batch_id] = StatusWebhookTarget(url, secret)

    async def send(self, batch_id: str, bodies: Sequence[JSON]) -> None:
        """POST each of `bodies`, in order, to `batch_id`'s target (none set: nothing)."""
        target = self.targets.get(batch_id)
        if target is None:
            return
        for body in bodies:
            await self._post(batch_id, target, json.dumps(body).encode())

    def send_later(self, batch_id: str, bodies: Sequence[JSON]) -> None:
        """`send()` in the background: a route answers without waiting for the receiver."""
        if batch_id not in self.targets or not bodies:
            return
        task = asyncio.create_task(self.send(batch_id, bodies))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_for(self, count: int, *, within: float = 5.0) -> list[WebhookDelivery]:
        """Wait until at least `count` deliveries were made; TimeoutError otherwise."""
        async with asyncio.timeout(within):
            while len(self.deliveries) < count:
                self._delivered.clear()
                await self._delivered.wait()
        return list(self.deliveries)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _post(self, batch_id: str, target: StatusWebhookTarget, raw: bytes) -> None:
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT)
            self._session = aiohttp.ClientSession(timeout=timeout)
        signature = webhook_signature(raw, target.secret)
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature}
        status: int | None = None
        try:
            async with self._session.post(target.url, data=raw, headers=headers) as response:
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("status webhook for %s not delivered: %s", batch_id, type(exc).__name__)
        self.deliveries.append(WebhookDelivery(batch_id, target.url, raw, signature, status))
        self._delivered.set()
