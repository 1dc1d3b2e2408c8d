"""Bland's v2 answers: the `{"data": ..., "errors": ...}` envelope, unwrapped or raised.

v2 reports a failure in `errors`, with a 200 as readily as with an error status (the
shape of its errors is unconfirmed beyond `[{"error": "NOT_FOUND", "message": ...}]`),
so any non-empty `errors` becomes the same BlandError a v1 failure would.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Generic, NotRequired, Required, TypeVar

from pydantic import TypeAdapter, ValidationError
from typing_extensions import TypedDict

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


def read_many(
    model: type[M], body: bytes | bytearray, *, what: str, secrets: Sequence[str] = ()
) -> list[M]:
    """A v2 answer whose `data` is a list of `model`: validated from the bytes in Rust
    when it has no errors and every item fits, else as `many(model, unwrap(body))` (the
    same result, repaired item by item in Python)."""
    envelope = _fits(_envelope(model, many=True), body)
    # The slow way runs outside any `except`: an error it raises must not carry the
    # ValidationError, whose text quotes Bland's body, into a traceback.
    if envelope is None or envelope_errors(envelope.get("errors")):
        return many(model, unwrap(body, secrets=secrets), what=what)
    return envelope["data"] or []


def read_one(
    model: type[M], body: bytes | bytearray, *, what: str, secrets: Sequence[str] = ()
) -> M:
    """A v2 answer whose `data` is one `model`, read as `read_many` reads a list."""
    envelope = _fits(_envelope(model, many=False), body)
    if envelope is None or envelope_errors(envelope.get("errors")):
        return one(model, unwrap(body, secrets=secrets), what=what)
    data: M = envelope["data"]
    return data


def _fits(adapter: TypeAdapter[Any], body: bytes | bytearray) -> Any:
    """`body` validated by `adapter` in Rust, or None when it does not fit."""
    try:
        return adapter.validate_json(body)
    except ValidationError:
        return None


T = TypeVar("T")


class _Envelope(TypedDict, Generic[T]):
    data: Required[T]
    errors: NotRequired[Any]


_ENVELOPES: dict[tuple[type[LenientModel], bool], TypeAdapter[Any]] = {}


def _envelope(model: type[LenientModel], *, many: bool) -> TypeAdapter[Any]:
    """`{"data": <model or list of them>, "errors": <anything>}`, `data` required."""
    adapter = _ENVELOPES.get((model, many))
    if adapter is None:
        data: Any = list[model] | None if many else model  # type: ignore[valid-type]
        adapter = _ENVELOPES[(model, many)] = TypeAdapter(_Envelope[data])
    return adapter


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
