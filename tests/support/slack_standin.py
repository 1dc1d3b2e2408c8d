"""A local Slack Web API, response_url target and Socket Mode endpoint that records calls."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import WSMsgType, web

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
# The response_url path segment used when a test does not name one.
DEFAULT_RESPONSE = "resp"

# Parameters slack_sdk form-encodes as JSON strings; decoded so tests compare structures.
_JSON_PARAMS = ("blocks", "attachments", "metadata", "view", "files", "unfurl_links")
# Methods whose `channel` (or `channel_id`) a channel failure applies to.
_CHANNEL_METHODS = frozenset(
    {
        "chat.postMessage",
        "chat.update",
        "chat.delete",
        "chat.postEphemeral",
        "conversations.history",
        "files.completeUploadExternal",
    }
)

Handler = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class SlackCall:
    """One Web API request: the method, its merged parameters and the request headers."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    http_method: str
    content_type: str
    at: float


@dataclass(frozen=True)
class Upload:
    """Bytes sent to an upload URL issued by files.getUploadURLExternal."""

    file_id: str
    filename: str
    data: bytes


@dataclass
class _Failure:
    method: str | None
    error: str
    status: int = 200
    times: int | None = 1
    channel: str | None = None
    retry_after: int | None = None
    # When set, the answer is this raw body (not Slack's JSON) with `content_type`.
    body: str | None = None
    content_type: str = "text/plain"
    used: int = 0

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.times is not None and self.used >= self.times:
            return False
        if self.method is not None and self.method != method:
            return False
        if self.channel is not None:
            return method in _CHANNEL_METHODS and _channel_of(params) == self.channel
        return True


@dataclass
class _Overtake:
    method: str
    times: int
    at_most: float
    used: int = 0


@dataclass
class _Socket:
    ws: web.WebSocketResponse
    received: list[dict[str, Any]] = field(default_factory=list)


def _channel_of(params: dict[str, Any]) -> str | None:
    value = params.get("channel") or params.get("channel_id")
    return str(value) if value is not None else None


def _truthy(value: Any) -> bool:
    return str(value).lower() in {"1", "true", "yes"}


class SlackStandIn:
    """`async with SlackStandIn() as slack:` then point slack_sdk at `slack.api_url`.

    Recorded: `calls` (every Web API request, in order), `messages` (per channel, oldest
    first, as chat.postMessage/chat.update left them), `ephemerals`, `views`, `uploads`,
    `responses` (JSON bodies posted to each response_url token) and `socket_received`.

    `ignore_close = True` makes the Socket Mode endpoint behave like a peer that never
    answers the client's close frame: the connection stays open, silent, until `stop()`.
    """

    def __init__(
        self,
        *,
        team_id: str = "T0STANDIN",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        app_id: str = "A0APP",
    ) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.calls: list[SlackCall] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.modals: dict[str, dict[str, Any]] = {}
        self.uploads: list[Upload] = []
        self.files: dict[str, dict[str, Any]] = {}
        self.responses: dict[str, list[dict[str, Any]]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.url = ""
        self.ignore_close = False
        self._failures: list[_Failure] = []
        self._holds: dict[str, asyncio.Event] = {}
        self._overtakes: list[_Overtake] = []
        # Calls being held, by method: each waits for its event (a later call answered).
        self._held: dict[str, list[asyncio.Event]] = {}
        self._ts = itertools.count(100)
        self._file_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()
        self._sockets: list[_Socket] = []
        self._stopping = asyncio.Event()
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._handlers: dict[str, Handler] = {
            "api.test": lambda p: {"ok": True, "args": p},
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.delete": self._delete,
            "chat.postEphemeral": self._post_ephemeral,
            "conversations.history": self._history,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "apps.connections.open": self._connections_open,
            "conversations.open": self._conversations_open,
            "views.open": self._views_open,
            "views.update": self._views_update,
        }
        self.add_user("U0ADMIN", name="ada", real_name="Ada Admin", is_admin=True)
        self.add_user("U0OWNER", name="olga", real_name="Olga Owner", is_owner=True, is_admin=True)
        self.add_user("U0MEMBER", name="max", real_name="Max Member")

    # -- lifecycle --------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024**2)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{token}", self._response)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, 0)
        await site.start()
        self.url = f"http://{HOST}:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        for waiting in self._held.values():
            for released in waiting:
                released.set()
        for gate in self._holds.values():
            gate.set()
        self._stopping.set()
        for socket in self._sockets:
            with contextlib.suppress(Exception):
                await socket.ws.close()
        for future in self._acks.values():
            future.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_url(self) -> str:
        """The `base_url` for AsyncWebClient: it appends the method name."""
        return f"{self.url}/api/"

    @property
    def socket_url(self) -> str:
        return f"ws://{HOST}:{self.url.rsplit(':', 1)[1]}/socket"

    def response_url(self, token: str = DEFAULT_RESPONSE) -> str:
        """A response_url whose posts land in `responses[token]`."""
        return f"{self.url}/response/{token}"

    # -- setup ------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str = "user",
        real_name: str = "A User",
        is_admin: bool = False,
        is_owner: bool = False,
        tz: str = "America/New_York",
        **extra: Any,
    ) -> dict[str, Any]:
        user = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": real_name,
            "deleted": False,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_bot": False,
            "tz": tz,
            "profile": {"real_name": real_name, "display_name": name},
            **extra,
        }
        self.users[user_id] = user
        return user

    # -- failure injection ------------------------------------------------------------

    def rate_limit(
        self,
        method: str | None,
        *,
        times: int = 1,
        retry_after: int = 1,
        channel: str | None = None,
    ) -> None:
        """The next `times` calls answer HTTP 429, `Retry-After` and error `ratelimited`."""
        self._failures.append(
            _Failure(method, "ratelimited", 429, times, channel, retry_after=retry_after)
        )

    def fail(
        self,
        method: str | None,
        error: str,
        *,
        times: int | None = 1,
        channel: str | None = None,
        status: int = 200,
    ) -> None:
        """Answer `{"ok": false, "error": error}`; `times=None` keeps failing."""
        self._failures.append(_Failure(method, error, status, times, channel))

    def answer_raw(
        self,
        method: str | None,
        body: str,
        *,
        status: int = 200,
        content_type: str = "text/plain",
        times: int | None = 1,
    ) -> None:
        """Answer with `body` as it is, not Slack's JSON: what a proxy's HTML 502 page, a
        truncated answer or a plain-text 200 looks like to the client."""
        self._failures.append(
            _Failure(method, "", status, times, body=body, content_type=content_type)
        )

    def fail_channel(self, channel: str, error: str = "channel_not_found") -> None:
        """Every channel method for `channel` fails, e.g. `is_archived`, `not_in_channel`."""
        self.fail(None, error, times=None, channel=channel)

    def server_error(self, method: str | None, *, times: int = 1) -> None:
        """The next `times` calls answer HTTP 500."""
        self.fail(method, "internal_error", times=times, status=500)

    def hold(self, method: str) -> asyncio.Event:
        """Calls to `method` are recorded, then wait until the returned event is set:
        a way to keep work in flight while a test sends more."""
        gate = self._holds[method] = asyncio.Event()
        return gate

    def clear_failures(self) -> None:
        self._failures.clear()

    def hold_until_overtaken(self, method: str, *, times: int = 1, at_most: float = 3.0) -> None:
        """A slow Slack: the next `times` calls to `method` take effect (and are answered)
        only once a later call to the same method has been answered, or after `at_most`
        seconds. So a later call can land first, as it may on a congested network."""
        self._overtakes.append(_Overtake(method, times, at_most))

    def holding(self, method: str) -> int:
        """How many calls to `method` `hold_until_overtaken` is holding right now."""
        return len(self._held.get(method, []))

    # -- reading what was recorded ----------------------------------------------------

    def calls_to(self, method: str) -> list[SlackCall]:
        return [call for call in self.calls if call.method == method]

    def last(self, method: str) -> SlackCall:
        calls = self.calls_to(method)
        if not calls:
            raise AssertionError(f"no {method} call was made; made: {self.methods()}")
        return calls[-1]

    def methods(self) -> list[str]:
        return [call.method for call in self.calls]

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages as they now stand, oldest first (all channels when None)."""
        if channel is not None:
            return list(self.messages.get(channel, []))
        return [message for messages in self.messages.values() for message in messages]

    async def wait_for(
        self, method: str, count: int = 1, *, within: float = 5.0
    ) -> list[SlackCall]:
        """Wait until `count` calls to `method` were made (TimeoutError otherwise)."""
        await self._wait(lambda: len(self.calls_to(method)) >= count, within)
        return self.calls_to(method)

    async def wait_for_response(
        self, token: str = DEFAULT_RESPONSE, count: int = 1, *, within: float = 5.0
    ) -> list[dict[str, Any]]:
        """Wait until `count` bodies were posted to `response_url(token)`."""
        await self._wait(lambda: len(self.responses.get(token, [])) >= count, within)
        return self.responses[token]

    async def _wait(self, ready: Callable[[], bool], within: float) -> None:
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(ready)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- Web API ----------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append(
            SlackCall(
                method=method,
                params=params,
                headers=dict(request.headers),
                http_method=request.method,
                content_type=request.content_type,
                at=time.monotonic(),
            )
        )
        held = await self._wait_to_be_overtaken(method)
        try:
            gate = self._holds.get(method)
            if gate is not None:
                await self._notify()
                await gate.wait()
            failure = next((f for f in self._failures if f.matches(method, params)), None)
            if failure is not None:
                failure.used += 1
                if failure.body is not None:
                    return web.Response(
                        text=failure.body, status=failure.status, content_type=failure.content_type
                    )
                headers = {}
                if failure.retry_after is not None:
                    headers["Retry-After"] = str(failure.retry_after)
                return web.json_response(
                    {"ok": False, "error": failure.error}, status=failure.status, headers=headers
                )
            if not request.headers.get("Authorization", "").startswith("Bearer "):
                return web.json_response({"ok": False, "error": "not_authed"})
            handler = self._handlers.get(method)
            if handler is None:
                return web.json_response({"ok": False, "error": "unknown_method"})
            return web.json_response(handler(params))
        finally:
            if not held:
                for released in self._held.pop(method, []):
                    released.set()
            await self._notify()

    async def _wait_to_be_overtaken(self, method: str) -> bool:
        """Wait here if `hold_until_overtaken` applies to this call; True if it was held."""
        hold = next((h for h in self._overtakes if h.method == method and h.used < h.times), None)
        if hold is None:
            return False
        hold.used += 1
        released = asyncio.Event()
        self._held.setdefault(method, []).append(released)
        await self._notify()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(released.wait(), hold.at_most)
        waiting = self._held.get(method, [])
        if released in waiting:
            waiting.remove(released)
        return True

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
            elif request.content_type in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            ):
                form = await request.post()
                params.update({key: value for key, value in form.items() if isinstance(value, str)})
        for key in _JSON_PARAMS:
            value = params.get(key)
            if isinstance(value, str) and value[:1] in ("[", "{"):
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(value)
        return params

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://standin.slack.com/",
            "team": "Stand-in",
            "user": "bland-bot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _message(self, params: dict[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "ts": ts,
            "text": params.get("text") or "",
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if params.get(key) is not None:
                message[key] = params[key]
        return message

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = _channel_of(params)
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        message = self._message(params, ts)
        self.messages.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = _channel_of(params), params.get("ts")
        for index, message in enumerate(self.messages.get(channel or "", [])):
            if message["ts"] == ts:
                updated = {**self._message(params, ts), "edited": {"user": self.bot_user_id}}
                if "metadata" not in params and "metadata" in message:
                    updated["metadata"] = message["metadata"]
                self.messages[channel or ""][index] = updated
                return {
                    "ok": True,
                    "channel": channel,
                    "ts": ts,
                    "text": updated["text"],
                    "message": updated,
                }
        return {"ok": False, "error": "message_not_found"}

    def _delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = _channel_of(params) or "", params.get("ts")
        kept = [m for m in self.messages.get(channel, []) if m["ts"] != ts]
        if len(kept) == len(self.messages.get(channel, [])):
            return {"ok": False, "error": "message_not_found"}
        self.messages[channel] = kept
        return {"ok": True, "channel": channel, "ts": ts}

    def _post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        ts = self._next_ts()
        self.ephemerals.append({**params, "message_ts": ts})
        return {"ok": True, "message_ts": ts}

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = _channel_of(params) or ""
        with_metadata = _truthy(params.get("include_all_metadata", False))
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or "inf")
        inclusive = _truthy(params.get("inclusive", False))
        limit = int(params.get("limit") or 100)

        def inside(ts: float) -> bool:
            if inclusive:
                return oldest <= ts <= latest
            return oldest < ts < latest

        chosen = [m for m in self.messages.get(channel, []) if inside(float(m["ts"]))]
        chosen.reverse()
        page = chosen[:limit]
        if not with_metadata:
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        return {
            "ok": True,
            "messages": page,
            "has_more": len(chosen) > limit,
            "pin_count": 0,
            "response_metadata": {"next_cursor": ""},
        }

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        """A modal: kept in `modals` by view id, as views.update leaves it."""
        view = params.get("view")
        if not params.get("trigger_id") or not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        view_id = f"V{len(self.modals) + 1:08d}"
        self.modals[view_id] = view
        return {"ok": True, "view": {**view, "id": view_id}}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id, view = str(params.get("view_id")), params.get("view")
        if view_id not in self.modals or not isinstance(view, dict):
            return {"ok": False, "error": "not_found"}
        self.modals[view_id] = view
        return {"ok": True, "view": {**view, "id": view_id}}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id, view = params.get("user_id"), params.get("view")
        if not user_id or not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        stored = {**view, "id": f"V{len(self.views) + 1:08d}", "team_id": self.team_id}
        self.views[str(user_id)] = stored
        return {"ok": True, "view": stored}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user}

    def _get_upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("filename") or not params.get("length"):
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._file_ids):08d}"
        self.files[file_id] = {
            "id": file_id,
            "name": str(params["filename"]),
            "length": int(params["length"]),
        }
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        entries = params.get("files")
        if not isinstance(entries, list) or not entries:
            return {"ok": False, "error": "invalid_arguments"}
        completed = []
        for entry in entries:
            known = self.files.get(str(entry.get("id")))
            if known is None or "data" not in known:
                return {"ok": False, "error": "file_not_found"}
            known.update(
                title=entry.get("title"),
                channel=_channel_of(params),
                initial_comment=params.get("initial_comment"),
                thread_ts=params.get("thread_ts"),
            )
            completed.append(
                {
                    "id": known["id"],
                    "name": known["name"],
                    "title": entry.get("title") or known["name"],
                    "size": len(known["data"]),
                }
            )
        return {"ok": True, "files": completed}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        """A DM with one user: channel id `D` + the user id."""
        users = str(params.get("users") or "")
        if not users or "," in users:
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "channel": {"id": f"D{users}", "is_im": True}}

    def _connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self.socket_url}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        data = await request.read()
        known = self.files.get(file_id)
        if known is None:
            return web.Response(status=404, text="unknown upload")
        known["data"] = data
        self.uploads.append(Upload(file_id=file_id, filename=known["name"], data=data))
        await self._notify()
        return web.Response(text=f"OK - {len(data)}")

    async def _response(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        try:
            body = await request.json()
        except ValueError:
            body = {"_raw": (await request.read()).decode(errors="replace")}
        self.responses.setdefault(token, []).append(body)
        await self._notify()
        return web.Response(text="ok")

    # -- Socket Mode ------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ignore_close = self.ignore_close
        ws = web.WebSocketResponse(autoping=True, autoclose=not ignore_close)
        await ws.prepare(request)
        socket = _Socket(ws)
        self._sockets.append(socket)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {
                    "host": "standin",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": self.app_id},
            }
        )
        await self._notify()
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                data = json.loads(message.data)
            except ValueError:
                continue
            socket.received.append(data)
            future = self._acks.pop(str(data.get("envelope_id")), None)
            if future is not None and not future.done():
                future.set_result(data)
            await self._notify()
        if ignore_close:
            # The client's close frame arrived (that ended the loop): never answer it, and
            # keep the TCP connection open, as a Slack edge that has gone quiet would.
            await self._stopping.wait()
        with contextlib.suppress(ValueError):
            self._sockets.remove(socket)
        await self._notify()
        return ws

    @property
    def socket_received(self) -> list[dict[str, Any]]:
        """Every message the client sent over any socket (acks, mostly)."""
        return [message for socket in self._sockets for message in socket.received]

    async def wait_connected(self, *, within: float = 5.0) -> None:
        """Wait until a Socket Mode client is connected (it has been sent `hello`)."""
        await self._wait(lambda: any(not s.ws.closed for s in self._sockets), within)

    async def push(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        envelope_id: str | None = None,
        accepts_response_payload: bool | None = None,
        within: float = 5.0,
        **extra: Any,
    ) -> dict[str, Any]:
        """Send an envelope to the connected client and return its ack (`{"envelope_id"...}`)."""
        await self.wait_connected(within=within)
        envelope_id = envelope_id or str(uuid.uuid4())
        if accepts_response_payload is None:
            accepts_response_payload = envelope_type != "events_api"
        envelope = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "accepts_response_payload": accepts_response_payload,
            "payload": payload,
            **extra,
        }
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        socket = next(s for s in reversed(self._sockets) if not s.ws.closed)
        await socket.ws.send_json(envelope)
        try:
            async with asyncio.timeout(within):
                return await future
        finally:
            self._acks.pop(envelope_id, None)

    async def push_slash_command(
        self,
        text: str = "",
        *,
        command: str = "/batch",
        user_id: str = "U0MEMBER",
        channel_id: str = "C0CHANNEL",
        response_token: str = DEFAULT_RESPONSE,
        within: float = 5.0,
        **fields: Any,
    ) -> dict[str, Any]:
        """Send a slash command; its response_url posts land in `responses[response_token]`."""
        payload = {
            "token": "verification-token",
            "team_id": self.team_id,
            "team_domain": "standin",
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": self.users.get(user_id, {}).get("name", "user"),
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": self.response_url(response_token),
            "trigger_id": f"{int(time.time())}.1.standin",
            **fields,
        }
        return await self.push("slash_commands", payload, within=within)

    async def push_interactive(
        self, payload: dict[str, Any], *, within: float = 5.0
    ) -> dict[str, Any]:
        """Send an `interactive` envelope (block_actions, view_submission, shortcut...)."""
        return await self.push("interactive", payload, within=within)

    async def push_event(self, event: dict[str, Any], *, within: float = 5.0) -> dict[str, Any]:
        """Send an `events_api` envelope wrapping `event` in an event_callback."""
        payload = {
            "token": "verification-token",
            "team_id": self.team_id,
            "api_app_id": self.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {"team_id": self.team_id, "user_id": self.bot_user_id, "is_bot": True}
            ],
        }
        return await self.push(
            "events_api", payload, within=within, retry_attempt=0, retry_reason=""
        )

    async def disconnect_sockets(self, reason: str = "refresh_requested") -> None:
        """Ask connected clients to reconnect, as Slack does every few hours."""
        for socket in list(self._sockets):
            if not socket.ws.closed:
                await socket.ws.send_json({"type": "disconnect", "reason": reason})


class RealClockSlack(SlackStandIn):
    """Message ts from the real clock, as Slack's are: the history check asks for
    messages newer than the alert's creation time."""

    _seq = itertools.count(1)

    def _next_ts(self) -> str:
        return f"{time.time():.4f}{next(self._seq) % 100:02d}"
