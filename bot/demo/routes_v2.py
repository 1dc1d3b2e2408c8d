"""Bland's v2 batch routes over a DemoV2Dataset, and `GET /v1/calls` over both datasets.

v2 answers are envelopes, `{"data": ..., "errors": null}`, and so are its errors:
`{"data": null, "errors": [{"error": "NOT_FOUND", "message": ...}]}` (the shape of
errors is unconfirmed; the client reads it defensively).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from aiohttp import web

from bot.demo.batches_v2 import FINAL, DemoBatchV2, listed_call
from bot.demo.calls import parse_ts
from bot.demo.dataset import DemoDataset
from bot.demo.dataset_v2 import DemoV2Dataset
from bot.demo.routes import JSON_TYPE, call_summary, error
from bot.demo.scenarios import JSON

# The code a v2 error carries for an HTTP status, where the status is all we know.
ERROR_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    429: "RATE_LIMITED",
}
CALLS_LIMIT = 1000
LOGS_TAKE = 50
LIST_TAKE = 100

SendWebhooks = Callable[[str, Sequence[JSON]], None]


def is_v2_path(path: str) -> bool:
    return path.startswith("/v2/")


def envelope(data: Any) -> web.Response:
    return web.Response(
        body=json.dumps({"data": data, "errors": None}).encode(), content_type=JSON_TYPE
    )


def envelope_error(
    status: int,
    message: str,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """A v2 error: `{"data": null, "errors": [{"error": code, "message": ...}]}`, its code
    from the status unless given."""
    code = code or ERROR_CODES.get(status, "INTERNAL_SERVER_ERROR")
    return errors_response(status, [{"error": code, "message": message}], headers)


def errors_response(
    status: int, errors: list[JSON], headers: dict[str, str] | None = None
) -> web.Response:
    """`{"data": null, "errors": errors}` with `status`, the errors as given."""
    body = json.dumps({"data": None, "errors": errors})
    return web.Response(status=status, text=body, content_type=JSON_TYPE, headers=headers)


def path_error(
    path: str, status: int, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    """An error in the shape of the API `path` belongs to: an envelope for v2, else v1's."""
    if is_v2_path(path):
        return envelope_error(status, message, headers=headers)
    return error(status, message, headers)


def _int(request: web.Request, name: str, default: int) -> int:
    value = request.query.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise web.HTTPBadRequest(
            text=json.dumps(
                {"data": None, "errors": [{"error": "BAD_REQUEST", "message": f"Invalid {name}"}]}
            ),
            content_type=JSON_TYPE,
        ) from None


class V2Routes:
    """The v2 batch routes, and the account's call list over v1 and v2 batches.

    `ignore_batch_filter = True` makes `GET /v1/calls` list every batch's calls whatever
    `batch_id` asks, as Bland may (the filter is undocumented), for tests of the client's
    detection of it. `send_webhooks` is given the status webhook bodies a stop causes.
    """

    def __init__(
        self,
        dataset: DemoV2Dataset,
        v1_dataset: Callable[[], DemoDataset],
        send_webhooks: SendWebhooks,
    ) -> None:
        self.dataset = dataset
        self._v1_dataset = v1_dataset
        self._send_webhooks = send_webhooks
        self.ignore_batch_filter = False

    def add_to(self, app: web.Application) -> None:
        """Register the routes on `app` (the list before `{batch_id}`, which would match it)."""
        app.router.add_get("/v2/batches/list", self.list_batches)
        app.router.add_get("/v2/batches/{batch_id}", self.get_batch)
        app.router.add_get("/v2/batches/{batch_id}/logs", self.get_logs)
        app.router.add_post("/v2/batches/{batch_id}/stop", self.stop_batch)
        app.router.add_get("/v1/calls", self.list_calls)

    def _batch(self, request: web.Request) -> DemoBatchV2:
        batch = self.dataset.get(request.match_info["batch_id"])
        if batch is None:
            raise web.HTTPNotFound(
                text=json.dumps(
                    {"data": None, "errors": [{"error": "NOT_FOUND", "message": "Batch not found"}]}
                ),
                content_type=JSON_TYPE,
            )
        return batch

    async def list_batches(self, request: web.Request) -> web.Response:
        take, skip = _int(request, "take", LIST_TAKE), _int(request, "skip", 0)
        return envelope(self.dataset.list_entries(take=take, skip=skip))

    async def get_batch(self, request: web.Request) -> web.Response:
        return envelope(self._batch(request).metadata)

    async def get_logs(self, request: web.Request) -> web.Response:
        batch = self._batch(request)
        direction = request.query.get("direction", "desc").lower()
        if direction not in ("asc", "desc"):
            return envelope_error(400, "direction must be asc or desc")
        page = batch.logs_page(
            take=_int(request, "take", LOGS_TAKE),
            skip=_int(request, "skip", 0),
            descending=direction == "desc",
        )
        return envelope(page)

    async def stop_batch(self, request: web.Request) -> web.Response:
        batch = self._batch(request)
        if batch.state in FINAL:
            return envelope_error(400, "Batch is not running", "BATCH_NOT_ACTIVE")
        stopped, bodies = batch.stop()
        self._send_webhooks(batch.batch_id, bodies)
        return envelope(
            {"batch_id": batch.batch_id, "message": "Batch stopped", "num_calls": stopped}
        )

    async def list_calls(self, request: web.Request) -> web.Response:
        """`GET /v1/calls`: v1's list, `{count, calls}`, newest first unless `ascending`."""
        wanted = request.query.get("batch_id") or None
        if self.ignore_batch_filter:
            wanted = None
        transcripts = request.query.get("include_transcripts", "").lower() == "true"
        calls = [
            listed_call(
                call, batch_id=batch_id, transcripts=transcripts, summary=call_summary(call)
            )
            for batch_id, call in self._all_calls()
            if wanted is None or batch_id == wanted
        ]
        ascending = request.query.get("ascending", "").lower() == "true"
        calls.sort(key=lambda call: parse_ts(call.get("created_at")), reverse=not ascending)
        start, end = _int(request, "from", 0), request.query.get("to")
        calls = calls[start : _int(request, "to", 0) if end else None]
        calls = calls[: max(0, _int(request, "limit", CALLS_LIMIT))]
        return web.Response(
            body=json.dumps({"count": len(calls), "calls": calls}).encode(),
            content_type=JSON_TYPE,
        )

    def _all_calls(self) -> Iterator[tuple[str, JSON]]:
        for v1 in self._v1_dataset().batches.values():
            for call in v1.calls:
                yield v1.batch_id, call
        for v2 in self.dataset.batches.values():
            for call in v2.calls:
                yield v2.batch_id, call
