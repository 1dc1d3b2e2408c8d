"""Bland's webhook signature: `X-Webhook-Signature` is the hex HMAC-SHA256 of the raw body.

No timestamp is signed, so a replayed body carries a valid signature: whoever handles a
webhook must make handling it twice harmless.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Webhook-Signature"


def webhook_signature(body: bytes, secret: str) -> str:
    """The signature Bland sends with `body` under `secret`: lowercase hex HMAC-SHA256."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def valid_webhook_signature(body: bytes, secret: str, signature: str | None) -> bool:
    """Whether `signature` (the header's value) signs exactly `body` under `secret`.

    Compared in constant time; an empty secret or a missing signature is never valid.
    Upper-case hex is accepted: only the bytes it stands for matter."""
    if not secret or not signature:
        return False
    expected = webhook_signature(body, secret)
    return hmac.compare_digest(
        expected.encode(), signature.strip().lower().encode("ascii", "replace")
    )
