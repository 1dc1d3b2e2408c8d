"""Shared pytest fixtures: local stand-ins for Bland and Slack, and the documented JSON."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.demo.data import DemoBatch, demo_dataset
from bot.demo.server import BlandServer, serve_bland
from tests.standins.slack import SlackStandIn

FIXTURES = Path(__file__).parent / "fixtures"
BLAND_KEY = "test-key"


def read_fixture(name: str) -> Any:
    """The parsed JSON of `tests/fixtures/<name>` (`.json` may be left off)."""
    path = FIXTURES / (name if name.endswith(".json") else f"{name}.json")
    return json.loads(path.read_text())


# -- Documented Bland responses -----------------------------------------------------------


@pytest.fixture
def load_fixture() -> Callable[[str], Any]:
    """`load_fixture("batch_details")` returns a fresh copy of that fixture's JSON."""
    return read_fixture


# -- Bland: the demo API server ------------------------------------------------------------


@pytest.fixture
async def bland() -> AsyncIterator[BlandServer]:
    """The demo Bland API on 127.0.0.1 (key "test-key"): demo dataset plus the page examples.

    Also serves the documented in-progress example (`AAcQq8zXxLB56LWg-gen-batch`, one call,
    analysis as printed) and the documented list entry (`ZfowpkhOSVCZJ94i-gen-batch`, no
    calls). Inject faults with `bland.fail_next(...)`, read `bland.requests`.
    """
    dataset = demo_dataset()
    dataset.add(DemoBatch(read_fixture("batch_details"), derived_analysis=False))
    for entry in read_fixture("list_batches")["batches"]:
        dataset.add(DemoBatch.from_summary(entry))
    async with serve_bland(dataset, api_key=BLAND_KEY) as server:
        yield server


# -- Slack: Web API, response_url and Socket Mode stand-in --------------------------------


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    """A recording Slack stand-in; point clients at `slack.api_url`."""
    async with SlackStandIn() as stand_in:
        yield stand_in


# -- Processes: `python -m bot` started by a test ---------------------------------------


@pytest.fixture
async def spawn() -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """Processes a test started; any still running at the end are killed."""
    processes: list[asyncio.subprocess.Process] = []
    yield processes
    for process in processes:
        if process.returncode is None:
            process.kill()
            await process.wait()
