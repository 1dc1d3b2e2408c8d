"""How long one Bland request may take and how large its answer may be, with defaults."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """An overall deadline for a request, its retries included, and a cap on the body.

    The read timeout alone bounds each read, not the answer: a server dripping a byte a
    second would hold a request (and a watcher slot) for ever, and a huge body would be
    read whole into memory.
    """

    deadline: float = 30.0
    max_bytes: int = 64 * MB


# 64 MB is twice the 32.7 MB status-and-figures answer of a 50,000-call batch.
DEFAULT_LIMITS = Limits()
# A 10,000-call batch with transcripts is 14.8 MB and peaks at ~170 MB RSS while the
# CSV is written; 256 MB of body still fits a large machine, and stops a runaway one.
EXPORT_LIMITS = Limits(deadline=300.0, max_bytes=256 * MB)
