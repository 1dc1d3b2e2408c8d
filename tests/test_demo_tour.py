"""`python -m bot --demo` without Slack keys prints a tour of replies, v2 batches included."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.demo.dataset_v2 import V2_FINISHED_BATCH_ID
from tests.support.processes import outside_env, start_bot


async def test_the_tour_includes_a_v2_batch(
    tmp_path: Path, spawn: list[asyncio.subprocess.Process]
) -> None:
    # In an empty directory: no .env with Slack keys turns the tour into the real bot.
    process = await start_bot(outside_env(), tmp_path, spawn, "--demo")
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    text = output.decode()
    assert process.returncode == 0, text[-2000:]
    assert f"$ /batch {V2_FINISHED_BATCH_ID}\n" in text
    assert (
        f'"text": "Batch Customer Satisfaction Follow-up ({V2_FINISHED_BATCH_ID}): completed, '
        '12 of 12 calls completed"'
    ) in text
    assert f"$ /batch calls {V2_FINISHED_BATCH_ID}\n" in text
    assert "Traceback" not in text
