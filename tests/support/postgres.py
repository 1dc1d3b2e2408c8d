"""A real, throwaway PostgreSQL server for the tests; the `postgres_server` fixture starts one.

It uses the machine's `initdb` and `pg_ctl` (on PATH or under /usr/lib/postgresql/*/bin).
As root it runs them as the `postgres` user, which PostgreSQL requires. Without the
binaries the tests fail with a message saying so: CI installs PostgreSQL, so a silent
skip would hide a broken job.
"""

from __future__ import annotations

import asyncio
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from tests.support.ports import free_port

SERVICE_USER = "postgres"


@dataclass
class PostgresServer:
    host: str
    port: int
    user: str
    data_dir: Path
    # How it was started, so a test can stop it and start it again on the same port.
    options: str = ""
    log_file: Path | None = None

    def stop(self) -> None:
        """Stop the server, cutting every connection, as an outage would. A fast stop,
        not an immediate one: with synchronous_commit off an immediate one loses recent
        commits, which a real outage of a durable server would not."""
        subprocess.run(
            _as_service_user(
                [find_binary("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"]
            ),
            capture_output=True,
            check=False,
        )

    def start(self) -> None:
        """Start it again after `stop()`, on the same port with the same data."""
        _run(
            [
                find_binary("pg_ctl"),
                "-D",
                str(self.data_dir),
                "-o",
                self.options,
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"

    async def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        name = "t_" + uuid.uuid4().hex[:16]
        conn = await asyncpg.connect(self.url())
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.url(name)

    def new_database_sync(self) -> str:
        return asyncio.run(self.new_database())


def find_binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if candidates:
        return candidates[-1]
    pytest.fail(
        f"PostgreSQL's `{name}` was not found on PATH or in /usr/lib/postgresql/*/bin. "
        "Install PostgreSQL (e.g. `apt-get install postgresql`) to run the storage and "
        "watcher tests; they need a real server.",
        pytrace=False,
    )


def _as_service_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    if shutil.which("runuser"):
        return ["runuser", "-u", SERVICE_USER, "--", *argv]
    return ["su", SERVICE_USER, "-s", "/bin/sh", "-c", " ".join(argv)]


def _run(argv: list[str]) -> None:
    result = subprocess.run(_as_service_user(argv), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(
            f"{Path(argv[0]).name} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}",
            pytrace=False,
        )


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A fresh server in a temporary directory, stopped and deleted on exit."""
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    root = Path(tempfile.mkdtemp(prefix="pg-tests-"))
    data, log_file = root / "data", root / "server.log"
    if os.geteuid() == 0:
        try:
            entry = pwd.getpwnam(SERVICE_USER)
        except KeyError:
            pytest.fail(
                f"running as root, PostgreSQL needs a `{SERVICE_USER}` user; create it "
                "(useradd --system postgres) or run the tests as an ordinary user",
                pytrace=False,
            )
        os.chown(root, entry.pw_uid, entry.pw_gid)
    port = free_port()
    try:
        _run([initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"])
        options = (
            f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        _run(
            [pg_ctl, "-D", str(data), "-o", options, "-l", str(log_file), "-w", "-t", "60", "start"]
        )
        try:
            yield PostgresServer("127.0.0.1", port, "postgres", data, options, log_file)
        finally:
            subprocess.run(
                _as_service_user([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
                capture_output=True,
                check=False,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)
