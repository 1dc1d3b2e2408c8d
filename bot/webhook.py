"""`POST /bland/status`: Bland's status webhook, verified and turned into a queued event.

Bland POSTs a v2 batch's phases and its end to the batch's `status_webhook`, signed:
`X-Webhook-Signature` is the hex HMAC-SHA256 of the raw body under the secret from
Bland's dev portal (`BLAND_WEBHOOK_SECRET`). Each request is answered at once (Bland
waits 10 s): no database, no Bland, no Slack on this path. A body reporting a batch's
end is handed to `submit` (the watcher's `StatusWebhooks`), which records it.

Every request has one outcome (`bland_status_webhooks_total{outcome}`), counted here
when this route decides it, or by the worker for the ends it was handed:

- 413 `too_large`: over 64 KB, read no further.
- 401 `unauthorized`: no signature, or not this body's under the secret. Nothing is
  read from the body. The signature covers no timestamp, so a replayed body is valid:
  recording an end twice is harmless (it is recorded once), so replays are too.
- 400 `bad_request`: not a JSON object, or no v2 batch id.
- 200 `ignored`: a phase before the end (the polls keep progress messages), or no room
  in the queue (the next poll alerts instead).
- 200, then `accepted` or `ignored` by the worker: an end it records, or one for a batch
  nobody watches or already recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web

from bot.bland.batch_ids import is_v2_batch_id
from bot.bland.errors import BlandResponseError
from bot.bland.models_v2 import StatusWebhook
from bot.bland.signatures import SIGNATURE_HEADER, valid_webhook_signature
from bot.bland.view import is_finished_v2
from bot.metrics import count_webhook

log = logging.getLogger(__name__)

ROUTE = "/bland/status"
MAX_BODY_BYTES = 64 * 1024
# Outcomes this route decides; the worker decides `accepted` or `ignored` for QUEUED.
IGNORED = "ignored"
UNAUTHORIZED = "unauthorized"
TOO_LARGE = "too_large"
BAD_REQUEST = "bad_request"
QUEUED = "queued"

Submit = Callable[[StatusWebhook], bool]


class StatusWebhookRoute:
    """The route, for the aiohttp app the runner serves: `add_to(app)`."""

    def __init__(self, secret: str, submit: Submit) -> None:
        if not secret:
            raise ValueError("the status webhook needs a secret")
        self._secret = secret
        self._submit = submit

    def add_to(self, app: web.Application) -> None:
        app.router.add_post(ROUTE, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        outcome, status = await self.receive(request)
        if outcome != QUEUED:
            count_webhook(outcome)
        if status == 200:
            return web.json_response({"ok": True})
        return web.Response(status=status, text=_REASONS[status])

    async def receive(self, request: web.Request) -> tuple[str, int]:
        """What this request comes to: its outcome and the HTTP status to answer."""
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            return UNAUTHORIZED, 401
        body = await _read_capped(request, MAX_BODY_BYTES)
        if body is None:
            return TOO_LARGE, 413
        if not valid_webhook_signature(body, self._secret, signature):
            log.warning("status webhook refused: wrong signature")
            return UNAUTHORIZED, 401
        event = parse_event(body)
        if event is None:
            return BAD_REQUEST, 400
        if not is_finished_v2(event.status):
            log.debug("status webhook for %s: %s", event.batch_id, event.status)
            return IGNORED, 200
        if not self._submit(event):
            return IGNORED, 200
        log.info("status webhook for %s: %s, queued", event.batch_id, event.status)
        return QUEUED, 200


def parse_event(body: bytes) -> StatusWebhook | None:
    """The webhook a (verified) body holds; None when it is not a JSON object or names
    no v2 batch."""
    try:
        event = StatusWebhook.from_body(body)
    except BlandResponseError:
        return None
    if not event.batch_id or not is_v2_batch_id(event.batch_id):
        return None
    return event


async def _read_capped(request: web.Request, limit: int) -> bytes | None:
    """The whole body, or None as soon as it is longer than `limit` bytes."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(16 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


_REASONS = {
    400: "expected a JSON object with a v2 batch_id\n",
    401: "valid X-Webhook-Signature required\n",
    413: "body over 64 KB\n",
}
