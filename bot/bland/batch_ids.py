"""What a Bland batch id (and call id) may look like, checked before any request."""

from __future__ import annotations

import re

from bot.bland.errors import BlandError
from bot.user_facing import UserFacingError

_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


class InvalidIdError(BlandError, UserFacingError, ValueError):
    """An id that cannot be a Bland id, refused before any request; safe to show the user.

    Still a ValueError: it is a bad argument as much as a problem with Bland."""


def check_batch_id(value: str) -> str:
    """Return `value` if it can be a batch id; raise InvalidIdError otherwise."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InvalidIdError(
            "A batch id is 1 to 128 letters, digits, `-` or `_`, like `AAcQq8zXxLB56LWg-gen-batch`."
        )
    return value


def check_campaign_id(value: str) -> str:
    """Return `value` if it can be a campaign id; raise InvalidIdError otherwise."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InvalidIdError("A campaign id is 1 to 128 letters, digits, `-` or `_`.")
    return value


def check_call_ref(value: str) -> str:
    """Return `value` if it can be a call id or the prefix of one."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InvalidIdError(
            "A call id is letters, digits and `-`, like `ffa99be3-63dd-44dc-9523-380cd25c1b9e`."
        )
    return value


def is_batch_id(value: str) -> bool:
    return bool(_ID.fullmatch(value))
