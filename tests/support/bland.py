"""The Bland side of the tests: the stand-in's key, the documented JSON, the data it serves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp

from bot.bland.client import Backoff, BlandClient
from bot.demo.batches import DemoBatch
from bot.demo.batches_v2 import DemoBatchV2
from bot.demo.dataset import DemoDataset, demo_dataset
from bot.demo.dataset_v2 import DemoV2Dataset, demo_v2_dataset
from bot.demo.server import BlandServer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BLAND_KEY = "test-key"
# The documented in-progress example in fixtures/batch_details.json.
FIXTURE_BATCH_ID = "AAcQq8zXxLB56LWg-gen-batch"
# The keys of one entry of the documented /v1/batches list.
LIST_KEYS = {
    "batch_id",
    "campaign_id",
    "created_at",
    "label",
    "base_prompt",
    "endpoint_code",
    "call_params",
}
# The documented v2 list item (its id is not hex, as printed) in fixtures/v2_list_batches.json,
# served with the documented log example (fixtures/v2_batch_logs.json; the page elides the
# entries' ids and gives them another batch's id, completed and aligned here).
V2_FIXTURE_BATCH_ID = "652ad643-9gca-477c-97c3-9d8e6t74d7af"
# The keys of one item of the documented /v2/batches/list.
V2_LIST_KEYS = {"id", "user_id", "base_prompt", "created_at", "call_objects", "description"}
# Short waits, so a retry test takes milliseconds; Retry-After up to 5 s is honoured.
FAST = Backoff(initial=0.01, cap=0.02, max_retry_after=5)


def read_fixture(name: str) -> Any:
    """The parsed JSON of `tests/fixtures/<name>` (`.json` may be left off)."""
    path = FIXTURES / (name if name.endswith(".json") else f"{name}.json")
    return json.loads(path.read_text())


def fixture_dataset() -> DemoDataset:
    """The demo dataset plus the documented examples: the in-progress batch, served as
    printed (analysis not derived), and the list entries (no calls)."""
    dataset = demo_dataset()
    dataset.add(DemoBatch(read_fixture("batch_details"), derived_analysis=False))
    for entry in read_fixture("list_batches")["batches"]:
        dataset.add(DemoBatch.from_summary(entry))
    return dataset


def fixture_v2_dataset() -> DemoV2Dataset:
    """The demo's v2 batches plus the documented example, with its documented log."""
    dataset = demo_v2_dataset()
    (metadata,) = read_fixture("v2_list_batches")["data"]
    logs = read_fixture("v2_batch_logs")["data"]
    dataset.add(DemoBatchV2(metadata, list(reversed(logs))))
    return dataset


def client(server: BlandServer, **options: Any) -> BlandClient:
    """A BlandClient on `server` with the test key and FAST backoff unless told otherwise."""
    options.setdefault("backoff", FAST)
    return BlandClient(api_key=BLAND_KEY, base_url=server.url, **options)


async def get_json(server: BlandServer, path: str, key: str = BLAND_KEY) -> tuple[int, Any]:
    """The status and JSON body of a raw GET, as any HTTP client would see them."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url + path, headers={"authorization": key}) as response,
    ):
        return response.status, await response.json()
