"""The Block Kit builders: a value too long for Slack is refused, never cut short."""

from __future__ import annotations

import pytest

from formatters.blocks import BUTTON_VALUE_LIMIT, OPTION_VALUE_LIMIT, button, option


def test_values_that_fit_are_kept_whole() -> None:
    assert button("Open", "a", "x" * BUTTON_VALUE_LIMIT)["value"] == "x" * BUTTON_VALUE_LIMIT
    assert option("Open", "x" * OPTION_VALUE_LIMIT)["value"] == "x" * OPTION_VALUE_LIMIT


def test_a_value_too_long_is_refused_not_cut() -> None:
    # A value is command text: cut short, it is another command.
    with pytest.raises(ValueError, match="too long"):
        button("Open", "a", "x" * (BUTTON_VALUE_LIMIT + 1))
    with pytest.raises(ValueError, match="too long"):
        option("Open", "x" * (OPTION_VALUE_LIMIT + 1))
