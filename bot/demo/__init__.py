"""A built-in sample of Bland's batch API: deterministic data and a local server for it."""

from __future__ import annotations

from bot.demo.batches import DemoBatch
from bot.demo.calls import compute_analysis
from bot.demo.dataset import DemoDataset, benchmark_dataset, demo_dataset
from bot.demo.details import make_batch
from bot.demo.hostile import hostile_batch

__all__ = [
    "DemoBatch",
    "DemoDataset",
    "benchmark_dataset",
    "compute_analysis",
    "demo_dataset",
    "hostile_batch",
    "make_batch",
]
