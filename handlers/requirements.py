"""What some requests need that some ways of running lack: the database, and a channel.

`preview` and the demo tour run without a database; App Home and DMs have no channel.
Each feature names what it needs in its own words."""

from __future__ import annotations

from bot.services import Services
from bot.storage.base import Store
from bot.user_facing import UserFacingError
from handlers.replies import Who


class NoStoreError(UserFacingError):
    """The request needs the database, which this way of running has not opened."""


class NoChannelError(UserFacingError):
    """The request posts in a channel, and was not made in one."""


def need_store(services: Services, why: str) -> Store:
    """The store, or NoStoreError saying `why` it is needed."""
    if services.store is None:
        raise NoStoreError(why)
    return services.store


def need_channel(who: Who, why: str) -> str:
    """The channel the request came from, or NoChannelError saying `why` it is needed."""
    if not who.channel_id:
        raise NoChannelError(why)
    return who.channel_id
