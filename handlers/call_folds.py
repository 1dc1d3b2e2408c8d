"""What the call views keep of a batch's calls as they are read, a slice at a time.

A 10k-call batch's calls, held as models, are ~3x the bytes Bland sent; each view needs
only a few of them: a page of the list, the calls most worth reading, the calls an id
prefix names. Each fold is given the calls in order (see `bot.bland.slices`) and keeps
just that, so the view shows what it showed when it was given every call.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Sequence

from bot.bland.models import CallRow
from formatters.calls import PAGE_SIZE, PICKER_OPTIONS, readable, reading_order, shown_page


class CallPage:
    """The calls of page `page`, and how many calls there are."""

    def __init__(self, page: int, page_size: int = PAGE_SIZE) -> None:
        self.asked = page
        self.page_size = page_size
        self.total = 0
        self._asked: list[CallRow] = []
        # A page past the end shows the last: kept in case the asked one never comes.
        self._last: deque[CallRow] = deque(maxlen=page_size)

    def add(self, calls: Sequence[CallRow]) -> None:
        start = (max(self.asked, 1) - 1) * self.page_size - self.total
        low, high = max(start, 0), min(start + self.page_size, len(calls))
        if low < high:
            self._asked += calls[low:high]
        self._last.extend(calls[-self.page_size :])
        self.total += len(calls)

    @property
    def page(self) -> int:
        return shown_page(self.asked, self.total, self.page_size)

    def shown(self) -> list[CallRow]:
        if self._asked or self.page == max(self.asked, 1):
            return self._asked
        on_last = self.total - (self.page - 1) * self.page_size
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
    """The calls whose id starts with `ref` (case-insensitive), in order."""

    def __init__(self, ref: str) -> None:
        self.wanted = ref.lower()
        self.calls: list[CallRow] = []

    def add(self, calls: Sequence[CallRow]) -> None:
        wanted = self.wanted
        self.calls += [c for c in calls if c.call_id and c.call_id.lower().startswith(wanted)]
