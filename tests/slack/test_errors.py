"""Reading Slack's error code and Retry-After from a SlackApiError, whatever the body."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.slack.errors import MAX_CODE_LENGTH, UNKNOWN_ERROR, error_code, retry_after
from tests.support.local_http import serving
from tests.support.slack_standin import SlackStandIn


def api_error(
    data: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> SlackApiError:
    """The error slack_sdk raises for a failed call, around a response with this body."""
    response = AsyncSlackResponse(
        client=AsyncWebClient(token="xoxb-test"),
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data=data,
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError("The request to the Slack API failed.", response)


def test_the_code_of_a_json_error() -> None:
    assert error_code(api_error({"ok": False, "error": "channel_not_found"})) == (
        "channel_not_found"
    )


def test_a_non_json_body_has_no_code() -> None:
    # slack_sdk keeps a text/plain body (a proxy's error page, say) as a str.
    caught = api_error("<html>502 Bad Gateway</html>", status=502)
    assert isinstance(caught.response.data, str)
    assert error_code(caught) == UNKNOWN_ERROR
    assert retry_after(caught) is None


@pytest.mark.parametrize("data", [{"ok": False}, {"ok": False, "error": None}, {}, ""])
def test_a_missing_error_is_unknown(data: Any) -> None:
    assert error_code(api_error(data, status=500)) == UNKNOWN_ERROR


@pytest.mark.parametrize(
    "code",
    [
        "x-" * 5_000,
        "<!channel> please click https://evil.example",
        "channel_not_found\nTraceback",
        "kanäle",
        "",
        42,
        ["channel_not_found"],
        {"code": "channel_not_found"},
    ],
)
def test_a_garbage_code_is_not_echoed(code: Any) -> None:
    assert error_code(api_error({"ok": False, "error": code})) == UNKNOWN_ERROR


def test_a_huge_wordlike_code_is_not_a_code() -> None:
    code = "a_" * 5_000
    assert error_code(api_error({"ok": False, "error": code})) == UNKNOWN_ERROR


def test_the_longest_code_is_kept() -> None:
    code = "a" * MAX_CODE_LENGTH
    assert error_code(api_error({"ok": False, "error": code})) == code


def test_errors_without_a_slack_response() -> None:
    assert error_code(ValueError("no response here")) == UNKNOWN_ERROR
    assert retry_after(ValueError("no response here")) is None
    assert error_code(SlackApiError("odd", None)) == UNKNOWN_ERROR
    assert error_code(SlackApiError("odd", {"ok": False, "error": "ratelimited"})) == (
        "ratelimited"
    )


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("30", 30.0), ("0", 0.0), ("1.5", 1.5), (" 7 ", 7.0)],
)
def test_retry_after_in_seconds(header: str, seconds: float) -> None:
    caught = api_error(
        {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": header}
    )
    assert retry_after(caught) == seconds


@pytest.mark.parametrize("header", ["1e999", "-1e999", "nan", "inf", "-5", "soon", ""])
def test_an_unusable_retry_after_is_none(header: str) -> None:
    caught = api_error(
        {"ok": False, "error": "ratelimited"}, status=429, headers={"retry-after": header}
    )
    assert retry_after(caught) is None


async def test_codes_and_retry_after_from_real_calls(slack: SlackStandIn) -> None:
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    slack.fail_channel("C_ARCHIVED", "is_archived")
    with pytest.raises(SlackApiError) as archived:
        await web.chat_postMessage(channel="C_ARCHIVED", text="hi")
    assert error_code(archived.value) == "is_archived"
    assert retry_after(archived.value) is None

    slack.rate_limit("chat.postMessage", retry_after=17)
    with pytest.raises(SlackApiError) as limited:
        await web.chat_postMessage(channel="C1", text="hi")
    assert error_code(limited.value) == "ratelimited"
    assert retry_after(limited.value) == 17.0


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("text/plain", "Bad Gateway"), ("text/html", "<html>502</html>"), ("application/json", "{")],
)
async def test_a_proxy_error_page_from_a_real_call_is_unknown(content_type: str, body: str) -> None:
    async def bad_gateway(request: web.Request) -> web.Response:
        return web.Response(status=502, text=body, content_type=content_type)

    app = web.Application()
    app.router.add_post("/api/chat.postMessage", bad_gateway)
    async with serving(app) as url:
        web_client = AsyncWebClient(token="xoxb-test", base_url=f"{url}/api/")
        with pytest.raises(SlackApiError) as caught:
            await web_client.chat_postMessage(channel="C1", text="hi")
    assert error_code(caught.value) == UNKNOWN_ERROR
    assert retry_after(caught.value) is None
