"""Parsing that survives Bland's surprises: wrong types, nulls, unknown fields, odd values.

Well-formed data takes pydantic's fast path in Rust (the client validates the raw bytes
with `model_validate_json`). Only when validation fails do we fall back to Python, which
repairs the offending nested items, cleans the offending fields (see `bot.bland.values`)
or drops them instead of failing the whole response.

A bad item costs only itself: the items of a nested list are validated one by one, and
only those that fail are repaired. (Repairing the whole list, dumping every item back
to a dict and validating the list again made one `NaN` in a 10k-call batch cost 500 ms
where the well-formed batch costs 80.)
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from bot.bland.values import clean

_MAX_REPAIRS = 8


class LenientModel(BaseModel):
    """A model whose every field has a default, so any dict can become one."""

    model_config = ConfigDict(
        extra="ignore", populate_by_name=True, coerce_numbers_to_str=True, frozen=True
    )

    # Field alias -> model of its items (lists) or of itself (objects), for repair.
    nested: ClassVar[dict[str, type[LenientModel]]] = {}

    @classmethod
    def lenient(cls, data: Any, *, failed: ValidationError | None = None) -> Self:
        """Validate `data`, repairing or dropping what does not fit instead of raising.

        `failed`: how validating this same data failed already (as its JSON, say), which
        spares validating it once more just to learn which fields are bad."""
        if not isinstance(data, dict):
            return cls()
        errors = _located(failed)
        for _ in range(_MAX_REPAIRS):
            if errors is None:
                try:
                    return cls.model_validate(data)
                except ValidationError as exc:
                    errors = _errors(exc)
            bad = {err["loc"][0] for err in errors if err["loc"]}
            if not bad:
                break
            data = {
                key: cls._repair(key, value) if key in bad else value for key, value in data.items()
            }
            data = {key: value for key, value in data.items() if value is not _DROP}
            errors = None
        return cls()

    @classmethod
    def item(cls, data: Any) -> Self:
        """One item validated on its own, and repaired only if it fails."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            return cls.lenient(data, failed=exc)

    @classmethod
    def _repair(cls, key: Any, value: Any) -> Any:
        model = cls.nested.get(str(key))
        if model is None:
            # Cleaned once; a value that cleaning does not change (or did not save) goes.
            try:
                cleaned = clean(value)
                return _DROP if cleaned == value else cleaned
            except RecursionError:
                # Nested past the recursion limit: no field of ours reads anything so deep.
                return _DROP
        # Validated models, not dicts: validating the parent again takes them as they are.
        if isinstance(value, list):
            return [model.item(item) for item in value if isinstance(item, dict)]
        if isinstance(value, dict):
            return model.item(value)
        return _DROP


def _errors(exc: ValidationError) -> list[ErrorDetails]:
    # Without the inputs: one bad call of 10k would otherwise copy each failing value.
    return exc.errors(include_url=False, include_input=False, include_context=False)


def _located(failed: ValidationError | None) -> list[ErrorDetails] | None:
    """`failed`'s errors when each names a field; None when any does not (invalid JSON,
    say, which the Python data does not share), so the data is validated afresh."""
    if failed is None:
        return None
    errors = _errors(failed)
    return errors if errors and all(err["loc"] for err in errors) else None


_DROP: Any = object()
