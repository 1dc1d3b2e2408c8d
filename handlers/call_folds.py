"""What the call views keep of a batch's calls as they are read, a slice at a time.

A 10k-call batch's calls, held as models, are ~3x the bytes Bland sent; each view needs
only a few of them: a page of the list, the calls most worth reading, the calls an id
prefix names. Each fold is given the calls in order (see `bot.bland.slices`) and keeps
just that, so the view shows what it showed when it was given every call.
"""

from __future__ import annotations

import heapq
import re
from collections import deque
from collections.abc import Sequence

from bot.bland.call_outcomes import Outcome, calls_with, outcomes_of
from bot.bland.models import CallRow
from formatters.calls import PAGE_SIZE, PICKER_OPTIONS, readable, reading_order, shown_page


class CallPage:
    """The calls of page `page`, and how many calls there are. Read in slices, only the
    slice(s) holding the page are made into models; the rest are only counted."""

    def __init__(self, page: int, page_size: int = PAGE_SIZE) -> None:
        self.asked = max(page, 1)
        self.page_size = page_size
        self.total = 0
        self._asked: list[CallRow] = []
        # The last rows added, and how many calls had come by then: a page past the end
        # shows the last page, which these hold when the calls came by `add` alone.
        self._last: deque[CallRow] = deque(maxlen=page_size)
        self._last_at = 0

    def wants(self, raw: bytes | bytearray, before: int, count: int) -> bool:
        start = (self.asked - 1) * self.page_size
        return before < start + self.page_size and start < before + count

    def skip(self, count: int) -> None:
        self.total += count

    def add(self, calls: Sequence[CallRow]) -> None:
        start = (self.asked - 1) * self.page_size - self.total
        low, high = max(start, 0), min(start + self.page_size, len(calls))
        if low < high:
            self._asked += calls[low:high]
        self._last.extend(calls[-self.page_size :])
        self.total += len(calls)
        self._last_at = self.total

    @property
    def page(self) -> int:
        """The page shown: the one asked, or the last when it is past the end."""
        return shown_page(self.asked, self.total, self.page_size)

    def shown(self) -> list[CallRow] | None:
        """The calls of `page`; None when it is a last page that was only counted (ask
        again for `page`)."""
        if self.page == self.asked:
            return self._asked
        on_last = self.total - (self.page - 1) * self.page_size
        if self._last_at != self.total or len(self._last) < on_last:
            return None
        return list(self._last)[-on_last:]


class BestToRead:
    """The calls the transcript picker offers (in its order), and how many it may offer."""

    def __init__(self) -> None:
        self.readable = 0
        self.best: list[CallRow] = []

    def add(self, calls: Sequence[CallRow]) -> None:
        found = list(filter(readable, calls))
        self.readable += len(found)
        # nsmallest is sorted()[:n], stable: ties keep the calls' order, as a sort of all did.
        self.best = heapq.nsmallest(PICKER_OPTIONS, [*self.best, *found], key=reading_order)


class CallsNamed:
    """The calls whose id starts with `ref` (case-insensitive), in order. Read in slices,
    only slices whose bytes hold `ref` are made into models."""

    def __init__(self, ref: str) -> None:
        self.wanted = ref.lower()
        self._in_bytes = re.compile(re.escape(ref.encode()), re.IGNORECASE)
        self.calls: list[CallRow] = []

    def wants(self, raw: bytes | bytearray, before: int, count: int) -> bool:
        # An id written with \u escapes would not be found in the bytes: read those.
        return self._in_bytes.search(raw) is not None or b"\\u" in raw

    def skip(self, count: int) -> None:
        pass

    def add(self, calls: Sequence[CallRow]) -> None:
        wanted = self.wanted
        self.calls += [c for c in calls if c.call_id and c.call_id.lower().startswith(wanted)]


class CallsWith:
    """The calls with one outcome (`/batch calls <id> human`), as `calls_with` lists them:
    only those are kept as the slices are read."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome
        self.calls: list[CallRow] = []

    def add(self, calls: Sequence[CallRow]) -> None:
        outcome = self.outcome
        self.calls += [call for call in calls if outcome in outcomes_of(call)]

    def listed(self) -> list[CallRow]:
        """In Bland's order; `long` ones longest first."""
        return calls_with(self.calls, self.outcome)
