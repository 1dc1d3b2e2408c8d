"""Bland's v2 answers: the `{"data": ..., "errors": ...}` envelope, unwrapped or raised.

v2 reports a failure in `errors`, with a 200 as readily as with an error status (the
shape of its errors is unconfirmed beyond `[{"error": "NOT_FOUND", "message": ...}]`),
so any non-empty `errors` becomes the same BlandError a v1 failure would.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar

from bot.bland.errors import BlandResponseError, status_error
from bot.bland.lenient import LenientModel
from bot.bland.models_v2 import EnvelopeError

M = TypeVar("M", bound=LenientModel)


def envelope_errors(value: Any) -> list[EnvelopeError]:
    """The errors an envelope's `errors` holds, whatever its shape: none for null or [],
    one per item of a list, one for a lone object or string."""
    if value is None or value == [] or value == {} or value == "":
        return []
    items = value if isinstance(value, list) else [value]
    return [_one_error(item) for item in items]


def _one_error(item: Any) -> EnvelopeError:
    if isinstance(item, dict):
        return EnvelopeError.lenient(item)
    if isinstance(item, str):
        return EnvelopeError(message=item)
    return EnvelopeError()


def raise_errors(errors: list[EnvelopeError], *, secrets: Sequence[str] = ()) -> None:
    """Raise the first of `errors` as a BlandError (none: return).

    A 200 carrying errors is read as v1's 200 with `{"status": "error"}` is: as a 400
    whose code (`NOT_FOUND`...) or wording decides the error class."""
    if not errors:
        return
    first = errors[0]
    raise status_error(400, first.message or first.error, code=first.error, secrets=secrets)


def unwrap(body: bytes | bytearray, *, secrets: Sequence[str] = ()) -> Any:
    """The `data` of a v2 answer; its `errors` raised as a BlandError.

    Raises BlandResponseError when the body is not a JSON object or has no `data` key."""
    try:
        raw = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BlandResponseError("Bland answered with something that is not JSON") from exc
    if not isinstance(raw, dict):
        raise BlandResponseError("Bland answered with JSON that is not an object")
    raise_errors(envelope_errors(raw.get("errors")), secrets=secrets)
    if "data" not in raw:
        raise BlandResponseError("Bland's answer has no data")
    return raw["data"]


def one(model: type[M], data: Any, *, what: str) -> M:
    """`data` as `model`, repaired where odd; BlandResponseError when it is no object."""
    if not isinstance(data, dict):
        raise BlandResponseError(f"Bland's answer has no {what}")
    return model.lenient(data)


def many(model: type[M], data: Any, *, what: str) -> list[M]:
    """`data` as a list of `model`; null is an empty list, items that are no object go."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise BlandResponseError(f"Bland's answer has no list of {what}")
    return [model.lenient(item) for item in data if isinstance(item, dict)]
