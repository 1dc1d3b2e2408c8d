"""The long-lived objects a listener needs, handed to it through Bolt's context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aiohttp

from bot.bland.client import BlandClient

if TYPE_CHECKING:
    from bot.storage.base import Store


@dataclass
class Services:
    """The Bland client, the store (None where no database is wired, as in `preview`),
    and one HTTP session for response_url posts (None: each post opens its own)."""

    bland: BlandClient
    store: Store | None = None
    admin_users: frozenset[str] = field(default_factory=frozenset)
    http: aiohttp.ClientSession | None = None
