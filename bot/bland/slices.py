"""Reading a batch's calls a slice at a time, so a 50k-call answer never lives whole as models.

pydantic validates JSON by first parsing all of it into a tree in Rust: for a batch's
answer that tree is ~2.3x its bytes, and the models of every call come on top. Cut into
slices of whole calls, each validated and handed on (to be counted, or written to a
CSV, and dropped) before the next, the answer costs its bytes plus one slice.

Cuts are found without parsing: a slice ends at a `}` followed by `,` and `{` (or by
the array's `]`), about every `SLICE_BYTES`. Such a place may be inside a call (between
two transcript lines) or inside a string; then the slice is not valid JSON by itself,
and it is extended to a later cut. A slice that is valid JSON starts and ends between
calls (its parser is in the same state as on the whole answer), so no call is ever cut
in two. Anything unexpected (`call_data` named again after its array, or not an array,
or no end that makes whole calls) and the answer is parsed whole, as before: same
result, more memory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

from pydantic import TypeAdapter, ValidationError
from typing_extensions import TypedDict

from bot.bland.lenient import LenientModel

B = TypeVar("B", bound=LenientModel)
F = TypeVar("F", bound="Fold")

SLICE_BYTES = 256 * 1024
_KEY = b'"call_data"'
_ARRAY_START = re.compile(rb'"call_data"\s*:\s*\[\s*')
_CUT = re.compile(rb"\}\s*,\s*(?=\{)")
_END = re.compile(rb"\}\s*\]")
_FIRST_KEY = re.compile(rb'\{\s*"([^"\\]{1,64})"\s*:')
_CUTS: dict[bytes, re.Pattern[bytes]] = {}
_MAX_PATTERNS = 64


class Fold(Protocol):
    """What is made of the calls, a slice at a time."""

    def add(self, calls: Sequence[Any]) -> None: ...


@runtime_checkable
class PickyFold(Fold, Protocol):
    """A fold that needs few of the calls. Each slice is first only counted (proved whole
    calls with no model built: a quarter of the cost of building the calls' models);
    `wants(raw, before, count)` then says, from the slice's bytes and place (`before`
    calls came before its `count`), whether its calls are wanted (`add`), or only
    counted (`skip`)."""

    def wants(self, raw: bytes | bytearray, before: int, count: int) -> bool: ...

    def skip(self, count: int) -> None: ...


class _AnyObject(TypedDict):
    """Any JSON object, its keys unread: what a slice only counted is validated as."""


def parse_sliced(
    model: type[B],
    body: bytes | bytearray,
    fold: Callable[[], F],
    parse: Callable[[type[B], bytes | bytearray], B],
) -> tuple[B, F]:
    """`body` as `model` with its `call_data` left empty, and a `fold()` fed its calls (as
    `model.nested["call_data"]`) a slice at a time. `parse(model, body)` is the whole-
    answer parse, used for the rest of the answer and as the fallback."""
    item: type[LenientModel] = model.nested["call_data"]
    made = fold()
    cut = _sliced(body, item, made)
    if cut is not None:
        start, end = cut
        head = parse(model, body[:start] + body[end:])
        # The array emptied was the answer's own, not one of the same name deeper in.
        if "call_data" in head.model_fields_set and not getattr(head, "call_data", None):
            return head, made
    whole = parse(model, body)
    made = fold()
    made.add(getattr(whole, "call_data", []))
    return whole.model_copy(update={"call_data": []}), made


def _sliced(
    body: bytes | bytearray, item: type[LenientModel], fold: Fold
) -> tuple[int, int] | None:
    """Feed `fold` the array's calls; where the array's items start and its `]` is.

    None (before `fold` was fed anything, or with what it was fed to be thrown away)
    when the array cannot be read in slices."""
    # The first `"call_data"` must open the array, and none may follow the array (see
    # `_only_array`); any inside the calls is theirs. A count over the whole answer was
    # 3 ms of a 10k-call summary.
    found = _ARRAY_START.match(body, max(body.find(_KEY), 0))
    if found is None:
        return None
    start = pos = found.end()
    if body[pos : pos + 1] == b"]":
        return _only_array(body, start, pos)
    adapter = _adapter(item)
    cuts = _cuts_before(body, pos)
    picky = fold if isinstance(fold, PickyFold) else None
    before = 0
    while True:
        read = _next(
            body,
            pos,
            None if picky is not None else item,
            _COUNT if picky is not None else adapter,
            cuts,
        )
        if read is None:
            return None
        calls, (low, high), pos, done = read
        if picky is None:
            fold.add(calls)
        elif picky.wants(body[low:high], before, len(calls)):
            picky.add(_validate(body[low:high], item, adapter) or [])
        else:
            picky.skip(len(calls))
        before += len(calls)
        if done:
            return _only_array(body, start, pos)


def _only_array(body: bytes | bytearray, start: int, end: int) -> tuple[int, int] | None:
    """The array's span, unless `"call_data"` is named after it: then the array read
    may be one deeper in (the answer's own coming later), and the answer is read whole."""
    return None if body.find(_KEY, end) != -1 else (start, end)


def _cuts_before(body: bytes | bytearray, pos: int) -> re.Pattern[bytes]:
    """Where a call may end: a `}`, a comma, and an object opening with the first call's
    first key. A transcript line opens with another key (`id`), so the places between
    its lines, ten times as many as between calls, are not even tried."""
    first = _FIRST_KEY.match(body, pos)
    if first is None:
        return _CUT
    key = first.group(1)
    pattern = _CUTS.get(key)
    if pattern is None:
        if len(_CUTS) > _MAX_PATTERNS:
            _CUTS.clear()
        pattern = _CUTS[key] = re.compile(rb'\}\s*,\s*(?=\{\s*"' + re.escape(key) + rb'"\s*:)')
    return pattern


def _next(
    body: bytes | bytearray,
    pos: int,
    item: type[LenientModel] | None,
    adapter: TypeAdapter[list[Any]],
    cuts: re.Pattern[bytes],
) -> tuple[list[Any], tuple[int, int], int, bool] | None:
    """The next slice's calls from `pos`, its span, where the one after starts, and
    whether the array ended; None when no end makes whole calls."""
    reach = SLICE_BYTES
    while True:
        cut = cuts.search(body, pos + reach)
        if cut is None:
            break
        calls = _validate(body[pos : cut.start() + 1], item, adapter)
        if calls is not None:
            return calls, (pos, cut.start() + 1), cut.end(), False
        # Inside a call: reach twice as far, so a long call is parsed a bounded number of times.
        reach = max(2 * reach, cut.end() - pos)
    # No cut left: the rest of the array is one slice, ending at its `]`. Tried from the
    # last `}]` back: those after the array's own (in the analysis) are few, while those
    # before it (each call's transcript) are many, each a failed parse of the slice.
    for end in reversed(list(_END.finditer(body, pos))):
        calls = _validate(body[pos : end.start() + 1], item, adapter)
        if calls is not None:
            return calls, (pos, end.start() + 1), end.end() - 1, True
    return None


def _validate(
    items: bytes | bytearray, item: type[LenientModel] | None, adapter: TypeAdapter[list[Any]]
) -> list[Any] | None:
    """The slice's calls (its objects, unread, with no `item`); None when the slice is not
    whole calls (not valid JSON)."""
    data = b"[" + items + b"]"
    try:
        return adapter.validate_json(data)
    except ValidationError:
        pass
    # Odd calls, or JSON only Python reads (a lone surrogate): each call on its own.
    try:
        raw = json.loads(data)
    except (ValueError, RecursionError):
        return None
    if item is None:
        return [one for one in raw if isinstance(one, dict)]
    return [item.item(one) for one in raw if isinstance(one, dict)]


_COUNT: TypeAdapter[list[Any]] = TypeAdapter(list[_AnyObject])
_ADAPTERS: dict[type[LenientModel], TypeAdapter[list[Any]]] = {}


def _adapter(item: type[LenientModel]) -> TypeAdapter[list[Any]]:
    adapter = _ADAPTERS.get(item)
    if adapter is None:
        adapter = _ADAPTERS[item] = TypeAdapter(list[item])  # type: ignore[valid-type]
    return adapter
