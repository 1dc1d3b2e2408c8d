"""Stopping a process in bounded time: each step on its own budget, then a last-resort exit.

A step that runs out of time is cancelled and left behind, so it cannot use up the time of
the steps after it (the store's close above all). `exit_after` covers what no budget
reaches: asyncio.run's own teardown, which waits without limit for tasks that ignore a
cancel and (on Python 3.11) for executor threads such as a DNS lookup that never returns,
and the interpreter's join of non-daemon threads at exit.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

# After a step is cancelled for running out of time, how long it may take to unwind (drop
# a socket, give back a lease) before the next step starts without it.
CANCEL_GRACE = 0.2


@dataclass(frozen=True)
class Step:
    """One shutdown step: a name for the log, its own budget in seconds, what to run."""

    name: str
    budget: float
    run: Callable[[], Awaitable[None]]


def worst_case(steps: Sequence[Step]) -> float:
    """Seconds `run_steps` can take when every step runs out of time."""
    return sum(step.budget + CANCEL_GRACE for step in steps)


async def run_steps(steps: Sequence[Step]) -> bool:
    """Run the steps in order, each within its budget. One that fails or runs out of time
    is logged (its name and the error's type, never a traceback) and the next still runs.
    True when every step finished cleanly."""
    clean = True
    for step in steps:
        clean = await _run_step(step) and clean
    return clean


async def _run_step(step: Step) -> bool:
    task = asyncio.ensure_future(step.run())
    # asyncio.wait, not wait_for: on timeout wait_for also waits, without limit, for the
    # cancelled step to unwind, and a step stuck in its cleanup would hang right there.
    done, _ = await asyncio.wait({task}, timeout=step.budget)
    if not done:
        task.add_done_callback(_forget)
        task.cancel()
        await asyncio.wait({task}, timeout=CANCEL_GRACE)
        log.warning(
            "shutdown: %s did not finish within %.1fs; cancelled it and going on",
            step.name,
            step.budget,
        )
        return False
    if task.cancelled():
        log.warning("shutdown: %s was cancelled; going on", step.name)
        return False
    exc = task.exception()
    if exc is not None:
        log.warning("shutdown: %s failed to stop (%s); going on", step.name, type(exc).__name__)
        return False
    log.info("shutdown: %s stopped", step.name)
    return True


def _forget(task: asyncio.Future[None]) -> None:
    # A step that ran out of time may still end with an error; it was reported as late.
    if not task.cancelled():
        task.exception()


def exit_after(seconds: float, code: int) -> threading.Timer:
    """Last resort: if the process is still alive `seconds` from now, log why and end it
    with `code` at once (`os._exit`).

    By then every shutdown step has had its turn and the store has been closed, or its
    close has run out of time; what is left is beyond a budget's reach (see the module
    docstring). Heroku would SIGKILL the process 30 s after SIGTERM anyway, leaving the
    same state behind; this ends it sooner, with a log line and the exit code we chose.
    """

    def _exit() -> None:
        me = threading.current_thread()
        waiting = sorted(
            t.name for t in threading.enumerate() if t is not me and not t.daemon and t.is_alive()
        )
        log.error(
            "shutdown: still running %.1fs after it began (threads: %s); exiting now",
            seconds,
            ", ".join(waiting) or "none",
        )
        for handler in logging.getLogger().handlers:
            handler.flush()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)

    timer = threading.Timer(seconds, _exit)
    timer.name = "exit-guard"
    # A daemon: it must never be what keeps the process alive itself.
    timer.daemon = True
    timer.start()
    return timer
