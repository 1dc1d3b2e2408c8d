"""The long-lived objects a listener needs, handed to it through Bolt's context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aiohttp

from bot.admission import REPLY_CONCURRENCY, Admission
from bot.bland.client import BlandClient
from bot.clock import Clock, system_clock
from bot.inflight import InFlight
from bot.slots import Slots

if TYPE_CHECKING:
    from bot.storage.base import Store


# An export holds a whole batch (transcripts too) in memory while it writes the file:
# one at a time per person, and two per process, bound that memory.
EXPORTS_PER_USER = 1
EXPORTS = 2


@dataclass
class Services:
    """The Bland client, the store (None where no database is wired, as in `preview`),
    one HTTP session for response_url posts (None: each post opens its own), the slots
    that bound how many CSV exports run at once, the requests being answered, the turns
    for their work after the ack (`after_ack`), and the clock digest schedules are read
    by."""

    bland: BlandClient
    store: Store | None = None
    admin_users: frozenset[str] = field(default_factory=frozenset)
    http: aiohttp.ClientSession | None = None
    exports: Slots = field(default_factory=lambda: Slots(per_user=EXPORTS_PER_USER, total=EXPORTS))
    requests: InFlight = field(default_factory=InFlight)
    # When a digest set up now is first due (the watcher reads the same clock).
    clock: Clock = system_clock
    after_ack: Admission = field(default_factory=lambda: Admission(REPLY_CONCURRENCY))
