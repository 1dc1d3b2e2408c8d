"""Parsing that survives Bland's surprises: wrong types, nulls, unknown fields, odd values.

Well-formed data takes pydantic's fast path in Rust. Only when validation fails do we
fall back to Python, which repairs the offending nested items, cleans the offending
fields (see `bot.bland.values`) or drops them instead of failing the whole response.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError

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
    def lenient(cls, data: Any) -> Self:
        """Validate `data`, repairing or dropping what does not fit instead of raising."""
        if not isinstance(data, dict):
            return cls()
        for _ in range(_MAX_REPAIRS):
            try:
                return cls.model_validate(data)
            except ValidationError as exc:
                bad = {err["loc"][0] for err in exc.errors() if err["loc"]}
                if not bad:
                    break
                data = {
                    key: cls._repair(key, value) if key in bad else value
                    for key, value in data.items()
                }
                data = {key: value for key, value in data.items() if value is not _DROP}
        return cls()

    @classmethod
    def _repair(cls, key: Any, value: Any) -> Any:
        model = cls.nested.get(str(key))
        if model is None:
            # Cleaned once; a value that cleaning does not change (or did not save) goes.
            cleaned = clean(value)
            return _DROP if cleaned == value else cleaned
        if isinstance(value, list):
            repaired = [model.lenient(item) for item in value if isinstance(item, dict)]
            return [item.model_dump(by_alias=True) for item in repaired]
        if isinstance(value, dict):
            return model.lenient(value).model_dump(by_alias=True)
        return _DROP


_DROP: Any = object()
