"""What the demo server records and injects: RecordedRequest, and Fault with its bad answers."""

from __future__ import annotations

import asyncio
import contextlib
import math
from dataclasses import dataclass, field

from aiohttp import web

from bot.demo.routes import JSON_TYPE, error
from bot.demo.routes_v2 import envelope_error, errors_response


@dataclass
class RecordedRequest:
    """One request as the server saw it, faulted or not."""

    method: str
    path: str
    query_string: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float
    # Bytes of the body answered (0 until answered, and for streamed or faulted answers).
    sent_bytes: int = 0


@dataclass
class Fault:
    """Answer the next `times` matching requests badly instead of normally.

    `kind` is "status" (answer `status`, with Retry-After when `retry_after` is set; a
    string is sent as written; a v2 path gets a v2 envelope), "envelope" (answer
    `status`, 200 by default, with a v2 envelope whose `errors` hold `code` and
    `message`, each null when None), "hang" (stall `seconds`, then answer normally),
    "invalid_json" (200, broken body), "drip" (the normal answer, one byte every
    `seconds`) or "flood" (`status` with a body of `size` bytes, its length declared
    up front when `declared`). A fault matches when `path` is None or a prefix of the
    request path, and `method` is None or equal to the request method.

    `sent` counts the body bytes a drip or flood wrote before the client went away;
    `done` is set when it stopped writing. A hang also ends at `release()`.
    """

    kind: str
    times: int = 1
    path: str | None = None
    method: str | None = None
    status: int = 500
    retry_after: float | str | None = None
    seconds: float = 0.0
    message: str | None = None
    code: str | None = None
    size: int = 0
    declared: bool = False
    used: int = field(default=0, init=False)
    sent: int = field(default=0, init=False)
    done: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    released: asyncio.Event = field(default_factory=asyncio.Event, init=False)

    def release(self) -> None:
        """Let the requests a hang holds, and any it holds from now on, be answered."""
        self.released.set()

    def matches(self, request: web.Request) -> bool:
        return (
            self.used < self.times
            and (self.path is None or request.path.startswith(self.path))
            and (self.method is None or self.method.upper() == request.method)
        )

    async def answer(self, closing: asyncio.Event, *, v2: bool = False) -> web.Response | None:
        """This fault's bad answer; None when the request should now be answered normally.

        `v2`: the request is to a v2 path, so an error comes in a v2 envelope."""
        if self.kind == "status":
            headers = {}
            if isinstance(self.retry_after, str):
                headers["Retry-After"] = self.retry_after
            elif self.retry_after is not None:
                headers["Retry-After"] = f"{self.retry_after:g}"
            message = self.message or f"Injected HTTP {self.status}"
            if v2:
                return envelope_error(self.status, message, headers=headers)
            return error(self.status, message, headers)
        if self.kind == "envelope":
            return errors_response(self.status, [{"error": self.code, "message": self.message}])
        if self.kind == "invalid_json":
            return web.Response(text='{"status": "success", "batches": [', content_type=JSON_TYPE)
        if self.kind == "hang":
            ends = [asyncio.ensure_future(e.wait()) for e in (closing, self.released)]
            timeout = self.seconds if math.isfinite(self.seconds) else None
            await asyncio.wait(ends, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            for end in ends:
                end.cancel()
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


class FaultControls:
    """The ways a test makes the demo server answer badly: each adds a Fault to `faults`,
    which the server consults, first match first, before answering a request."""

    faults: list[Fault]

    def add_fault(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    def fail_next(
        self,
        times: int = 1,
        *,
        status: int = 500,
        path: str | None = None,
        method: str | None = None,
        retry_after: float | str | None = None,
        message: str | None = None,
    ) -> Fault:
        """The next `times` matching requests answer `status` with a Bland error body."""
        return self.add_fault(
            Fault(
                "status",
                times,
                path=path,
                method=method,
                status=status,
                retry_after=retry_after,
                message=message,
            )
        )

    def rate_limit_next(
        self, times: int = 1, *, retry_after: float | str | None = 1, path: str | None = None
    ) -> Fault:
        """The next `times` matching requests answer 429 with `Retry-After`."""
        return self.fail_next(
            times, status=429, path=path, retry_after=retry_after, message="Rate limit exceeded"
        )

    def hang_next(self, times: int = 1, *, seconds: float, path: str | None = None) -> Fault:
        """The next `times` matching requests stall `seconds` before answering normally."""
        return self.add_fault(Fault("hang", times, path=path, seconds=seconds))

    def hold_next(self, times: int = 1, *, path: str | None = None) -> Fault:
        """The next `times` matching requests wait until the returned fault's `release()`."""
        return self.add_fault(Fault("hang", times, path=path, seconds=math.inf))

    def garble_next(self, times: int = 1, *, path: str | None = None) -> Fault:
        """The next `times` matching requests answer 200 with a body that is not JSON."""
        return self.add_fault(Fault("invalid_json", times, path=path))

    def drip_next(self, times: int = 1, *, seconds: float = 1.0, path: str | None = None) -> Fault:
        """The next `times` matching requests get their answer one byte every `seconds`."""
        return self.add_fault(Fault("drip", times, path=path, seconds=seconds))

    def flood_next(
        self,
        times: int = 1,
        *,
        size: int,
        status: int = 200,
        declared: bool = False,
        path: str | None = None,
    ) -> Fault:
        """The next `times` matching requests answer `status` with `size` bytes of body."""
        return self.add_fault(
            Fault("flood", times, path=path, status=status, size=size, declared=declared)
        )

    def envelope_error_next(
        self,
        times: int = 1,
        *,
        code: str | None,
        message: str | None = None,
        status: int = 200,
        path: str | None = None,
    ) -> Fault:
        """The next `times` matching requests answer `status` (200 by default) with a v2
        envelope whose `errors` hold `code` and `message`."""
        return self.add_fault(
            Fault("envelope", times, path=path, status=status, code=code, message=message)
        )

    def clear_faults(self) -> None:
        self.faults.clear()
