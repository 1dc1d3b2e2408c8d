"""Bland's v1 routes over a DemoDataset: list, create, get and stop batches, get a call."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.demo.calls import PENDING_QUEUE_STATUSES, bland_id
from bot.demo.dataset import DemoDataset
from bot.demo.details import requested_batch
from bot.demo.scenarios import JSON

JSON_TYPE = "application/json"


def error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """A Bland error response: `{"status": "error", "message": ...}` with `status`."""
    body = json.dumps({"status": "error", "message": message})
    return web.Response(status=status, text=body, content_type=JSON_TYPE, headers=headers)


def _ok(payload: Any) -> web.Response:
    return web.Response(body=json.dumps(payload).encode(), content_type=JSON_TYPE)


def _flag(request: web.Request, name: str, default: bool = True) -> bool:
    value = request.query.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() not in {"false", "0", "no", "off"}


def _int(request: web.Request, name: str) -> int | None:
    value = request.query.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise web.HTTPBadRequest(
            text=json.dumps({"status": "error", "message": f"Invalid {name}"}),
            content_type=JSON_TYPE,
        ) from exc


def _concatenated(transcripts: Any) -> str:
    if not isinstance(transcripts, list):
        return ""
    return "\n".join(
        f"{line.get('user')}: {line.get('text')}"
        for line in transcripts
        if isinstance(line, dict) and line.get("text")
    )


def call_summary(call: dict[str, Any]) -> str:
    answered = call.get("answered_by")
    if call.get("error_message"):
        return f"The call failed: {call['error_message']}"
    if answered == "voicemail":
        return "The call reached voicemail and the agent left a message."
    if answered == "no-answer":
        return "Nobody answered the call."
    if call.get("queue_status") in PENDING_QUEUE_STATUSES:
        return "The call is still in progress."
    return "The agent spoke with the recipient and the call ended normally."


# Fields only `GET /v1/calls/{id}` has. A call of the dataset that holds one of them
# (even as None) is served with its own value: tests give calls every field, or none.
DETAIL_ONLY = ("summary", "recording_url", "price", "call_ended_by", "variables")
# Dollars a minute, for a demo call's price.
PRICE_PER_MINUTE = 0.09
RECORDINGS = "https://recordings.example.com/calls/"
_VARIABLES = ("name", "business", "service", "date", "item")


def call_detail(call: JSON, batch_id: str) -> JSON:
    """`GET /v1/calls/{id}`'s answer for `call`: what its batch says of it, plus the
    summary, recording, price, who ended it and its variables. Fields without a value
    are left out, as Bland leaves them out."""
    transcripts = call.get("transcripts")
    finished = bool(call.get("completed")) and not call.get("error_message")
    minutes = call.get("call_length")
    request_data = call.get("request_data")
    given = request_data if isinstance(request_data, dict) else {}
    body: JSON = {
        "call_id": call.get("call_id"),
        "batch_id": batch_id,
        "status": call.get("status"),
        "to": call.get("to"),
        "from": call.get("from"),
        "created_at": call.get("created_at"),
        "end_at": call.get("end_at"),
        "completed": call.get("completed"),
        "queue_status": call.get("queue_status"),
        "answered_by": call.get("answered_by"),
        "corrected_duration": call.get("corrected_duration"),
        "call_length": minutes,
        "error_message": call.get("error_message"),
        "summary": call_summary(call),
        "concatenated_transcript": _concatenated(transcripts),
        "transcripts": transcripts if isinstance(transcripts, list) else [],
        "recording_url": f"{RECORDINGS}{call.get('call_id')}.mp3" if finished else None,
        "price": _price(minutes) if finished else None,
        "call_ended_by": "ASSISTANT" if call.get("completed") else None,
        "variables": {k: given[k] for k in _VARIABLES if k in given} or None,
    }
    body.update({key: call[key] for key in DETAIL_ONLY if key in call})
    return {key: value for key, value in body.items() if value is not None}


def _price(minutes: Any) -> float | None:
    if not isinstance(minutes, int | float) or not math.isfinite(minutes):
        return None
    return round(minutes * PRICE_PER_MINUTE, 4)


# A call of a batch this dataset does not hold (a v2 batch's): its batch id and the call.
FindCall = Callable[[str], tuple[str, JSON] | None]


class BatchRoutes:
    """The v1 batch and call routes, answered from `dataset`; `GET /v1/calls/{id}` also
    finds a call through `find_other_call` (the v2 batches') when set."""

    def __init__(self, dataset: DemoDataset) -> None:
        self.dataset = dataset
        self.find_other_call: FindCall | None = None
        self._created = 0

    def add_to(self, app: web.Application) -> None:
        """Register the routes on `app`."""
        app.router.add_get("/v1/batches", self.list_batches)
        app.router.add_post("/v1/batches", self.create_batch)
        app.router.add_get("/v1/batches/{batch_id}", self.get_batch)
        app.router.add_post("/v1/batches/{batch_id}/stop", self.stop_batch)
        app.router.add_get("/v1/calls/{call_id}", self.get_call)

    async def list_batches(self, request: web.Request) -> web.Response:
        limit = _int(request, "limit")
        entries = self.dataset.list_entries(
            campaign_id=request.query.get("campaign_id") or None,
            start=_int(request, "from"),
            end=_int(request, "to"),
            limit=1000 if limit is None else limit,
            ascending=_flag(request, "ascending", default=False),
        )
        return _ok({"status": "success", "batches": entries})

    async def get_batch(self, request: web.Request) -> web.Response:
        batch = self.dataset.get(request.match_info["batch_id"])
        if batch is None:
            return error(404, "Batch not found")
        body = batch.response_bytes(
            include_calls=_flag(request, "include_calls"),
            include_transcripts=_flag(request, "include_transcripts"),
            include_analysis=_flag(request, "include_analysis"),
        )
        return web.Response(body=body, content_type=JSON_TYPE)

    async def get_call(self, request: web.Request) -> web.Response:
        call_id = request.match_info["call_id"]
        found = self.dataset.find_call(call_id)
        other = self.find_other_call(call_id) if found is None and self.find_other_call else None
        if found is not None:
            batch_id, call = found[0].batch_id, found[1]
        elif other is not None:
            batch_id, call = other
        else:
            return error(404, "Call not found")
        return _ok(call_detail(call, batch_id))

    async def stop_batch(self, request: web.Request) -> web.Response:
        batch = self.dataset.get(request.match_info["batch_id"])
        if batch is None:
            return error(404, "Batch not found")
        stopped = batch.stop()
        return _ok(
            {
                "status": "success",
                "message": "Batch stopped successfully",
                "num_calls": stopped,
                "batch_id": batch.batch_id,
            }
        )

    async def create_batch(self, request: web.Request) -> web.Response:
        try:
            payload = await request.json()
        except ValueError:
            return error(400, "Body must be JSON")
        if not isinstance(payload, dict):
            return error(400, "Body must be a JSON object")
        base_prompt = payload.get("base_prompt")
        entries = payload.get("call_data")
        if not isinstance(base_prompt, str) or not base_prompt:
            return error(400, "Missing base_prompt")
        if not isinstance(entries, list) or not entries:
            return error(400, "Missing call_data")
        if not all(isinstance(entry, dict) and entry.get("phone_number") for entry in entries):
            return error(400, "Every call_data entry needs a phone_number")
        rng = random.Random(f"created:{self._created}")
        self._created += 1
        batch_id = bland_id(rng)
        self.dataset.add(requested_batch(batch_id, payload, rng=rng, created_at=datetime.now(UTC)))
        return _ok({"message": "success", "batch_id": batch_id})
