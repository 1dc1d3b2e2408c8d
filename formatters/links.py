"""Which outside addresses a message may offer as a link: https ones, and nothing else."""

from __future__ import annotations

from urllib.parse import urlsplit

from formatters.blocks import BUTTON_URL_LIMIT

URL_LIMIT = BUTTON_URL_LIMIT
# Characters no URL needs and markup or a disguise would: mrkdwn's `<`, `>` and `|`,
# quotes, backslashes, braces, and the backtick.
_UNSAFE = frozenset('<>|"\\{}^`')


def https_link(value: str | None) -> str | None:
    """`value` if it is an absolute https address Slack may link to, else None.

    Bland's `recording_url` is outside text: a `javascript:` or `slack://` address, one
    with credentials (`https://bland.ai@evil.example`), spaces, control characters or
    markup, or one longer than a button's `url` takes, is refused rather than mended."""
    if not value or len(value) > URL_LIMIT or not value.isascii():
        return None
    if any(char <= " " or char == "\x7f" or char in _UNSAFE for char in value):
        return None
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return None
    if parts.scheme.lower() != "https" or not parts.hostname or "@" in parts.netloc:
        return None
    return value if port_ok else None
