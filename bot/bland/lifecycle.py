"""What a watch of a v2 batch shows: its lifecycle state and latest message, as counts.

A v2 batch reports its calls' totals only once it finishes; before that, its log says
which phase it is in and what it has done (`Requested: 9. Validated: 9. Dispatched: 3.`).
`LifecycleCounts` carries both, and its `key()` changes whenever either does, so the
watcher's "edit only when what is shown changed" rule holds for v2 progress messages
as it does for v1's counts.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from bot.bland.stats import CallCounts
from bot.bland.view import BatchView, V2Progress

# Bland's lifecycle message while a batch places its calls, as in its docs' example.
_DISPATCHED = re.compile(
    r"\bRequested:\s*(\d[\d,]*)\b.*?\bDispatched:\s*(\d[\d,]*)", re.IGNORECASE | re.DOTALL
)


@dataclass(frozen=True)
class LifecycleCounts(CallCounts):
    """A v2 batch's counts (None until it finishes), with its status and latest message.

    `completed` is calls finished (successful or failed), `errored` the failed ones."""

    status: str | None = None
    message: str | None = None

    @classmethod
    def of(cls, progress: V2Progress) -> LifecycleCounts:
        return cls(
            total=progress.calls_total,
            completed=progress.calls_done,
            errored=progress.calls_failed,
            status=progress.status,
            message=progress.message,
        )

    @classmethod
    def of_view(cls, view: BatchView) -> LifecycleCounts:
        return cls(
            total=view.total,
            completed=view.completed,
            errored=view.failed,
            status=view.status,
            message=view.message,
        )

    @property
    def successful(self) -> int | None:
        if self.completed is None or self.errored is None:
            return None
        return max(0, self.completed - self.errored)

    def key(self) -> str:
        # Hashed: the message is Bland's text, of any length, and the key is stored.
        shown = f"{self.status}\x00{self.message}\x00{super().key()}"
        return "v2:" + hashlib.sha256(shown.encode("utf-8", "replace")).hexdigest()[:24]


def dispatched(message: str | None) -> tuple[int, int] | None:
    """`Requested: 9. Validated: 9. Dispatched: 3.` as (3, 9): calls placed of calls
    requested, the only running count a v2 batch's log gives; None when it says neither.
    A batch ends after its last call is placed, so a finish estimated from these comes
    early, never late."""
    found = _DISPATCHED.search(message or "")
    if found is None:
        return None
    requested, placed = (int(group.replace(",", "")) for group in found.groups())
    return (min(placed, requested), requested) if requested > 0 else None
