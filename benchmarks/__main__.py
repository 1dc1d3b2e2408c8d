"""`python -m benchmarks [--quick | --smoke]`: every figure beside its floor, one table."""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import (
    ack_latency,
    adaptive,
    batch_view,
    exports,
    multiprocess,
    watcher_load,
    webhook_latency,
)
from benchmarks.report import Growth, Row, table, write_results

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results.json"
FIGURES = ("ack", "batch", "watcher", "multiprocess", "exports", "webhook", "adaptive")


@dataclass(frozen=True)
class Plan:
    """The sizes each figure runs at, for one mode."""

    ack_rounds: dict[int, int]
    batch_sizes: list[int]
    batch_runs: int
    watch_sizes: dict[str, list[int]]
    watch_interval: float
    watch_intervals: int
    process_counts: list[int]
    process_batches: int
    process_interval: float
    process_intervals: int
    # WATCH_TAKEOVER_SECONDS of the SIGKILL run (15 is the default; shorter in --smoke).
    process_takeover: float
    export_calls: int
    # Ends of each kind (webhook, polling, bare relay), and WATCH_POLL_SECONDS meanwhile.
    latency_ends: int
    latency_interval: float
    ack_modes: list[str] = field(default_factory=lambda: ["http", "socket"])
    # The poll schedule and counts budget rows' scale (`benchmarks.adaptive.SCALES`).
    mode: str = "full"


PLANS = {
    "full": Plan(
        ack_rounds={10: 20, 100: 5, 300: 3},
        batch_sizes=[1_000, 10_000, 50_000],
        batch_runs=5,
        watch_sizes={"v1": [100, 1_000, 10_000], "v2": [100, 1_000, 10_000]},
        watch_interval=30.0,
        watch_intervals=1,
        process_counts=[1, 2, 3, 5],
        process_batches=1_000,
        process_interval=10.0,
        process_intervals=2,
        process_takeover=15.0,
        export_calls=10_000,
        latency_ends=20,
        latency_interval=30.0,
    ),
    "quick": Plan(
        ack_rounds={10: 5, 100: 2},
        batch_sizes=[1_000, 10_000],
        batch_runs=3,
        watch_sizes={"v1": [100, 1_000], "v2": [100, 1_000]},
        watch_interval=5.0,
        watch_intervals=2,
        process_counts=[2, 3],
        process_batches=300,
        process_interval=4.0,
        process_intervals=2,
        process_takeover=15.0,
        export_calls=2_000,
        latency_ends=10,
        latency_interval=5.0,
        mode="quick",
    ),
    "smoke": Plan(
        ack_rounds={10: 1},
        batch_sizes=[1_000],
        batch_runs=1,
        watch_sizes={"v1": [50], "v2": [50]},
        watch_interval=2.0,
        watch_intervals=1,
        process_counts=[2],
        process_batches=50,
        process_interval=2.0,
        process_intervals=1,
        process_takeover=3.0,
        export_calls=1_000,
        latency_ends=3,
        latency_interval=2.0,
        mode="smoke",
    ),
}

Measure = Callable[[Plan], tuple[list[Row], list[Growth]]]

STEPS: dict[str, Measure] = {
    "ack": lambda p: ack_latency.measure(p.ack_rounds, p.ack_modes),
    "batch": lambda p: batch_view.measure(p.batch_sizes, p.batch_runs),
    "watcher": lambda p: watcher_load.measure(p.watch_sizes, p.watch_interval, p.watch_intervals),
    "multiprocess": lambda p: multiprocess.measure(
        p.process_counts,
        p.process_batches,
        p.process_interval,
        p.process_intervals,
        p.process_takeover,
    ),
    "exports": lambda p: (exports.measure(p.export_calls), []),
    "webhook": lambda p: (webhook_latency.measure(p.latency_ends, p.latency_interval), []),
    "adaptive": lambda p: (adaptive.measure(p.mode), []),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/run", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes, under 2 minutes")
    size.add_argument("--smoke", action="store_true", help="smallest size of each, < 60 s")
    parser.add_argument("--only", action="append", choices=FIGURES, help="repeatable")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    plan = PLANS[mode]
    rows: list[Row] = []
    growth: list[Growth] = []
    started_at = time.monotonic()
    for name in args.only or FIGURES:
        step_started = time.monotonic()
        print(f"[{mode}] {name} ...", file=sys.stderr, flush=True)
        try:
            new_rows, new_growth = STEPS[name](plan)
        except Exception as exc:
            traceback.print_exc()
            first = str(exc).splitlines()[0] if str(exc) else ""
            new_rows = [Row(name, "-", "run", None, "", status="error", note=first[:200])]
            new_growth = []
        rows += new_rows
        growth += new_growth
        print(f"[{mode}] {name}: {time.monotonic() - step_started:.0f} s", file=sys.stderr)
    seconds = time.monotonic() - started_at
    write_results(args.output, rows, growth, mode=mode, seconds=seconds)
    print(table(rows, growth))
    print(f"\n{mode} run: {seconds:.0f} s; results in {args.output}")
    return 1 if any(row.status == "error" for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
