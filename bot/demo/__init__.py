"""A built-in sample of Bland's batch API: deterministic data and a local server for it."""

from __future__ import annotations

from bot.demo.data import (
    DemoBatch,
    DemoDataset,
    benchmark_dataset,
    compute_analysis,
    demo_dataset,
    hostile_batch,
    make_batch,
)

__all__ = [
    "DemoBatch",
    "DemoDataset",
    "benchmark_dataset",
    "compute_analysis",
    "demo_dataset",
    "hostile_batch",
    "make_batch",
]
