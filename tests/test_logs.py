"""The log filter: tokens and secrets never reach a log line, and no tracebacks above DEBUG."""

from __future__ import annotations

import logging

from bot.logs import RedactingFilter


def record(message: str, *args: object, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord("t", level, __file__, 1, message, args, None)


def test_tokens_and_secrets_are_redacted() -> None:
    check = RedactingFilter(secrets=["bland-secret-key"])
    entry = record("token %s key %s", "xoxb-123-abc", "bland-secret-key")
    assert check.filter(entry)
    assert entry.getMessage() == "token xoxb-[redacted] key [redacted]"


def test_tracebacks_are_dropped_above_debug() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        entry = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    assert RedactingFilter().filter(entry)
    assert entry.exc_info is None


def test_bolts_unused_token_notice_is_dropped() -> None:
    notice = record("As you gave `client` as well, `token` will be unused.", level=logging.WARNING)
    assert not RedactingFilter().filter(notice)
