"""Bland's own words made safe to show and log: no secrets, no control characters."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_LENGTH = 300
REDACTED = "[redacted]"
# Redaction runs on this much of a message at most: enough to hold any 300 characters
# that survive it, and bounded however long a message Bland sends.
_SCAN = 2_000
# A key shorter than this is no real key, and removing it would mangle ordinary words.
_MIN_SECRET = 8

_TOKENS = re.compile(
    r"""
    \bbearer\s+\S+                                 # an Authorization header's value
    | \b(?:sk|pk|rk)[-_][A-Za-z0-9_-]{6,}          # sk-..., sk_live_...
    | \borg_[A-Za-z0-9_-]{6,}                      # Bland's key shape
    | \b(?:xox[abeprs]|xapp)-[A-Za-z0-9-]+         # Slack tokens
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Long hex or base64 runs with a digit in them; "/" and "." end a run, so a URL path
# or a dotted name is judged piece by piece.
_LONG_RUN = re.compile(r"[A-Za-z0-9+_=-]{24,}")
_DIGIT = re.compile(r"\d")
# Ids that are long runs too, but are Bland's and harmless: a v1 batch id, a UUID.
_HARMLESS = re.compile(
    r"[A-Za-z0-9]{16}-gen-batch"
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
# Control and format characters (CR, LF, ESC, bidi overrides...) and line separators:
# any of them could forge a log line or disguise the text.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
_SPACES = re.compile(r"\s+")


def redact(text: str, *, secrets: Iterable[str] = (), limit: int = MAX_LENGTH) -> str:
    """`text` on one line, at most `limit` characters, with `secrets` and anything shaped
    like a token replaced by [redacted]."""
    if len(text) > _SCAN:
        # Cut at a space, so a secret straddling the cut is dropped whole, not halved.
        text = text[:_SCAN].rsplit(None, 1)[0]
    for secret in secrets:
        if len(secret) >= _MIN_SECRET:
            text = text.replace(secret, REDACTED)
    text = _TOKENS.sub(REDACTED, text)
    text = _LONG_RUN.sub(_redact_run, text)
    text = "".join(" " if unicodedata.category(c) in _UNSAFE_CATEGORIES else c for c in text)
    return _SPACES.sub(" ", text).strip()[:limit]


def _redact_run(match: re.Match[str]) -> str:
    run = match.group()
    if _HARMLESS.fullmatch(run) or not _DIGIT.search(run):
        return run
    return REDACTED
