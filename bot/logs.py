"""Logging set-up: tokens and keys kept out of every log line, and every record on one line."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

_BOLT_CLIENT_NOTICE = "As you gave `client` as well, `token` will be unused"
_TOKEN = re.compile(r"\b(xox[abposr]-|xapp-)[A-Za-z0-9-]+")
# C0 and C1 controls, DEL, and the Unicode line and paragraph separators: whatever a
# terminal or a log viewer may take as the end of a line or as a command.
_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    )


class RedactingFilter(logging.Filter):
    """Replace Slack tokens and the configured secrets in a record's final text."""

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
        clean = _TOKEN.sub(r"\1[redacted]", message)
        for secret in self._secrets:
            clean = clean.replace(secret, "[redacted]")
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.levelno >= logging.INFO:
            # Tracebacks stay out of the logs at INFO and above; DEBUG keeps them.
            record.exc_text = None
            record.exc_info = None
        return True


class OneLineFormatter(logging.Formatter):
    """Every record on one line: CR, LF and other control or line-breaking characters in
    the message, its arguments or a traceback are written as escapes, so text from Bland
    or a user cannot forge a log line."""

    def format(self, record: logging.LogRecord) -> str:
        return _BREAKING.sub(_escaped, super().format(record))


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO; that is noise at the watcher's volume.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
