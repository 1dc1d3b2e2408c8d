"""Logs: tokens and secrets never reach a line, no tracebacks above DEBUG, JSON on request."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest

from bot.logs import RedactingFilter, bind, configure_logging


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


@contextmanager
def configured(level: str = "DEBUG", secrets: Iterable[str] = ()) -> Iterator[None]:
    """The bot's own logging set-up, undone afterwards so pytest's capture comes back."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging(level, secrets)
    try:
        yield
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])


def test_no_record_spans_lines(capsys: pytest.CaptureFixture[str]) -> None:
    forged = "refused\n2024-01-01 00:00:00,000 ERROR bot.runner: admin token is xoxb-1\r"
    log = logging.getLogger("bot.bland.client")
    with configured():
        log.warning("Bland said %s", forged)
        log.warning("a\u2028b\x85c\x1b[31md\te")
        try:
            raise RuntimeError("boom\nforged line")
        except RuntimeError:
            log.debug("with a traceback", exc_info=True)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3, lines
    assert lines[0].endswith(
        "WARNING bot.bland.client: Bland said refused\\n2024-01-01 00:00:00,000 ERROR "
        "bot.runner: admin token is xoxb-[redacted]\\r"
    )
    assert lines[1].endswith("a\\u2028b\\x85c\\x1b[31md\\te")
    assert "with a traceback\\nTraceback (most recent call last):" in lines[2]
    assert lines[2].endswith("RuntimeError: boom\\nforged line")


@pytest.fixture
def root_logging() -> Iterator[None]:
    """configure_logging replaces the root logger's handlers: put them back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    lines = stream.getvalue().splitlines()
    return [json.loads(line) for line in lines]


def test_json_lines_carry_fields_and_redact_secrets(root_logging: None) -> None:
    stream = io.StringIO()
    configure_logging("INFO", ["bland-secret-key"], log_format="json", stream=stream)
    log = logging.getLogger("bot.test")
    log.info("key %s token %s", "bland-secret-key", "xoxb-123-abc", extra={"event": "alert_posted"})
    log.debug("not at INFO")

    [line] = json_lines(stream)
    assert line["message"] == "key [redacted] token xoxb-[redacted]"
    assert (line["level"], line["logger"], line["event"]) == ("INFO", "bot.test", "alert_posted")
    assert datetime.fromisoformat(line["time"]).tzinfo is not None
    assert "bland-secret-key" not in stream.getvalue()


def test_a_value_with_line_breaks_stays_one_json_line(root_logging: None) -> None:
    stream = io.StringIO()
    configure_logging("INFO", log_format="json", stream=stream)
    forged = 'Survey\r\n2026-01-01 INFO bot: {"level": "ERROR"}\u2028admin'
    logging.getLogger("bot.test").warning("batch %s", forged, extra={"label": forged})

    text = stream.getvalue()
    assert text.count("\n") == 1 and "\r" not in text and "\u2028" not in text
    [line] = json_lines(stream)
    assert line["message"] == f"batch {forged}"
    assert line["label"] == forged


async def test_bound_fields_reach_every_line_of_their_task_only(root_logging: None) -> None:
    stream = io.StringIO()
    configure_logging("INFO", ["xapp-secret-value"], log_format="json", stream=stream)
    log = logging.getLogger("bot.test")

    async def delivery() -> None:
        bind(batch_id="B1-gen-batch", channel="C0ONE", note="xapp-secret-value")
        log.info("posting")
        log.info("posted", extra={"channel": "C0OTHER"})

    await asyncio.create_task(delivery())
    log.info("outside")

    first, second, outside = json_lines(stream)
    assert (first["batch_id"], first["channel"]) == ("B1-gen-batch", "C0ONE")
    assert first["note"] == "xapp-[redacted]"
    assert second["channel"] == "C0OTHER"  # extra= wins over bind()
    assert "batch_id" not in outside


def test_text_stays_the_default(root_logging: None) -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    logging.getLogger("bot.test").info("hello %s", "xoxb-1-2", extra={"event": "x"})
    assert stream.getvalue().rstrip().endswith("INFO bot.test: hello xoxb-[redacted]")


def test_a_malformed_log_call_raises_nothing_and_stays_on_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Logging never raises into its caller (a listener's error path, a library): a record
    whose arguments do not fit its template is still written, on one line, redacted."""
    log = logging.getLogger("some.library")
    with configured(secrets=["bland-secret-key"]):
        log.warning("refused %s for %s", "bland-secret-key")
        log.warning("%d calls", "many\nforged")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2, lines
    assert "refused %s for %s" in lines[0]
    assert "%d calls" in lines[1]
    assert "bland-secret-key" not in "\n".join(lines)


@pytest.mark.parametrize(
    ("message", "clean"),
    [
        (
            '{"response_url": "https://hooks.slack.com/commands/T1/2/abc", "text": "x"}',
            '{"response_url": "[redacted]", "text": "x"}',
        ),
        (
            "token=legacy&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1%2F2%2Fabc&x=1",
            "token=legacy&response_url=[redacted]&x=1",
        ),
        (
            "posting to https://hooks.slack.com/services/T1/B2/xyz now",
            "posting to https://hooks.slack.com/[redacted] now",
        ),
        ("called +14155550123 and %2B14155550199", "called +[phone] and %2B[phone]"),
        ("ts 1700000000.123456 and batch 42", "ts 1700000000.123456 and batch 42"),
    ],
)
def test_response_urls_and_phone_numbers_are_redacted(message: str, clean: str) -> None:
    entry = record("%s", message, level=logging.DEBUG)
    assert RedactingFilter().filter(entry)
    assert entry.getMessage() == clean
