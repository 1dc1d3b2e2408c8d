"""CSV export and transcript rendering of a 10,000-call batch: bot CPU and peak RSS.

The worker fetches the full batch (with transcripts) from the Bland stand-in with a
plain GET, then, in separate worker processes so each peak RSS is its own:
renders every call's transcript with `formatters.transcript.transcript`, or runs the
CSV export. The floor is `json.loads` of the same bytes, in the same process.

The CSV export is the one `/batch export <id> transcripts` runs:
`formatters.calls_csv.write_calls_csv` streaming rows, transcripts included, into a temporary
UTF-8 file, as the handler does before uploading it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
from typing import Any

import aiohttp

from benchmarks.processes import (
    announce,
    own_cpu_seconds,
    peak_rss_bytes,
    rss_bytes,
    run_worker,
    started,
)
from benchmarks.report import Row
from benchmarks.standins import BLAND_KEY

FIGURE = "exports"
FULL = {"include_calls": "true", "include_transcripts": "true", "include_analysis": "true"}
FLOOR_REPEATS = 2


# -- the bot side -------------------------------------------------------------------------


async def work(args: argparse.Namespace) -> dict[str, Any]:
    from bot.bland.models import BatchDetail
    from formatters.transcript import CallFacts, transcript

    body = await fetch(f"{args.bland}/v1/batches/{args.batch_id}")
    rss_before = rss_bytes()
    cpu0 = own_cpu_seconds()
    detail = BatchDetail.model_validate_json(body)
    parse_cpu = own_cpu_seconds() - cpu0
    out: dict[str, Any] = {"bytes": len(body), "parse_cpu": parse_cpu, "rss_before": rss_before}
    cpu0 = own_cpu_seconds()
    if args.what == "transcripts":
        blocks = 0
        for call in detail.call_data:
            facts = CallFacts.of(call, call.call_id or "")
            message = transcript(call.transcripts, batch_id=args.batch_id, call=facts, page=1)
            blocks += len(message.blocks)
        out["produced"] = blocks
    else:
        from formatters.calls_csv import write_calls_csv

        with tempfile.TemporaryFile("w+", encoding="utf-8-sig", newline="") as csv_file:
            out["rows"] = write_calls_csv(detail.call_data, csv_file, transcripts=True)
            out["produced"] = csv_file.tell()
        out["entry_point"] = "formatters.calls_csv.write_calls_csv"
    out["cpu"] = own_cpu_seconds() - cpu0
    out["peak_rss"] = peak_rss_bytes()
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
    note = f"+ parse {result['parse_cpu'] * 1e3:.0f} ms; {result['bytes'] / 1e6:.1f} MB fetched"
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
