"""The async client for Bland's batch API: one reusable connection pool, typed results."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

import aiohttp
from aiohttp.http_exceptions import ContentEncodingError
from pydantic import ValidationError
from yarl import URL

from bot.bland.batch_ids import (
    check_batch_id,
    check_call_ref,
    check_campaign_id,
    check_v2_batch_id,
    is_batch_id,
    is_v2_batch_id,
)
from bot.bland.envelope import envelope_errors, read_many, read_one, unwrap
from bot.bland.errors import (
    BlandConnectionError,
    BlandError,
    BlandResponseError,
    BlandStatusError,
    BlandTimeoutError,
    BlandTooLargeError,
    status_error,
)
from bot.bland.lenient import LenientModel
from bot.bland.limits import DEFAULT_LIMITS, EXPORT_LIMITS, Limits
from bot.bland.models import (
    BatchDetail,
    BatchExport,
    BatchList,
    BatchOverview,
    BatchRows,
    CallDetail,
    StopResult,
)
from bot.bland.models_v2 import BatchCalls, BatchV2, CallList, LogEntry, StopResultV2
from bot.bland.outcomes import outcome
from bot.bland.slices import Fold, parse_sliced
from bot.bland.stats import CallTally
from bot.metrics import bland_request_done

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.bland.ai"
LARGE_BODY = 1_000_000
_STATUS_ONLY = {
    "include_calls": "false",
    "include_transcripts": "false",
    "include_analysis": "false",
}
# The calls' figures and the analysis, never transcripts.
_OVERVIEW = {"include_calls": "true", "include_transcripts": "false", "include_analysis": "true"}
USER_AGENT = "bland-batches-slack/0.1"
RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
# Of an error answer (or a redirect, which is never followed: it would take the API key
# elsewhere) only the message is wanted; a huge error page is not read whole.
ERROR_BODY_BYTES = 64 * 1024

M = TypeVar("M", bound=LenientModel)
T = TypeVar("T")
F = TypeVar("F", bound=Fold)
Direction = Literal["asc", "desc"]
# Enough of a v2 batch's log to find its state: a batch logs a handful of lifecycle
# phases and one `complete` event.
LOG_TAKE = 50
# Bland's own default for `GET /v1/calls`.
CALLS_LIMIT = 1000


@dataclass(frozen=True)
class Timeouts:
    """Seconds allowed to connect and for each read; `Limits` bounds the whole answer."""

    connect: float = 5.0
    read: float = 30.0


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff with full jitter, plus the longest Retry-After we wait."""

    initial: float = 0.5
    cap: float = 8.0
    max_retry_after: float = 20.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        ceiling = min(self.cap, self.initial * 2**attempt)
        return random.uniform(ceiling / 2, ceiling)


class BlandClient:
    """Talks to Bland. Use as `async with BlandClient(api_key=...) as bland:`."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        timeouts: Timeouts = Timeouts(),
        max_retries: int = 3,
        backoff: Backoff = Backoff(),
        max_connections: int = 64,
        limits: Limits = DEFAULT_LIMITS,
        export_limits: Limits = EXPORT_LIMITS,
    ) -> None:
        self._max_retries = max_retries
        self._backoff = backoff
        self._limits = limits
        self._export_limits = export_limits
        self._secrets = (api_key,)
        self._base = base_url.rstrip("/")
        self._headers = {
            "authorization": api_key,
            "accept": "application/json",
            "user-agent": USER_AGENT,
        }
        # `connect` covers waiting for a pooled connection too; `sock_read` each read.
        self._timeout = aiohttp.ClientTimeout(
            total=None,
            connect=timeouts.connect,
            sock_connect=timeouts.connect,
            sock_read=timeouts.read,
        )
        self._max_connections = max_connections
        # Made on first use, inside the running loop, as aiohttp requires; it belongs to
        # that loop for good. After `aclose()` none is made again (see `_open_session`).
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pool; later requests raise BlandConnectionError. Idempotent."""
        self._closed = True
        session, self._session = self._session, None
        # A pool made in another loop can only be closed there; if that loop has ended
        # its sockets went with it, and there is nothing left to await here.
        if session is not None and self._loop is asyncio.get_running_loop():
            await session.close()

    def _open_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._session
        if session is not None and self._loop is loop and not session.closed:
            return session
        if self._closed:
            # A request left behind by shutdown must not open a pool nobody will close.
            raise BlandConnectionError("the Bland client is closed")
        if self._loop is not None and self._loop is not loop:
            # aiohttp's pool cannot move between loops: it failed with "Event loop is
            # closed", not a BlandError. One client per loop, as the bot has.
            raise BlandConnectionError(
                "the Bland client was made in another event loop; make one per loop"
            )
        self._loop = loop
        # aiohttp directly, not httpx over it: httpx's request and response objects,
        # header copies and byte streams were a sixth of a watcher poll's CPU.
        self._session = session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._max_connections),
            headers=self._headers,
            timeout=self._timeout,
            # Bland's answers are read as sent; cookies would only cost a lookup.
            cookie_jar=aiohttp.DummyCookieJar(),
            raise_for_status=False,
        )
        return session

    async def list_batches(
        self,
        *,
        campaign_id: str | None = None,
        start: int | None = None,
        end: int | None = None,
        limit: int | None = None,
        ascending: bool | None = None,
    ) -> BatchList:
        """`GET /v1/batches`: newest first unless `ascending`."""
        if campaign_id is not None:
            check_campaign_id(campaign_id)
        params: dict[str, str] = {}
        if campaign_id is not None:
            params["campaign_id"] = campaign_id
        if start is not None:
            params["from"] = str(start)
        if end is not None:
            params["to"] = str(end)
        if limit is not None:
            params["limit"] = str(limit)
        if ascending is not None:
            params["ascending"] = _flag(ascending)
        return await self._get(BatchList, "/v1/batches", params)

    async def get_batch(
        self,
        batch_id: str,
        *,
        include_calls: bool = True,
        include_transcripts: bool = True,
        include_analysis: bool = True,
    ) -> BatchDetail:
        """`GET /v1/batches/{id}`. Ask only for what you will show."""
        check_batch_id(batch_id)
        params = {
            "include_calls": _flag(include_calls),
            "include_transcripts": _flag(include_transcripts),
            "include_analysis": _flag(include_analysis),
        }
        return await self._get(BatchDetail, f"/v1/batches/{batch_id}", params)

    async def get_batch_overview(self, batch_id: str) -> BatchOverview:
        """The batch with its analysis and each call's figures, never transcripts:
        what a summary, a progress count or a final alert needs."""
        overview, _ = await self.get_batch_overview_sized(batch_id)
        return overview

    async def get_batch_overview_sized(self, batch_id: str) -> tuple[BatchOverview, int]:
        """`get_batch_overview`, and the bytes its answer took: what the watcher's counts
        budget weighs (5.7 MB for 10,000 calls)."""
        check_batch_id(batch_id)
        body = await self._request(
            "GET", f"/v1/batches/{batch_id}", _OVERVIEW, retries=self._max_retries
        )
        if len(body) > LARGE_BODY:
            return await asyncio.to_thread(self._parse, BatchOverview, body), len(body)
        return self._parse(BatchOverview, body), len(body)

    async def get_batch_tally(self, batch_id: str) -> tuple[BatchOverview, CallTally]:
        """What a summary needs, as `get_batch_overview` asks for it, but with the calls
        gathered into a CallTally a slice at a time and never all held: the batch comes
        back with its `call_data` empty. Memory: the answer's bytes plus one slice."""
        check_batch_id(batch_id)
        params = {
            "include_calls": "true",
            "include_transcripts": "false",
            "include_analysis": "true",
        }
        return await self._get_sliced(BatchOverview, f"/v1/batches/{batch_id}", params, CallTally)

    async def get_batch_rows(self, batch_id: str, *, into: Callable[[], F]) -> tuple[BatchRows, F]:
        """The batch with each call's row (no transcripts, no analysis): what the call
        list, the transcript picker and a transcript's header need. The rows are added
        to `into()` a slice at a time, never all held, as `export_batch` does."""
        check_batch_id(batch_id)
        params = {
            "include_calls": "true",
            "include_transcripts": "false",
            "include_analysis": "false",
        }
        return await self._get_sliced(BatchRows, f"/v1/batches/{batch_id}", params, into)

    async def batch_statuses(
        self, batch_ids: Sequence[str], *, concurrency: int = 8, within: float = 4.0
    ) -> dict[str, str | None]:
        """Each batch's status, asked concurrently and bounded (the list has none).

        A status that fails or does not arrive `within` seconds is None: a list view
        shows what it has rather than failing whole or keeping the user waiting.
        """
        slots = asyncio.Semaphore(concurrency)
        found: dict[str, str | None] = dict.fromkeys(batch_ids)

        async def one(batch_id: str) -> None:
            async with slots:
                body = await self._request(
                    "GET", f"/v1/batches/{batch_id}", _STATUS_ONLY, retries=0
                )
            found[batch_id] = self._parse(BatchDetail, body).status

        valid = [b for b in batch_ids if is_batch_id(b)]
        await _each_within(one, valid, within=within, what="a batch status")
        return found

    async def export_batch(
        self, batch_id: str, *, transcripts: bool, into: Callable[[], F]
    ) -> tuple[BatchExport, F]:
        """Every call of the batch for a CSV export, added to `into()` a slice at a time
        (in a worker thread for a large answer), never all held; the batch comes back
        with its `call_data` empty. Given the export's longer deadline and larger size
        cap, since with transcripts it is the largest answer Bland gives.

        Should the answer have to be read whole after all (see `bot.bland.slices`), a
        second `into()` is made and given every call: it must start afresh."""
        check_batch_id(batch_id)
        params = {
            "include_calls": "true",
            "include_transcripts": _flag(transcripts),
            "include_analysis": "false",
        }
        return await self._get_sliced(
            BatchExport, f"/v1/batches/{batch_id}", params, into, limits=self._export_limits
        )

    async def get_call(self, call_id: str) -> CallDetail:
        """`GET /v1/calls/{id}`: one call with its transcript."""
        check_call_ref(call_id)
        return await self._get(CallDetail, f"/v1/calls/{call_id}", {})

    async def stop_batch(self, batch_id: str) -> StopResult:
        """`POST /v1/batches/{id}/stop`. Not retried: stopping twice is not harmless to report."""
        check_batch_id(batch_id)
        body = await self._request("POST", f"/v1/batches/{batch_id}/stop", {}, retries=0)
        return self._parse(StopResult, body)

    # -- v2 batches ---------------------------------------------------------------------
    # Every v2 answer is an envelope: `errors` (even with a 200) raise the same BlandError
    # tree as v1, and `data` is parsed as leniently as v1's models. See bot.bland.view for
    # reading a batch's status from its logs.

    async def list_batches_v2(
        self, *, take: int | None = None, skip: int | None = None
    ) -> list[BatchV2]:
        """`GET /v2/batches/list`: metadata only, no status or counts (see `latest_logs`)."""
        params: dict[str, str] = {}
        if take is not None:
            params["take"] = str(take)
        if skip is not None:
            params["skip"] = str(skip)
        return await self._get_many(BatchV2, "/v2/batches/list", params, what="batches")

    async def get_batch_v2(self, batch_id: str) -> BatchV2:
        """`GET /v2/batches/{id}`: one batch's metadata. Its progress is in `batch_logs`."""
        check_v2_batch_id(batch_id)
        body = await self._request("GET", f"/v2/batches/{batch_id}", {}, retries=self._max_retries)
        batch = read_one(BatchV2, body, what="batch", secrets=self._secrets)
        return batch if batch.id else batch.model_copy(update={"id": batch_id})

    async def batch_logs(
        self,
        batch_id: str,
        *,
        take: int = LOG_TAKE,
        direction: Direction = "desc",
        skip: int = 0,
    ) -> list[LogEntry]:
        """`GET /v2/batches/{id}/logs`: newest first by default, as `v2_progress` reads them."""
        check_v2_batch_id(batch_id)
        path = f"/v2/batches/{batch_id}/logs"
        params = _log_params(take, direction, skip)
        return await self._get_many(LogEntry, path, params, what="log entries")

    async def latest_logs(
        self,
        batch_ids: Sequence[str],
        *,
        take: int = LOG_TAKE,
        concurrency: int = 8,
        within: float = 4.0,
    ) -> dict[str, list[LogEntry] | None]:
        """Each v2 batch's newest log entries, asked concurrently and bounded: what a list
        view needs for statuses, since the v2 list has none (like `batch_statuses`).

        Logs that fail, do not arrive `within` seconds, or belong to no valid v2 id
        (never asked for) are None: a list view shows what it has.
        """
        slots = asyncio.Semaphore(concurrency)
        found: dict[str, list[LogEntry] | None] = dict.fromkeys(batch_ids)
        params = _log_params(take, "desc", 0)

        async def one_batch(batch_id: str) -> None:
            async with slots:
                body = await self._request("GET", f"/v2/batches/{batch_id}/logs", params, retries=0)
            found[batch_id] = read_many(LogEntry, body, what="log entries", secrets=self._secrets)

        valid = [b for b in dict.fromkeys(batch_ids) if is_v2_batch_id(b)]
        await _each_within(one_batch, valid, within=within, what="a batch log")
        return found

    async def stop_batch_v2(self, batch_id: str) -> StopResultV2:
        """`POST /v2/batches/{id}/stop`. Not retried, like v1's. Its answer is undocumented:
        whatever of `StopResultV2` came, with `batch_id` filled in."""
        check_v2_batch_id(batch_id)
        body = await self._request("POST", f"/v2/batches/{batch_id}/stop", {}, retries=0)
        data = self._unwrap(body)
        if isinstance(data, dict):
            result = StopResultV2.lenient(data)
        else:
            result = StopResultV2(message=data if isinstance(data, str) else None)
        return result if result.batch_id else result.model_copy(update={"batch_id": batch_id})

    async def list_calls(self, *, batch_id: str, limit: int = CALLS_LIMIT) -> BatchCalls:
        """`GET /v1/calls?batch_id=...&limit=...`: one page, never more, of the batch's calls.

        Bland does not document a `batch_id` filter on this list, so only calls that say
        they belong to `batch_id` are kept, and `BatchCalls.filter_ignored` says whether
        the answer held any other (then Bland ignored the filter: the handler should say
        Bland does not list this batch's calls, not page through the whole account).
        """
        check_batch_id(batch_id)
        limit = max(1, limit)
        params = {"batch_id": batch_id, "limit": str(limit)}
        listed = await self._get(CallList, "/v1/calls", params)
        calls = [call for call in listed.calls if call.batch_id == batch_id]
        return BatchCalls(
            batch_id=batch_id,
            calls=calls,
            filter_ignored=len(calls) < len(listed.calls),
            truncated=len(listed.calls) >= limit,
        )

    async def _get_many(
        self, model: type[M], path: str, params: Mapping[str, str], *, what: str
    ) -> list[M]:
        """A v2 GET, retried like v1's, its envelope's `data` read as a list of `model`."""
        body = await self._request("GET", path, params, retries=self._max_retries)
        read = functools.partial(read_many, model, body, what=what, secrets=self._secrets)
        if len(body) > LARGE_BODY:
            return await asyncio.to_thread(read)
        return read()

    def _unwrap(self, body: bytes | bytearray) -> Any:
        return unwrap(body, secrets=self._secrets)

    async def _get(
        self, model: type[M], path: str, params: Mapping[str, str], *, limits: Limits | None = None
    ) -> M:
        body = await self._request("GET", path, params, retries=self._max_retries, limits=limits)
        if len(body) > LARGE_BODY:
            # Parsing megabytes takes a while; in a thread, the loop keeps acking meanwhile.
            return await asyncio.to_thread(self._parse, model, body)
        return self._parse(model, body)

    async def _get_sliced(
        self,
        model: type[M],
        path: str,
        params: Mapping[str, str],
        fold: Callable[[], F],
        *,
        limits: Limits | None = None,
    ) -> tuple[M, F]:
        body = await self._request("GET", path, params, retries=self._max_retries, limits=limits)
        if len(body) > LARGE_BODY:
            return await asyncio.to_thread(parse_sliced, model, body, fold, self._parse)
        return parse_sliced(model, body, fold, self._parse)

    def _parse(self, model: type[M], body: bytes | bytearray) -> M:
        return parse(model, body, secrets=self._secrets)

    async def _send(
        self, method: str, path: str, params: Mapping[str, str], max_bytes: int
    ) -> tuple[int, str | None, bytes | bytearray]:
        """One request: the status, the Retry-After header and the body (capped)."""
        url = _url(self._base + path, tuple(params.items()))
        session = self._open_session()
        response = await session.request(method, url, allow_redirects=False)
        body: bytes | bytearray
        try:
            if response.status >= 300:
                body = await _read_start(response, ERROR_BODY_BYTES)
            else:
                body = await _read_capped(response, max_bytes)
        finally:
            # Releasing a half-read answer drops its connection rather than draining it.
            response.release()
        return response.status, response.headers.get("retry-after"), body

    async def _request(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        *,
        retries: int,
        limits: Limits | None = None,
    ) -> bytes | bytearray:
        if limits is None:
            limits = self._limits
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limits.deadline
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                async with asyncio.timeout_at(deadline):
                    status, retry_header, body = await self._send(
                        method, path, params, limits.max_bytes
                    )
                if status < 300:
                    # A 2xx that is not a JSON object fails to parse later: counted here
                    # by its first byte, so the check costs nothing on the hot path.
                    ok = body[:64].lstrip()[:1] == b"{"
                    bland_request_done(method, path, "ok" if ok else "bad_response", started)
                    return body
                message, code = _error_fields(body)
                error: BlandError = status_error(
                    status,
                    message,
                    _retry_after(retry_header),
                    secrets=self._secrets,
                    code=code,
                )
                retryable = status in RETRYABLE_STATUSES
            except aiohttp.ServerTimeoutError:
                # A connect or a read that took too long (aiohttp's own timeouts, which
                # are TimeoutErrors too, so caught before the deadline's).
                error, retryable = BlandTimeoutError("Bland did not answer in time"), True
            except TimeoutError:
                # asyncio.timeout_at's: the deadline passed, so there is no time to retry.
                bland_request_done(method, path, "timeout", started)
                raise BlandTimeoutError(
                    f"Bland's answer was too slow: not complete within {limits.deadline:g} s"
                ) from None
            except aiohttp.ClientConnectorError:
                error, retryable = BlandConnectionError("Bland refused the connection"), True
            except BlandError as exc:
                # Raised while reading (an answer over the size cap): counted, not retried.
                bland_request_done(method, path, outcome(exc), started)
                raise
            except aiohttp.ClientError as exc:
                error, retryable = _transport_error(exc)
            bland_request_done(method, path, outcome(error), started)
            if not retryable or attempt >= retries:
                raise error
            retry_after = error.retry_after if isinstance(error, BlandStatusError) else None
            if retry_after is not None and retry_after > self._backoff.max_retry_after:
                raise error
            delay = self._backoff.delay(attempt, retry_after)
            if loop.time() + delay >= deadline:
                raise error
            log.warning(
                "Bland %s %s failed (%s); retry %d in %.1fs",
                method,
                path,
                error,
                attempt + 1,
                delay,
            )
            await asyncio.sleep(delay)
            attempt += 1


def _transport_error(exc: aiohttp.ClientError) -> tuple[BlandError, bool]:
    """The BlandError for a failure on the wire, and whether to try again.

    A dropped connection or a body cut short may work next time; a body that fails to
    decode, or a status line that is not HTTP, is an answer, just not a readable one,
    so it is not retried (as invalid JSON is not)."""
    if isinstance(exc, aiohttp.ClientPayloadError) and isinstance(
        exc.__cause__, ContentEncodingError
    ):
        return BlandResponseError("ContentEncodingError"), False
    if isinstance(exc, aiohttp.ClientConnectionError | aiohttp.ClientPayloadError):
        return BlandConnectionError(type(exc).__name__), True
    return BlandResponseError(type(exc).__name__), False


@functools.lru_cache(maxsize=32_768)
def _url(address: str, params: tuple[tuple[str, str], ...]) -> URL:
    """Parsed once: the watcher asks for the same URLs every interval, and URL parsing
    was a quarter of a poll's CPU."""
    return URL(address).with_query(params)


def _log_params(take: int, direction: Direction, skip: int) -> dict[str, str]:
    return {"take": str(take), "skip": str(skip), "direction": direction}


def _flag(value: bool) -> str:
    return "true" if value else "false"


def parse(model: type[M], body: bytes | bytearray, *, secrets: Sequence[str] = ()) -> M:
    """`body` as `model`, repaired where it is odd; raises a BlandError, never ValueError."""
    parsed = _validate(model, body)
    # Bland sometimes answers 200 with `{"status": "error", "message": ...}`.
    if getattr(parsed, "status", None) == "error":
        message = getattr(parsed, "message", None)
        raise status_error(400, message if isinstance(message, str) else None, secrets=secrets)
    return parsed


async def _read_capped(response: aiohttp.ClientResponse, max_bytes: int) -> bytearray:
    """The whole body, or BlandTooLargeError as soon as it passes `max_bytes`."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise BlandTooLargeError(max_bytes)
    # One growing buffer, not chunks joined at the end: joining held the answer twice,
    # which was the peak memory of a sliced read (see bot.bland.slices). A bytearray is
    # read like bytes everywhere the answer goes (json, pydantic, re).
    body = bytearray()
    # Decoded bytes are counted, so a small gzip body cannot unpack past the cap.
    async for chunk in response.content.iter_any():
        if len(body) + len(chunk) > max_bytes:
            raise BlandTooLargeError(max_bytes)
        body += chunk
    return body


async def _read_start(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    """At most the first `max_bytes` of the body; the rest is never read."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_any():
        chunks.append(chunk)
        size += len(chunk)
        if size >= max_bytes:
            break
    return b"".join(chunks)[:max_bytes]


def _validate(model: type[M], body: bytes | bytearray) -> M:
    """The raw bytes validated in Rust; only when they fail, parsed in Python and repaired
    where the Rust pass found fault (see `LenientModel.lenient`)."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        failed = exc
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise BlandResponseError("Bland answered with something that is not JSON") from exc
    except RecursionError:
        # Arrays in arrays past Python's recursion limit: json.loads gives up, and so do we.
        raise BlandResponseError("Bland answered with JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise BlandResponseError("Bland answered with JSON that is not an object")
    return model.lenient(data, failed=failed)


def _error_fields(body: bytes | bytearray) -> tuple[str | None, str | None]:
    """The message and the v2 error code of an error answer, each None when absent.

    v1 answers `{"status": "error", "message": ...}`; v2 an envelope whose `errors`
    hold `{"error": "NOT_FOUND", "message": ...}`."""
    try:
        data: Any = json.loads(body)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    for key in ("message", "error"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value, None
    errors = envelope_errors(data.get("errors"))
    if errors:
        return errors[0].message or errors[0].error, errors[0].error
    return None, None


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait, or None when the header is absent or no usable number of seconds."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        # `1e999`, `inf`, `nan`, `-5`: no wait can be read from them.
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        # A "-0000" zone parses as naive; it means UTC with no zone information.
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


async def gather_within(
    fetch: Callable[[str], Awaitable[T]],
    ids: Sequence[str],
    *,
    concurrency: int,
    within: float,
    what: str,
) -> dict[str, T | None]:
    """`fetch` for each id, `concurrency` at a time, all within `within` seconds: the
    bounded fan-out of the list views, for any per-batch request. An id whose fetch
    failed or did not finish in time maps to None, so a caller shows what it has."""
    slots = asyncio.Semaphore(max(1, concurrency))
    unique = list(dict.fromkeys(ids))
    found: dict[str, T | None] = dict.fromkeys(unique)

    async def one(item: str) -> None:
        async with slots:
            found[item] = await fetch(item)

    await _each_within(one, unique, within=within, what=what)
    return found


async def _each_within(
    fetch: Callable[[str], Coroutine[Any, Any, None]],
    ids: Sequence[str],
    *,
    within: float,
    what: str,
) -> None:
    """`fetch` each id at once, giving up on those not done `within` seconds, so a list view
    shows what arrived instead of waiting; a failure is logged by its type alone."""
    tasks = [asyncio.create_task(fetch(item)) for item in ids]
    if not tasks:
        return
    try:
        done, _ = await asyncio.wait(tasks, timeout=within)
    finally:
        # Also when the caller is cancelled (a list view cut off by shutdown): no request
        # runs on unowned, and none ends in "Task exception was never retrieved".
        for task in tasks:
            task.cancel()
            task.add_done_callback(_retrieved)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            log.info("%s was not available: %s", what, type(task.exception()).__name__)


def _retrieved(task: asyncio.Task[None]) -> None:
    """Marks the task's outcome as seen: those cut off were given up on, not forgotten."""
    if not task.cancelled():
        task.exception()
