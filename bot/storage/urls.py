"""Database URLs: checked without echoing them, and their password kept out of messages."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

POSTGRES_SCHEMES = ("postgres://", "postgresql://")
FORM = (
    "must be sqlite:///path, or postgres://user:password@host:port/database with any "
    "/ # ? @ : in the password percent-encoded (%2F %23 %3F %40 %3A)"
)


def check_database_url(url: str) -> None:
    """Raise ValueError, with a message that quotes nothing of `url`, if it is malformed.

    The driver's own errors for a malformed URL quote pieces of it: an unencoded `#` or
    `/` in the password ends the host part there, and the rest is read as the port.
    """
    if url.startswith("sqlite:"):
        return
    if not url.startswith(POSTGRES_SCHEMES):
        raise ValueError(FORM)
    try:
        parts = urlsplit(url)
        if parts.fragment or "#" in url:
            raise ValueError("fragment")
        hosts = parts.netloc.rpartition("@")[2]
        if "," not in hosts:  # several hosts, `h1:5432,h2:5433`, are the driver's to read
            parts.port  # noqa: B018 -- raises ValueError for a port that is not 0-65535
    except ValueError:
        raise ValueError(FORM) from None


def database_password(url: str) -> str | None:
    """The password in `url`, decoded, or None (none, or the URL cannot be read)."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return None
    return unquote(password) if password else None


def safe_reason(exc: BaseException, url: str) -> str:
    """`exc` as words for a log line or an error, with no part of the URL's password.

    A URL we cannot read gives only the kind of failure: any piece of the driver's
    message might be a piece of the password.
    """
    try:
        check_database_url(url)
    except ValueError:
        return f"{type(exc).__name__} (DATABASE_URL is malformed: it {FORM})"
    text = str(exc)
    password = urlsplit(url).password
    for secret in {password, database_password(url)}:
        if secret:
            text = text.replace(secret, "[redacted]")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
