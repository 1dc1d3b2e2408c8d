"""Opening a store fails with a message that names no part of the database password."""

from __future__ import annotations

import logging
import socket

import pytest

from bot.storage import StoreOpenError, open_store


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    "url",
    [
        "postgres://user:s3cret@host:notaport/db",
        "postgres://user:s3cret@[bad/db",
        "postgres://user:Zq9#Xv7@host/db",
        "postgresql://user:Zq9/Xv7@host/db",
        f"postgresql://user:s3cret@127.0.0.1:{closed_port()}/db",
    ],
)
async def test_open_errors_never_name_the_password(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = open_store(url)
    with pytest.raises(StoreOpenError) as caught:
        await store.open()
    said = str(caught.value) + "\n" + "\n".join(r.getMessage() for r in caplog.records)
    for part in ("s3cret", "Zq9", "Xv7"):
        assert part not in said
    # Nothing chained behind it carries the driver's own text into a traceback.
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    await store.close()
