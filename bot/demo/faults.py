"""What the demo server records and injects: RecordedRequest, and Fault with its bad answers."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from aiohttp import web

from bot.demo.routes import JSON_TYPE, error


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it, faulted or not."""

    method: str
    path: str
    query_string: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Fault:
    """Answer the next `times` matching requests badly instead of normally.

    `kind` is "status" (answer `status`, with Retry-After when `retry_after` is set),
    "hang" (stall `seconds`, then answer normally) or "invalid_json" (200, broken body).
    A fault matches when `path` is None or a prefix of the request path, and `method` is
    None or equal to the request method.
    """

    kind: str
    times: int = 1
    path: str | None = None
    method: str | None = None
    status: int = 500
    retry_after: float | None = None
    seconds: float = 0.0
    message: str | None = None
    used: int = field(default=0, init=False)

    def matches(self, request: web.Request) -> bool:
        return (
            self.used < self.times
            and (self.path is None or request.path.startswith(self.path))
            and (self.method is None or self.method.upper() == request.method)
        )

    async def answer(self, closing: asyncio.Event) -> web.Response | None:
        """This fault's bad answer; None when the request should now be answered normally."""
        if self.kind == "status":
            headers = {}
            if self.retry_after is not None:
                headers["Retry-After"] = f"{self.retry_after:g}"
            return error(self.status, self.message or f"Injected HTTP {self.status}", headers)
        if self.kind == "invalid_json":
            return web.Response(text='{"status": "success", "batches": [', content_type=JSON_TYPE)
        if self.kind == "hang":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(closing.wait(), self.seconds)
            if closing.is_set():
                return error(503, "Server shutting down")
        return None
