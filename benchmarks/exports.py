"""CSV export and transcript rendering of a 10,000-call batch: bot CPU and peak RSS.

The worker fetches the full batch (with transcripts) from the Bland stand-in with a
plain GET, then, in separate worker processes so each peak RSS is its own:
renders every call's transcript with `formatters.transcript.transcript`, or runs the
CSV export. The floor is `json.loads` of the same bytes, in the same process.

The CSV export is the one `/batch export <id> transcripts` runs: the answer read a
slice of calls at a time (`bot.bland.slices.parse_sliced` as `BatchExport`), each
slice written as rows by `formatters.calls_csv.CsvRows` into a temporary UTF-8 file and
dropped, as the handler does before uploading it; its parse is inside its CPU. The
users'-path figure of the same export (signed command to reply, whole process) is in
`benchmarks.batch_view`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
from typing import Any

import aiohttp

from benchmarks.batch_view import peak, reset_peak
from benchmarks.processes import announce, own_cpu_seconds, run_worker, started
from benchmarks.report import Row
from benchmarks.standins import BLAND_KEY

FIGURE = "exports"
FULL = {"include_calls": "true", "include_transcripts": "true", "include_analysis": "true"}
FLOOR_REPEATS = 2


# -- the bot side -------------------------------------------------------------------------


async def work(args: argparse.Namespace) -> dict[str, Any]:
    body = await fetch(f"{args.bland}/v1/batches/{args.batch_id}")
    # Peak from here (VmHWM after clear_refs): ru_maxrss would also count the harness's
    # RSS, which a forked worker inherits as its starting high-water mark.
    rss_before = reset_peak(os.getpid())
    out: dict[str, Any] = {"bytes": len(body), "rss_before": rss_before}
    if args.what == "transcripts":
        from bot.bland.models import BatchDetail
        from formatters.transcript import CallFacts, transcript

        cpu0 = own_cpu_seconds()
        detail = BatchDetail.model_validate_json(body)
        out["parse_cpu"] = own_cpu_seconds() - cpu0
        cpu0 = own_cpu_seconds()
        blocks = 0
        for call in detail.call_data:
            facts = CallFacts.of(call, call.call_id or "")
            message = transcript(call.transcripts, batch_id=args.batch_id, call=facts, page=1)
            blocks += len(message.blocks)
        out["produced"] = blocks
    else:
        from bot.bland.client import parse
        from bot.bland.models import BatchExport
        from bot.bland.slices import parse_sliced
        from formatters.calls_csv import CsvRows

        cpu0 = own_cpu_seconds()
        with tempfile.TemporaryFile("w+", encoding="utf-8-sig", newline="") as csv_file:
            _, written = parse_sliced(
                BatchExport, body, lambda: CsvRows(csv_file, transcripts=True), parse
            )
            out["rows"] = written.rows
            out["produced"] = csv_file.tell()
        out["entry_point"] = "parse_sliced(BatchExport) + formatters.calls_csv.CsvRows"
    out["cpu"] = own_cpu_seconds() - cpu0
    out["peak_rss"] = peak(os.getpid())
    floor = []
    for _ in range(FLOOR_REPEATS):
        cpu0 = own_cpu_seconds()
        json.loads(body)
        floor.append(own_cpu_seconds() - cpu0)
    out["floor_cpu"] = statistics.median(floor)
    return out


async def fetch(url: str) -> bytes:
    """The raw body, as the client would receive it: what is measured starts from the bytes."""
    async with (
        aiohttp.ClientSession(headers={"authorization": BLAND_KEY}) as session,
        session.get(url, params=FULL) as response,
    ):
        response.raise_for_status()
        return await response.read()


# -- the harness side ---------------------------------------------------------------------


def measure(calls: int) -> list[Row]:
    rows: list[Row] = []
    with started(["benchmarks.standins", "bland", "--sizes", str(calls)], within=300) as bland:
        batch_id = bland.info["by_size"][str(calls)]
        for what in ("transcripts", "csv"):
            result = run_worker(
                [
                    "benchmarks.exports",
                    "work",
                    "--what",
                    what,
                    "--bland",
                    bland.info["url"],
                    "--batch-id",
                    batch_id,
                ],
                timeout=300,
            )
            rows += _rows(what, calls, result)
    return rows


def _rows(what: str, calls: int, result: dict[str, Any]) -> list[Row]:
    name = "transcript rendering (every call)" if what == "transcripts" else "CSV export"
    label = f"{calls:,} calls"
    floor = result["floor_cpu"]
    parsed = result.get("parse_cpu")
    note = "parse included" if parsed is None else f"+ parse {parsed * 1e3:.0f} ms"
    note += f"; {result['bytes'] / 1e6:.1f} MB fetched"
    if "entry_point" in result:
        note += f"; {result['entry_point']}"
    return [
        Row(
            FIGURE,
            label,
            f"{name}: CPU",
            result["cpu"],
            "s",
            floor=floor,
            floor_name="json.loads of the same bytes",
            note=note,
            extra=result,
        ),
        Row(
            FIGURE,
            label,
            f"{name}: peak RSS",
            float(result["peak_rss"]),
            "B",
            floor=float(result["rss_before"]),
            floor_name="RSS holding the fetched bytes",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="The bot side of the exports figure.")
    sub = parser.add_subparsers(dest="command", required=True)
    work_parser = sub.add_parser("work")
    work_parser.add_argument("--what", choices=["transcripts", "csv"], required=True)
    work_parser.add_argument("--bland", required=True)
    work_parser.add_argument("--batch-id", required=True)
    announce(asyncio.run(work(parser.parse_args())))


if __name__ == "__main__":
    main()
