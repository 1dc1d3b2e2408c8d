"""Rows of figures and floors, growth fits across sizes, the printed table and results.json."""

from __future__ import annotations

import json
import math
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# A fitted exponent above this is flagged as worse than linear (noise allowance included).
SUPERLINEAR = 1.15


@dataclass
class Row:
    """One figure at one size, beside its floor measured in the same run."""

    figure: str
    size: str
    metric: str
    value: float | None
    unit: str
    floor: float | None = None
    floor_name: str = ""
    target: str = ""
    # "met", "missed", "info" (no target) or "skipped" (with the reason in `note`).
    status: str = "info"
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.floor:
            return None
        return self.value / self.floor


def judged(ok: bool | None) -> str:
    if ok is None:
        return "info"
    return "met" if ok else "missed"


@dataclass
class Growth:
    """How one metric grows with size: the log-log slope and the factor per 10x."""

    figure: str
    metric: str
    sizes: list[float]
    values: list[float]
    exponent: float | None
    per_10x: float | None
    flag: str


def fit_growth(figure: str, metric: str, points: list[tuple[float, float]]) -> Growth | None:
    """Least-squares slope of log(value) on log(size); None with fewer than two sizes."""
    usable = sorted((s, v) for s, v in points if s > 0 and v is not None and v > 0)
    if len({s for s, _ in usable}) < 2:
        return None
    xs = [math.log10(s) for s, _ in usable]
    ys = [math.log10(v) for _, v in usable]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    flag = "WORSE THAN LINEAR" if slope > SUPERLINEAR else "ok"
    return Growth(
        figure=figure,
        metric=metric,
        sizes=[s for s, _ in usable],
        values=[v for _, v in usable],
        exponent=round(slope, 3),
        per_10x=round(10**slope, 2),
        flag=flag,
    )


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit == "B":
        for scale, name in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
            if abs(value) >= scale:
                return f"{value / scale:.2f} {name}"
        return f"{value:.0f} B"
    if unit == "s":
        if abs(value) < 1e-3:
            return f"{value * 1e6:.0f} µs"
        if abs(value) < 1:
            return f"{value * 1e3:.1f} ms"
        return f"{value:.2f} s"
    if unit == "%":
        return f"{value:.1f} %"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return f"{text} {unit}".strip()


def table(rows: list[Row], growth: list[Growth]) -> str:
    """A Markdown table, each figure beside its floor, then the growth fits."""
    header = ["figure", "size", "metric", "value", "floor", "ratio", "target", "status"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        floor = f"{_num(row.floor, row.unit)} ({row.floor_name})" if row.floor is not None else "-"
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "-"
        status = row.status + (f": {row.note}" if row.note else "")
        cells = [
            row.figure,
            row.size,
            row.metric,
            _num(row.value, row.unit),
            floor,
            ratio,
            row.target or "-",
            status,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if growth:
        lines += [
            "",
            "| growth: figure | metric | sizes | exponent | per 10x | flag |",
            "|---|---|---|---|---|---|",
        ]
        for g in growth:
            sizes = ", ".join(f"{s:g}" for s in g.sizes)
            lines.append(
                f"| {g.figure} | {g.metric} | {sizes} | {g.exponent} | {g.per_10x}x | {g.flag} |"
            )
    return "\n".join(lines)


def write_results(
    path: Path, rows: list[Row], growth: list[Growth], *, mode: str, seconds: float
) -> None:
    """`results.json`: every row (with its ratio), every growth fit, and how it ran."""
    payload = {
        "mode": mode,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(seconds, 1),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "rows": [{**asdict(row), "ratio": row.ratio} for row in rows],
        "growth": [asdict(g) for g in growth],
    }
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
