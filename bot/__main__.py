"""Command line: run the bot (`python -m bot [--demo | --watcher-only]`) or preview a reply."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from bot.bland.client import BlandClient
from bot.logs import configure_logging
from bot.preview import PreviewError, preview, render
from bot.services import Services
from bot.settings import Settings, SettingsError, load_settings
from bot.storage.urls import database_password

if TYPE_CHECKING:
    from bot.demo.server import BlandServer

log = logging.getLogger("bot")

DEMO_KEY = "demo-key"
TOUR = [
    "/batches",
    "/batch {completed}",
    "/batch calls {completed}",
    "/batch transcript {completed} {call}",
    # The calls that matter, and one of them whole.
    "/batch calls {completed} human",
    "/batch call {completed} {call}",
    "/batch {hostile}",
    # A v2 batch (a UUID) reads the same way: its summary, and its calls.
    "/batch {v2}",
    "/batch calls {v2}",
    "/batch not/a/batch",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument(
        "--demo",
        action="store_true",
        help="serve a built-in sample Bland API and use it; with no Slack keys, print a tour",
    )
    parser.add_argument(
        "--watcher-only",
        action="store_true",
        help="run the watcher without a Slack listener (a separate watcher dyno)",
    )
    sub = parser.add_subparsers(dest="action")
    show = sub.add_parser("preview", help="print the message a command would get")
    show.add_argument("command", help='for example "/batch AAcQq8zXxLB56LWg-gen-batch"')
    show.add_argument("--demo", action="store_true", dest="demo_preview")
    args = parser.parse_args(argv)
    demo = bool(args.demo or getattr(args, "demo_preview", False))
    try:
        if args.action == "preview":
            return asyncio.run(_preview(args.command, demo=demo))
        if demo:
            return asyncio.run(_demo())
        return _run(listen=not args.watcher_only)
    except KeyboardInterrupt:
        return 130


def _run(*, listen: bool) -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        print("See README.md: Settings. `python -m bot --demo` runs without keys.", file=sys.stderr)
        return 2
    _configure_logging(settings)
    from bot.runner import run

    return asyncio.run(run(settings, listen=listen))


def _configure_logging(settings: Settings) -> None:
    """Logging that never prints one of the settings' secrets, whatever a message holds."""
    configure_logging(
        settings.log_level,
        secrets=[
            settings.bland_api_key.get_secret_value(),
            *(
                s.get_secret_value()
                for s in (
                    settings.slack_signing_secret,
                    settings.metrics_token,
                    settings.bland_webhook_secret,
                )
                if s
            ),
            database_password(settings.database_url) or "",
        ],
        log_format=settings.log_format,
    )


@asynccontextmanager
async def _demo_bland() -> AsyncIterator[BlandServer]:
    from bot.demo.server import serve_bland

    async with serve_bland(api_key=DEMO_KEY, progress=True) as server:
        yield server


async def _preview(command: str, *, demo: bool) -> int:
    logging.basicConfig(level=logging.WARNING)
    if demo:
        async with _demo_bland() as server:
            return await _print_preview(command, BlandClient(api_key=DEMO_KEY, base_url=server.url))
    key = os.environ.get("BLAND_API_KEY")
    if not key:
        print(
            "BLAND_API_KEY is not set; add --demo to use the built-in sample API.", file=sys.stderr
        )
        return 2
    url = os.environ.get("BLAND_API_URL", "https://api.bland.ai")
    return await _print_preview(command, BlandClient(api_key=key, base_url=url))


async def _print_preview(command: str, bland: BlandClient) -> int:
    async with bland:
        try:
            messages = await preview(command, Services(bland=bland))
        except PreviewError as exc:
            print(f"preview: {exc}", file=sys.stderr)
            return 2
    print(render(messages))
    return 0


async def _demo() -> int:
    """With Slack keys: the real bot against the sample API. Without: a printed tour."""
    async with _demo_bland() as server:
        url = server.url
        os.environ["BLAND_API_URL"] = url
        os.environ["BLAND_API_KEY"] = DEMO_KEY
        has_slack = os.environ.get("SLACK_BOT_TOKEN") or _dotenv_has("SLACK_BOT_TOKEN")
        if has_slack:
            try:
                settings = load_settings()
            except SettingsError as exc:
                print(exc, file=sys.stderr)
                return 2
            _configure_logging(settings)
            from bot.runner import run

            print(f"Demo: the bot is using the sample Bland API at {url}", file=sys.stderr)
            if hook := demo_status_webhook(server, settings):
                print(f"Demo: the live v2 batch posts its webhook to {hook}", file=sys.stderr)
            return await run(settings)
        return await _tour(url)


def demo_status_webhook(server: BlandServer, settings: Settings) -> str | None:
    """With a webhook secret, make the sample API's live v2 batch POST its signed status
    webhook to this bot, as Bland does for a batch created with `status_webhook`: so
    `/batch watch` on it alerts the moment it ends. The URL, or None without a secret."""
    from bot.demo.dataset_v2 import V2_LIVE_BATCH_ID
    from bot.webhook import ROUTE

    if settings.bland_webhook_secret is None:
        return None
    url = f"http://127.0.0.1:{settings.port}{ROUTE}"
    server.set_status_webhook(
        V2_LIVE_BATCH_ID, url, settings.bland_webhook_secret.get_secret_value()
    )
    return url


async def _tour(url: str) -> int:
    from bot.demo.dataset import demo_dataset
    from bot.demo.dataset_v2 import V2_FINISHED_BATCH_ID
    from bot.demo.scenarios import HOSTILE_BATCH_ID

    dataset = demo_dataset()
    completed = dataset.tour_batch_id
    call = dataset.tour_call_id
    print(
        "No Slack keys found, so here is what the bot answers, rendered from the built-in\n"
        f"sample Bland API ({url}). Paste a Block Kit Builder link into a browser to see it.\n"
        "Set SLACK_BOT_TOKEN and SLACK_APP_TOKEN (or SLACK_SIGNING_SECRET) to run it in Slack.\n"
    )
    bland = BlandClient(api_key=DEMO_KEY, base_url=url)
    async with bland:
        services = Services(bland=bland)
        for template in TOUR:
            command = template.format(
                completed=completed,
                call=call[:8],
                hostile=HOSTILE_BATCH_ID,
                v2=V2_FINISHED_BATCH_ID,
            )
            print(f"\n$ {command}")
            print(render(await preview(command, services)))
        if sys.stdin.isatty():
            print("\nType a command (like /batch help), or an empty line to quit.")
            while line := await asyncio.to_thread(_read_line):
                try:
                    print(render(await preview(line, services)))
                except PreviewError as exc:
                    print(exc)
    return 0


def _read_line() -> str:
    try:
        return input("> ").strip()
    except EOFError:
        return ""


def _dotenv_has(name: str) -> bool:
    try:
        with open(".env", encoding="utf-8") as env:
            return any(line.strip().startswith(f"{name}=") for line in env)
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
