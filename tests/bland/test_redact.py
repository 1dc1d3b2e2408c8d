"""Bland's words made safe: secrets and token shapes go, ids and ordinary words stay."""

from __future__ import annotations

import pytest

from bot.bland.redact import redact


@pytest.mark.parametrize(
    "text",
    [
        "Batch AAcQq8zXxLB56LWg-gen-batch not found",
        "Call ffa99be3-63dd-44dc-9523-380cd25c1b9e failed",
        "GET /v1/batches/AAcQq8zXxLB56LWg-gen-batch is rate-limited-for-this-account-right-now",
        "Invalid API key",
    ],
)
def test_ids_and_words_stay(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("key org_abcdef123456 refused", "key [redacted] refused"),
        ("sent sk_live_abcdef123", "sent [redacted]"),
        ("header Authorization: Bearer abc.def", "header Authorization: [redacted]"),
        ("slack xapp-1-A0-123-abc and xoxe-1-abc", "slack [redacted] and [redacted]"),
        ("hash 9f86d081884c7d659a2feaa0c55ad015", "hash [redacted]"),
        (
            "jwt eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0",
            "jwt [redacted].[redacted]",
        ),
    ],
)
def test_token_shapes_go(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_the_configured_key_goes_even_when_not_token_shaped() -> None:
    assert (
        redact("your key is my-plain-key!", secrets=["my-plain-key"]) == "your key is [redacted]!"
    )
    # Too short to be a real key: removing it would mangle ordinary words.
    assert redact("a kk b", secrets=["kk"]) == "a kk b"


def test_one_line_and_bounded() -> None:
    assert redact("a\r\nb\u2028c\x1b[31md\u202ee\x00") == "a b c [31md e"
    long = "word " * 1_000 + "org_abcdef123456"
    assert len(redact(long)) == 300
    assert "org_" not in redact("x" * 1_995 + " org_abcdef123456")
