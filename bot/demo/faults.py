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

    `kind` is "status" (answer `status`, with Retry-After when `retry_after` is set; a
    string is sent as written), "hang" (stall `seconds`, then answer normally),
    "invalid_json" (200, broken body), "drip" (the normal answer, one byte every
    `seconds`) or "flood" (`status` with a body of `size` bytes, its length declared
    up front when `declared`). A fault matches when `path` is None or a prefix of the
    request path, and `method` is None or equal to the request method.

    `sent` counts the body bytes a drip or flood wrote before the client went away;
    `done` is set when it stopped writing.
    """

    kind: str
    times: int = 1
    path: str | None = None
    method: str | None = None
    status: int = 500
    retry_after: float | str | None = None
    seconds: float = 0.0
    message: str | None = None
    size: int = 0
    declared: bool = False
    used: int = field(default=0, init=False)
    sent: int = field(default=0, init=False)
    done: asyncio.Event = field(default_factory=asyncio.Event, init=False)

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
            if isinstance(self.retry_after, str):
                headers["Retry-After"] = self.retry_after
            elif self.retry_after is not None:
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

    async def drip(
        self, request: web.Request, closing: asyncio.Event, status: int, body: bytes
    ) -> web.StreamResponse:
        """Send the normal answer one byte every `seconds`, until the client goes away."""
        response = web.StreamResponse(status=status, headers={"content-type": JSON_TYPE})
        response.content_length = len(body)
        await response.prepare(request)
        try:
            for index in range(len(body)):
                await response.write(body[index : index + 1])
                self.sent += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(closing.wait(), self.seconds)
                if closing.is_set():
                    break
        except ConnectionError:
            pass  # the client gave up, which is what a drip is there to show
        finally:
            self.done.set()
        return response

    async def flood(self, request: web.Request, closing: asyncio.Event) -> web.StreamResponse:
        """Send `size` bytes of body, as fast as the client reads them."""
        response = web.StreamResponse(status=self.status, headers={"content-type": JSON_TYPE})
        if self.declared:
            response.content_length = self.size
        await response.prepare(request)
        chunk = b" " * 65_536
        try:
            while self.sent < self.size and not closing.is_set():
                piece = chunk[: self.size - self.sent]
                await response.write(piece)
                self.sent += len(piece)
        except ConnectionError:
            pass  # the client stopped reading, which is what a flood is there to show
        finally:
            self.done.set()
        return response
