"""Logging set-up: plain text or one JSON object per line, one line per record, no secrets.

Structured fields (`batch_id`, `channel`, `event`, ...) come from `extra=` on a call, or
from `bind()` for everything a task logs. Text lines leave them out; JSON lines carry
them as keys, which is what a log platform indexes.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from contextvars import ContextVar
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

_BOLT_CLIENT_NOTICE = "As you gave `client` as well, `token` will be unused"
_TOKEN = re.compile(r"\b(xox[abposr]-|xapp-)[A-Za-z0-9-]+")
# A response_url or incoming-webhook URL lets whoever holds it post as the app: Bolt and
# slack_sdk log them at DEBUG ("url: ...", request bodies), as a field or percent-encoded.
_WEBHOOK_URL = re.compile(
    r"(?i)(response_url[\"']?\s*(?:[:=]|%3A|%3D)\s*[\"']?|Sending a request - url: )"
    r"[^\s\"'&,]+"
)
_SLACK_HOOK = re.compile(r"(?i)(hooks\.slack\.com(?:/|%2F))[^\s\"'&,]+")
# Phone numbers (E.164, as Bland gives them; raw or percent-encoded): the calls page and
# replies logged at DEBUG carry the numbers called, which no log needs in full.
_PHONE = re.compile(r"(\+|%2B)\d{7,15}\b")
# C0 and C1 controls, DEL, and the Unicode line and paragraph separators: whatever a
# terminal or a log viewer may take as the end of a line or as a command.
_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


# What every LogRecord has; any other attribute came from `extra=` or `bind()`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message"}
_FIELDS: ContextVar[dict[str, str] | None] = ContextVar("log_fields", default=None)


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    )


def bind(**fields: str) -> None:
    """Add `fields` to every record logged from now on in this task, and in the tasks it
    starts. Call it at the top of a task of its own (a poll, a delivery): a long-lived
    task would carry the fields into everything it logs later."""
    _FIELDS.set({**(_FIELDS.get() or {}), **fields})


class BoundFields(logging.Filter):
    """Put the fields `bind()` set onto each record; a field given as `extra=` wins."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in (_FIELDS.get() or {}).items():
            if name not in record.__dict__:
                setattr(record, name, value)
        return True


class RedactingFilter(logging.Filter):
    """Replace Slack tokens and the configured secrets in a record's final text and in
    its structured fields."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception as exc:
            # Arguments that don't fit the template: logging must not raise into its
            # caller (a listener's error path, a library), and its own report of the
            # error would be a traceback over many lines. Write template and arguments.
            message = f"{record.msg} [log arguments did not fit: {type(exc).__name__}] "
            message += repr(record.args)
            record.msg, record.args = message, None
        if message.startswith(_BOLT_CLIENT_NOTICE):
            # Bolt reads SLACK_BOT_TOKEN itself and warns it is unused beside our client,
            # which carries that same token: true, and only alarming to an operator.
            return False
        clean = self._redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        for name, value in list(record.__dict__.items()):
            if name not in _STANDARD and isinstance(value, str):
                setattr(record, name, self._redact(value))
        if record.exc_info and record.levelno >= logging.INFO:
            # Tracebacks stay out of the logs at INFO and above; DEBUG keeps them.
            record.exc_text = None
            record.exc_info = None
        return True

    def _redact(self, text: str) -> str:
        clean = _TOKEN.sub(r"\1[redacted]", text)
        clean = _WEBHOOK_URL.sub(r"\1[redacted]", clean)
        clean = _SLACK_HOOK.sub(r"\1[redacted]", clean)
        clean = _PHONE.sub(r"\1[phone]", clean)
        for secret in self._secrets:
            clean = clean.replace(secret, "[redacted]")
        return clean


class OneLineFormatter(logging.Formatter):
    """Every record on one line: CR, LF and other control or line-breaking characters in
    the message, its arguments or a traceback are written as escapes, so text from Bland
    or a user cannot forge a log line."""

    def format(self, record: logging.LogRecord) -> str:
        return _BREAKING.sub(_escaped, super().format(record))


def json_formatter() -> logging.Formatter:
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, and every
    structured field. CR, LF and every non-ASCII character (U+2028 included) are
    escaped, so no value can start a forged line, whatever splits the stream."""
    return JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
    )


def configure_logging(
    level: str,
    secrets: Iterable[str] = (),
    *,
    log_format: str = "text",
    stream: TextIO | None = None,
) -> None:
    """Log to stderr (or `stream`) at `level`, as `text` or `json`, secrets redacted."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if log_format == "json":
        handler.setFormatter(json_formatter())
    else:
        handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # Fields first, so the redacting filter sees them too.
    handler.addFilter(BoundFields())
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # slack_sdk logs every message it sends, whole, at DEBUG: transcripts, phone numbers
    # and a call's recording link (only ever meant for whoever asked) would be logged.
    logging.getLogger("slack_sdk").setLevel(max(logging.INFO, root.level))
