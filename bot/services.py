"""The long-lived objects a listener needs, handed to it through Bolt's context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.bland.client import BlandClient

if TYPE_CHECKING:
    from bot.storage.base import Store


@dataclass
class Services:
    """The Bland client, the store (None where no database is wired, as in `preview`)."""

    bland: BlandClient
    store: Store | None = None
    admin_users: frozenset[str] = field(default_factory=frozenset)
