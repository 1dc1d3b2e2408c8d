"""Starting, reading and stopping the benchmark's subprocesses, and their CPU and memory."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psutil

PYTHON = sys.executable
ROOT = Path(__file__).resolve().parent.parent


def cpu_ns(pid: int) -> tuple[int, float]:
    """(Summed thread run time in ns from schedstat, user+system seconds from /proc ticks)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += int((task / "schedstat").read_text().split()[0])
    times = psutil.Process(pid).cpu_times()
    return total, float(times.user + times.system)


def cpu_between(before: tuple[int, float], after: tuple[int, float]) -> float:
    """Seconds of CPU between two readings: the precise thread sum, unless a thread that
    ended took its time with it (then the ticks, which keep it, say more)."""
    precise = (after[0] - before[0]) / 1e9
    ticks = after[1] - before[1]
    return ticks if ticks > precise + 0.02 else precise


class ChildFailed(RuntimeError):
    """A subprocess did not start, or its worker failed; the message has its log tail."""


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any real Slack or Bland settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BLAND_"))}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


@dataclass
class Child:
    """A running subprocess that announced itself with one JSON line on stdout."""

    proc: subprocess.Popen[bytes]
    info: dict[str, Any]
    log: IO[bytes]

    @property
    def pid(self) -> int:
        return self.proc.pid

    def cpu_seconds(self) -> float:
        """User + system CPU of the process (all its threads), from the OS."""
        times = psutil.Process(self.pid).cpu_times()
        return float(times.user + times.system)

    def rss(self) -> int:
        return int(psutil.Process(self.pid).memory_info().rss)

    def log_tail(self, chars: int = 2000) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-chars:]


def _read_line(proc: subprocess.Popen[bytes], within: float) -> bytes:
    """The first stdout line of `proc`, waiting at most `within` seconds."""
    assert proc.stdout is not None
    deadline = time.monotonic() + within
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while b"\n" not in buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChildFailed("no start-up line in time")
            if not selector.select(timeout=min(left, 1.0)):
                if proc.poll() is not None:
                    raise ChildFailed(f"exited with {proc.returncode} before starting")
                continue
            chunk = os.read(proc.stdout.fileno(), 1 << 20)
            if not chunk:
                raise ChildFailed(f"exited with {proc.poll()} before starting")
            buffer += chunk
    return buffer.split(b"\n", 1)[0]


@contextlib.contextmanager
def started(
    args: list[str], *, env: dict[str, str] | None = None, within: float = 120.0
) -> Iterator[Child]:
    """Run `python -m <args>`, wait for its JSON start-up line, stop it on exit."""
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in finally, after the child)
    proc = subprocess.Popen(
        [PYTHON, "-m", *args],
        cwd=ROOT,
        env=env or clean_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=log,
    )
    child = Child(proc, {}, log)
    try:
        try:
            child.info = json.loads(_read_line(proc, within))
        except (ChildFailed, ValueError) as exc:
            raise ChildFailed(f"{' '.join(args[:2])}: {exc}\n{child.log_tail()}") from None
        yield child
    finally:
        stop(proc)
        log.close()


def stop(proc: subprocess.Popen[bytes], within: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `within` seconds."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=within)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=within)
    if proc.stdout is not None:
        proc.stdout.close()


def run_worker(args: list[str], *, timeout: float, env: dict[str, str] | None = None) -> Any:
    """Run `python -m <args>` to completion; its last stdout line, parsed as JSON."""
    with tempfile.TemporaryFile() as log:
        try:
            result = subprocess.run(
                [PYTHON, "-m", *args],
                cwd=ROOT,
                env=env or clean_env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-2000:]
            raise ChildFailed(f"{' '.join(args[:2])} took over {timeout:.0f}s\n{tail}") from None
        if result.returncode != 0:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-2000:]
            raise ChildFailed(f"{' '.join(args[:2])} exited {result.returncode}\n{tail}")
    lines = result.stdout.decode().strip().splitlines()
    if not lines:
        raise ChildFailed(f"{' '.join(args[:2])} printed nothing")
    return json.loads(lines[-1])


def announce(info: dict[str, Any]) -> None:
    """A subprocess's start-up line: how its parent learns ports and ids."""
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()


async def serve_bot(**settings: Any) -> None:
    """In a worker: the real bot (`bot.runner.Bot` on 127.0.0.1, port chosen by the OS)
    with these settings, until SIGTERM or SIGINT; its port announced once it listens."""
    import asyncio

    from bot.runner import Bot
    from bot.settings import load_settings

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    bot = Bot(load_settings(port=0, log_level="WARNING", **settings), host="127.0.0.1")
    await bot.start()
    announce({"port": bot.port})
    await stopping.wait()
    await bot.stop()


def own_cpu_seconds() -> float:
    """This process's user + system CPU (every thread), from the OS's per-process clock
    (CLOCK_PROCESS_CPUTIME_ID: finer than /proc's 10 ms ticks)."""
    return time.process_time()


def peak_rss_bytes() -> int:
    """This process's peak resident set size so far (ru_maxrss is in KiB on Linux)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def rss_bytes() -> int:
    return int(psutil.Process().memory_info().rss)
