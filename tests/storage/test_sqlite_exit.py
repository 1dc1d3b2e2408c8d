"""A SQLite store left open cannot keep its process from exiting."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

# Opens the store and ends without closing it, holding a reference as a stuck shutdown
# step would: aiosqlite's worker thread is then still waiting for work.
SCRIPT = """
import asyncio, sys
from bot.storage import open_store

store = open_store(sys.argv[1])
asyncio.run(store.open())
print("opened", flush=True)
"""


@pytest.mark.timeout(60)
async def test_an_unclosed_store_does_not_keep_the_process_alive(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SCRIPT,
        f"sqlite:///{tmp_path / 'left-open.db'}",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, output.decode()
    assert output.decode().startswith("opened")
