"""Characters that reorder or hide text are dropped from outside text before Slack shows it."""

from __future__ import annotations

import json

import pytest

from bot.bland.models import BatchDetail
from formatters.batch_summary import batch_summary
from formatters.stop import stop_button
from formatters.text import clip, code, escape, plain
from tests.support.examples import BATCH_ID, detail

# Bidirectional overrides, embeddings, isolates and marks; zero-width characters;
# C1 control characters. Each lets Bland text look like something it is not.
INVISIBLE = (
    [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
    + ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
    + [chr(c) for c in range(0x80, 0xA0)]
)


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_every_escaping_function_drops_it(char: str) -> None:
    value = f"Refund{char} list"
    assert escape(value) == "Refund list"
    assert plain(value, 100) == "Refund list"
    assert clip(value, 100) == "Refund list"
    assert code(value) == "`Refund list`"


def test_the_stop_confirm_cannot_be_reversed() -> None:
    # "Stop 3 remaining calls of Test‮ hctab lla" would read as "...all batch tseT".
    label = "Test\u202e hctab lla\u202c"
    confirm = stop_button(BATCH_ID, label, 3)["confirm"]
    assert confirm["text"]["text"] == "Stop 3 remaining calls of Test hctab lla?"


def test_the_summary_shows_no_invisible_character() -> None:
    raw = detail()
    data = raw.model_dump(by_alias=True)
    data["batch_params"]["label"] = "Spring\u2066 \u200bcampaign\u2069\u0085"
    message = batch_summary(BatchDetail.model_validate(data), batch_id=BATCH_ID)
    shown = json.dumps(message.blocks, ensure_ascii=False) + message.text
    assert not any(char in shown for char in INVISIBLE)
    assert message.blocks[0]["text"]["text"] == "Spring campaign"
