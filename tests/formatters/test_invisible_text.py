"""Characters that reorder or hide text are dropped from outside text before Slack shows it."""

from __future__ import annotations

import json
import sys
import unicodedata

import pytest

from bot.bland.models import BatchDetail
from bot.bland.view import view_of_v1
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
    message = batch_summary(view_of_v1(BatchDetail.model_validate(data)), batch_id=BATCH_ID)
    shown = json.dumps(message.blocks, ensure_ascii=False) + message.text
    assert not any(char in shown for char in INVISIBLE)
    assert message.blocks[0]["text"]["text"] == "Spring campaign"


# Every format character this Python knows (category Cf): besides the above, invisible
# operators (U+2061-2064), the Mongolian vowel separator, the soft hyphen, the
# deprecated bidi format characters (U+206A-206F), interlinear annotations, and the tag
# characters (U+E0000 block) that spell hidden ASCII text.
FORMAT = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]


def test_every_format_character_is_dropped() -> None:
    hidden = "".join(FORMAT)
    value = f"Refund{hidden} list"
    assert escape(value) == "Refund list"
    assert plain(value, 100) == "Refund list"
    assert code(value) == "`Refund list`"


def test_tag_characters_cannot_hide_text_in_a_label() -> None:
    # "Spring" followed by "ignore this" spelled in invisible tag characters.
    smuggled = "Spring" + "".join(chr(0xE0000 + ord(c)) for c in "ignore this")
    assert clip(smuggled, 100) == "Spring"


@pytest.mark.parametrize("surrogate", ["\ud800", "\udbff", "\udc00", "\udfff"])
def test_a_lone_surrogate_shows_as_the_replacement_character(surrogate: str) -> None:
    # Not UTF-8 at all: Slack cannot read a message that carries one.
    value = f"Refund{surrogate} list"
    assert escape(value) == "Refund\ufffd list"
    assert plain(value, 100) == "Refund\ufffd list"
    assert clip(value, 100) == "Refund\ufffd list"
    assert code(value) == "`Refund\ufffd list`"
