"""A throwaway aiohttp app on 127.0.0.1 for one test: a server that misbehaves on purpose."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """`async with serving(app) as url:` `app` listening on a free port until the block
    ends; `url` is `http://127.0.0.1:<port>`, with no trailing slash."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()
