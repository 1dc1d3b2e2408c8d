"""The batches a demo server serves: DemoDataset, the demo dataset and benchmark datasets."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import UTC, datetime

from bot.demo.batches import DemoBatch
from bot.demo.calls import bland_id
from bot.demo.details import make_batch
from bot.demo.hostile import hostile_batch
from bot.demo.scenarios import (
    CAMPAIGN_RENEWALS,
    CAMPAIGN_SURVEYS,
    DEMO_EPOCH,
    ERRORS_BATCH_ID,
    JSON,
    LARGE_BATCH_ID,
    LIVE_BATCH_ID,
    SMALL_BATCH_ID,
    UNLABELLED_BATCH_ID,
)


class DemoDataset:
    """The batches a demo server serves, in insertion order, addressable by id."""

    def __init__(self, batches: Iterable[DemoBatch | JSON] = ()) -> None:
        self.batches: dict[str, DemoBatch] = {}
        self._call_index: dict[str, str] | None = None
        for batch in batches:
            self.add(batch)

    def add(self, batch: DemoBatch | JSON) -> DemoBatch:
        """Add a batch (a DemoBatch or a details dict), replacing one with the same id."""
        demo = batch if isinstance(batch, DemoBatch) else DemoBatch(batch)
        self.batches[demo.batch_id] = demo
        self._call_index = None
        return demo

    def remove(self, batch_id: str) -> None:
        self.batches.pop(batch_id, None)
        self._call_index = None

    def get(self, batch_id: str) -> DemoBatch | None:
        return self.batches.get(batch_id)

    def __getitem__(self, batch_id: str) -> DemoBatch:
        return self.batches[batch_id]

    def __contains__(self, batch_id: object) -> bool:
        return batch_id in self.batches

    def __len__(self) -> int:
        return len(self.batches)

    def ids(self) -> list[str]:
        return list(self.batches)

    @property
    def tour_batch_id(self) -> str:
        """A finished batch worth showing first: the small demo batch when present."""
        if SMALL_BATCH_ID in self.batches:
            return SMALL_BATCH_ID
        finished = (b for b in self.batches.values() if b.status == "completed" and b.calls)
        return next((b.batch_id for b in finished), next(iter(self.batches), ""))

    @property
    def tour_call_id(self) -> str:
        """A call of `tour_batch_id` that a person answered, so its transcript is a dialogue."""
        batch = self.batches.get(self.tour_batch_id)
        calls = batch.calls if batch is not None else []
        answered = (c for c in calls if c.get("answered_by") == "human" and c.get("transcripts"))
        chosen = next(answered, calls[0] if calls else {})
        return str(chosen.get("call_id") or "")

    def list_entries(
        self,
        *,
        campaign_id: str | None = None,
        start: int | None = None,
        end: int | None = None,
        limit: int = 1000,
        ascending: bool = False,
    ) -> list[JSON]:
        """`GET /v1/batches` entries: sorted by creation, then `[start:end]`, then `limit`."""
        chosen = [
            batch
            for batch in self.batches.values()
            if campaign_id is None or batch.params.get("campaign_id") == campaign_id
        ]
        chosen.sort(key=lambda batch: batch.created_at, reverse=not ascending)
        chosen = chosen[start:end][: max(0, limit)]
        return [batch.summary() for batch in chosen]

    def find_call(self, call_id: str) -> tuple[DemoBatch, JSON] | None:
        if self._call_index is None:
            self._call_index = {
                str(call.get("call_id")): batch.batch_id
                for batch in self.batches.values()
                for call in batch.calls
            }
        batch_id = self._call_index.get(call_id)
        batch = self.batches.get(batch_id) if batch_id is not None else None
        call = batch.find_call(call_id) if batch is not None else None
        return (batch, call) if batch is not None and call is not None else None


def demo_dataset(*, seed: int = 7) -> DemoDataset:
    """About six batches across two campaigns, covering the states the bot must show."""
    base = DEMO_EPOCH.timestamp()

    def at(hours_before: float) -> datetime:
        return datetime.fromtimestamp(base - hours_before * 3600, UTC)

    return DemoDataset(
        [
            make_batch(
                SMALL_BATCH_ID,
                calls=3,
                seed=seed,
                errors=0,
                campaign_id=CAMPAIGN_RENEWALS,
                created_at=at(72),
            ),
            make_batch(
                LIVE_BATCH_ID,
                calls=40,
                status="in-progress",
                completed=24,
                seed=seed,
                errors=1,
                scenario="satisfaction",
                campaign_id=CAMPAIGN_SURVEYS,
                created_at=at(0.5),
            ),
            make_batch(
                LARGE_BATCH_ID,
                calls=250,
                seed=seed,
                campaign_id=CAMPAIGN_RENEWALS,
                label="Q2 Renewals - West Region",
                created_at=at(30),
            ),
            make_batch(
                ERRORS_BATCH_ID,
                calls=30,
                seed=seed,
                errors=9,
                scenario="satisfaction",
                campaign_id=CAMPAIGN_SURVEYS,
                label="Headphones follow-up (carrier trouble)",
                created_at=at(20),
            ),
            hostile_batch(),
            make_batch(
                UNLABELLED_BATCH_ID,
                calls=5,
                seed=seed,
                errors=0,
                label=None,
                campaign_id=None,
                created_at=at(100),
            ),
        ]
    )


def benchmark_dataset(
    *, batches: int = 1, calls: int = 10_000, in_progress: int = 0, seed: int = 0
) -> DemoDataset:
    """`batches` batches of `calls` calls each; the first `in_progress` are still running."""
    rng = random.Random(seed)
    base = DEMO_EPOCH.timestamp()
    dataset = DemoDataset()
    for index in range(batches):
        batch_id = bland_id(rng)
        detail = make_batch(
            batch_id,
            calls=calls,
            status="in-progress" if index < in_progress else "completed",
            seed=seed,
            scenario="renewal" if index % 2 == 0 else "satisfaction",
            campaign_id=CAMPAIGN_RENEWALS if index % 2 == 0 else CAMPAIGN_SURVEYS,
            created_at=datetime.fromtimestamp(base - index * 600, UTC),
        )
        dataset.add(DemoBatch(detail, derived_analysis=True))
    return dataset
