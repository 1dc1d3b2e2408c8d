"""Small text charts that read well in a Slack code block."""

from __future__ import annotations

from collections.abc import Mapping

_EIGHTHS = " ▏▎▍▌▋▊▉"
BAR_WIDTH = 20


def bar(value: float, maximum: float, width: int = BAR_WIDTH) -> str:
    """A horizontal bar in eighths of a character, `width` characters at `maximum`."""
    if maximum <= 0 or value <= 0:
        return ""
    eighths = max(1, round(min(value, maximum) / maximum * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


def histogram(counts: Mapping[str, int], *, label_width: int = 8) -> str:
    """One line per bucket: label, bar, count. Buckets keep their given order."""
    items = [(str(k)[:label_width], v) for k, v in counts.items() if isinstance(v, int) and v >= 0]
    if not items:
        return ""
    top = max(v for _, v in items)
    width = max(len(str(v)) for _, v in items)
    return "\n".join(
        f"{label:<{label_width}} {value:>{width}} {bar(value, top)}" for label, value in items
    )


def progress(done: int, total: int, width: int = BAR_WIDTH) -> str:
    """`▕██████▌        ▏ 33%`: a progress bar with its percentage."""
    if total <= 0:
        return "▕" + " " * width + "▏ -"
    share = min(max(done / total, 0.0), 1.0)
    filled = bar(share, 1.0, width)
    return f"▕{filled}{' ' * (width - len(filled))}▏ {share:.0%}"
