"""What a Bland batch id (and call id) may look like, checked before any request.

Bland has two batch APIs. A v2 batch id is a UUID; a v1 id is anything else of the
v1 shape (like `AAcQq8zXxLB56LWg-gen-batch`). A UUID matches the v1 shape too, so the
UUID shape wins: `batch_api()` is the one place that decides which API to ask.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.bland.errors import BlandError
from bot.user_facing import UserFacingError

_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
# Loosely a UUID: Bland's own documented example (`652ad643-9gca-477c-97c3-9d8e6t74d7af`)
# is not hex, so letters and digits in the 8-4-4-4-12 groups are accepted. ASCII only:
# `re.ASCII` keeps `ç` or a full-width digit from passing as a letter or digit.
_V2_ID = re.compile(r"[a-z0-9]{8}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{12}", re.I)

V1_EXAMPLE = "AAcQq8zXxLB56LWg-gen-batch"
V2_EXAMPLE = "8b8e8c57-9e6e-4e4d-84d2-9826b2268c22"


class BatchApi(StrEnum):
    """Which of Bland's batch APIs serves a batch: `/v1/batches` or `/v2/batches`."""

    V1 = "v1"
    V2 = "v2"


class InvalidIdError(BlandError, UserFacingError, ValueError):
    """An id that cannot be a Bland id, refused before any request; safe to show the user.

    Still a ValueError: it is a bad argument as much as a problem with Bland."""


def check_batch_id(value: str) -> str:
    """Return `value` if it can be a batch id of either API; raise InvalidIdError otherwise."""
    if not is_batch_id(value):
        raise InvalidIdError(
            "A batch id is 1 to 128 letters, digits, `-` or `_`, like "
            f"`{V1_EXAMPLE}`, or a v2 batch's UUID, like `{V2_EXAMPLE}`."
        )
    return value


def check_v2_batch_id(value: str) -> str:
    """Return `value` if it is a v2 batch id (a UUID); raise InvalidIdError otherwise.

    A v1 id sent to `/v2/batches/...` would only come back as Bland's "not found"."""
    if not is_v2_batch_id(value):
        raise InvalidIdError(f"A v2 batch id is a UUID, like `{V2_EXAMPLE}`.")
    return value


def batch_api(batch_id: str) -> BatchApi:
    """The API that serves `batch_id`: V2 for a UUID, V1 for any other valid id.

    Raises InvalidIdError for what is no batch id at all, so a caller that branches on
    the answer has checked the id too."""
    check_batch_id(batch_id)
    return BatchApi.V2 if is_v2_batch_id(batch_id) else BatchApi.V1


def is_v2_batch_id(value: str) -> bool:
    """Whether `value` is shaped like a v2 batch id (a UUID, loosely)."""
    return isinstance(value, str) and value.isascii() and bool(_V2_ID.fullmatch(value))


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
    """Whether `value` can be a batch id of either API (a v2 UUID is a valid v1 shape)."""
    return isinstance(value, str) and bool(_ID.fullmatch(value))
