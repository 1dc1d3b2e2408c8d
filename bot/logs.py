"""Logging set-up, with a filter that keeps tokens and keys out of every log line."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

_BOLT_CLIENT_NOTICE = "As you gave `client` as well, `token` will be unused"
_TOKEN = re.compile(r"\b(xox[abposr]-|xapp-)[A-Za-z0-9-]+")


class RedactingFilter(logging.Filter):
    """Replace Slack tokens and the configured secrets in a record's final text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
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


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO; that is noise at the watcher's volume.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
