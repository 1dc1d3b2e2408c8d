"""Shared pytest fixtures: local stand-ins for Bland and Slack, the documented JSON, and
one real PostgreSQL server per session."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from bot.demo.server import BlandServer, serve_bland
from tests.support.bland import BLAND_KEY, fixture_dataset, fixture_v2_dataset, read_fixture
from tests.support.postgres import PostgresServer, running_postgres
from tests.support.slack_standin import SlackStandIn

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
    calls); and v2: the demo's v2 batches and the documented v2 example
    (`652ad643-9gca-477c-97c3-9d8e6t74d7af`, with its documented log). Inject faults with
    `bland.fail_next(...)`, read `bland.requests`.
    """
    async with serve_bland(
        fixture_dataset(), v2_dataset=fixture_v2_dataset(), api_key=BLAND_KEY
    ) as server:
        yield server


# -- Slack: Web API, response_url and Socket Mode stand-in --------------------------------


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    """A recording Slack stand-in; point clients at `slack.api_url`."""
    async with SlackStandIn() as stand_in:
        yield stand_in


# -- PostgreSQL: one real server for the session, a fresh database per test ----------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Started on first use only, so a run without PostgreSQL tests never starts one."""
    with running_postgres() as server:
        yield server


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
