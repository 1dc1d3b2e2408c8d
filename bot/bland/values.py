"""The models' value types: what pydantic's fast path refuses, and how the repair cleans it.

One odd value from Bland (a `NaN` duration, a count past 2**63, a lone surrogate in a
label) once poisoned a whole batch: a formatter or the store raised and the poll died.
The types below make such a value fail validation in Rust, where well-formed data pays
only a constraint check; `LenientModel`'s repair then calls `clean()` on the failing
field and validates again. So data is cleaned once, at parse time, and only when odd.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import Field

# The range of the columns counts are stored in (BIGINT on PostgreSQL, INTEGER on SQLite).
BIGINT_MIN = -(2**63)
BIGINT_MAX = 2**63 - 1
# A second is at most this: sums and means of a million calls' durations stay finite,
# and no real call (nor a batch's run) comes near it.
MAX_SECONDS = 1e15
REPLACEMENT = "\ufffd"
# NUL is refused by PostgreSQL's TEXT; lone surrogates are not UTF-8 at all.
_UNSAFE_CHARS = re.compile("[\x00\ud800-\udfff]")

# Lone surrogates fail pydantic's str validation by themselves (`string_unicode`).
CleanStr = Annotated[str, Field(pattern=r"^[^\x00]*$")]
Finite = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_SECONDS, le=MAX_SECONDS)]
Count = Annotated[int, Field(ge=BIGINT_MIN, le=BIGINT_MAX)]
# A scalar as JSON has it; the most exact type wins (pydantic's smart unions).
Scalar = bool | Count | Finite | CleanStr | None


def clean_text(value: str) -> str:
    """`value` with lone surrogates and NULs replaced by U+FFFD: valid UTF-8 anywhere."""
    return _UNSAFE_CHARS.sub(REPLACEMENT, value)


def clamp_count(value: int | None) -> int | None:
    """A count that fits a BIGINT column."""
    return None if value is None else min(BIGINT_MAX, max(BIGINT_MIN, value))


def clean(value: Any) -> Any:
    """A JSON value with every odd part made safe: text cleaned, non-finite floats None
    (unknown), integers clamped to BIGINT. Equal to `value` when it had none."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return clamp_count(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [clean(item) for item in value]
    if isinstance(value, dict):
        return {clean(key): clean(item) for key, item in value.items()}
    return value
