"""The benchmark runs end to end at its smallest sizes and writes well-formed results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STATUSES = {"met", "missed", "info", "skipped"}


@pytest.mark.timeout(180)
def test_smoke_run_writes_well_formed_results(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| figure |" in result.stdout

    data = json.loads(output.read_text())
    assert data["mode"] == "smoke"
    rows = data["rows"]
    figures = {row["figure"] for row in rows}
    assert {"ack latency (http)", "ack latency (socket)", "/batch <id>", "watcher"} <= figures
    assert "exports" in figures and "watchers on PostgreSQL" in figures
    assert "alert latency (v2)" in figures
    for row in rows:
        assert row["status"] in STATUSES, row
        assert isinstance(row["metric"], str) and row["metric"]
        if row["status"] != "skipped":
            assert isinstance(row["value"], int | float), row
        if row["floor"] and row["value"] is not None:
            assert row["ratio"] == pytest.approx(row["value"] / row["floor"])
    for fit in data["growth"]:
        assert set(fit) >= {"figure", "metric", "exponent", "per_10x", "flag"}
