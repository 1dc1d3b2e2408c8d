"""Bland's webhook signature: hex HMAC-SHA256 of the exact body, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from bot.bland.signatures import valid_webhook_signature, webhook_signature

BODY = b'{"batch_id":"8b8e8c57-9e6e-4e4d-84d2-9826b2268c22","status":"completed"}'
SECRET = "whsec-0123456789abcdef"


def test_the_signature_is_hex_hmac_sha256_of_the_body() -> None:
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert webhook_signature(BODY, SECRET) == expected
    assert valid_webhook_signature(BODY, SECRET, expected)
    assert valid_webhook_signature(BODY, SECRET, f" {expected.upper()} ")


@pytest.mark.parametrize(
    ("body", "secret", "signature"),
    [
        (BODY + b" ", SECRET, webhook_signature(BODY, SECRET)),
        (BODY, "another-secret", webhook_signature(BODY, SECRET)),
        (BODY, SECRET, webhook_signature(BODY, SECRET)[:-1]),
        (BODY, SECRET, None),
        (BODY, SECRET, ""),
        (BODY, "", webhook_signature(BODY, "")),
        (BODY, SECRET, "é" * 64),
    ],
)
def test_anything_else_is_refused(body: bytes, secret: str, signature: str | None) -> None:
    assert not valid_webhook_signature(body, secret, signature)
