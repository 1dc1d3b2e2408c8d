"""SIGTERM ends `python -m bot` with exit code 0 within 10 s, whatever a peer does.

Each test leaves the bot with peers that never finish (a watched batch whose polls Bland
never answers, a Slack WebSocket that ignores the close frame, an HTTP request whose
body never arrives), sends SIGTERM and checks that the process exits 0 in time, that the
store was closed and that the stuck poll's lease was given back.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.demo.details import make_batch
from bot.demo.server import BlandServer
from bot.runner import EXIT_WITHIN, STOP_WITHIN, Bot
from bot.settings import load_settings
from bot.shutdown import worst_case
from tests.support.bland import BLAND_KEY
from tests.support.ports import free_port
from tests.support.processes import (
    ROOT,
    assert_clean_exit,
    bot_env,
    start_bot,
    stop_and_read,
    wait_healthy,
)
from tests.support.slack_standin import SlackStandIn
from tests.support.stores import opened
from tests.support.watcher import watch

BATCH = "ShutdownTest0001-gen-batch"
# Far longer than any shutdown: to the bot, a request that never ends.
NEVER = 3600.0

# stop_and_read allows 10 s; this bounds the whole test so CI can never hang on it.
pytestmark = pytest.mark.timeout(90)

# Arms the last-resort exit while a non-daemon thread waits for ever, as a library thread
# stuck in a call that never returns would.
EXIT_GUARD_SCRIPT = """
import logging, threading
from bot.shutdown import exit_after

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
threading.Thread(target=threading.Event().wait, name="stuck-worker").start()
exit_after(0.2, 0)
"""


def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bot.db'}"


async def watch_a_batch_bland_never_answers(tmp_path: Path, bland: BlandServer) -> None:
    bland.add_batch(make_batch(BATCH, calls=10, status="in-progress", completed=4))
    bland.hang_next(100, seconds=NEVER, path=f"/v1/batches/{BATCH}")
    async with opened(database_url(tmp_path)) as store:
        await watch(store, "C0SHUT", BATCH)


async def check_store_closed_and_lease_released(tmp_path: Path, output: str) -> None:
    assert "shutdown: store stopped" in output, output
    # SQLite checkpoints and deletes the WAL when its last connection closes; a process
    # that ended without closing the store leaves it behind.
    assert not (tmp_path / "bot.db-wal").exists(), output
    async with opened(database_url(tmp_path)) as store:
        # The poll stuck on Bland was cancelled and its lease given back: another process
        # can take the batch at once instead of after the 60 s lease.
        due = await store.claim_due_batches(owner="next", limit=5, lease_seconds=10)
    assert [d.batch_id for d in due] == [BATCH], output


async def test_socket_mode_exits_although_slack_never_answers_the_close(
    tmp_path: Path, bland: BlandServer, slack: SlackStandIn, spawn: list[asyncio.subprocess.Process]
) -> None:
    slack.ignore_close = True
    await watch_a_batch_bland_never_answers(tmp_path, bland)
    env = bot_env(tmp_path, bland, slack, SLACK_APP_TOKEN="xapp-shutdown-test")
    process = await start_bot(env, tmp_path, spawn)
    await slack.wait_connected(within=20)
    await bland.wait_for_requests(1, path=f"/v1/batches/{BATCH}", within=20)

    code, output = await stop_and_read(process)

    assert_clean_exit(code, output, "xoxb-process-test", "xapp-shutdown-test", BLAND_KEY)
    assert "shutdown: listener did not finish within" in output, output
    await check_store_closed_and_lease_released(tmp_path, output)


async def test_http_mode_exits_although_a_request_and_a_poll_never_end(
    tmp_path: Path, bland: BlandServer, slack: SlackStandIn, spawn: list[asyncio.subprocess.Process]
) -> None:
    await watch_a_batch_bland_never_answers(tmp_path, bland)
    port = free_port()
    env = bot_env(tmp_path, bland, slack, SLACK_SIGNING_SECRET="shutdown-secret", PORT=str(port))
    process = await start_bot(env, tmp_path, spawn)
    async with aiohttp.ClientSession() as session:
        await wait_healthy(session, port, tries=200)
    await bland.wait_for_requests(1, path=f"/v1/batches/{BATCH}", within=20)
    # A request whose body never arrives keeps its handler waiting on the body.
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
        b"command=%2Fbatch"
    )
    await writer.drain()
    try:
        code, output = await stop_and_read(process)
    finally:
        writer.close()

    assert_clean_exit(code, output, "xoxb-process-test", "shutdown-secret", BLAND_KEY)
    # The stuck request is cut off after the drain time, within the listener's budget.
    assert "shutdown: listener stopped" in output, output
    await check_store_closed_and_lease_released(tmp_path, output)


async def test_socket_mode_exits_although_slack_holds_up_the_start(
    tmp_path: Path, bland: BlandServer, slack: SlackStandIn, spawn: list[asyncio.subprocess.Process]
) -> None:
    """SIGTERM while starting: Slack keeps apps.connections.open waiting, as it does
    while rate limiting it (Retry-After up to a minute, three times over)."""
    gate = slack.hold("apps.connections.open")
    env = bot_env(tmp_path, bland, slack, SLACK_APP_TOKEN="xapp-shutdown-test")
    process = await start_bot(env, tmp_path, spawn)
    await slack.wait_for("apps.connections.open", within=20)
    try:
        code, output = await stop_and_read(process)
    finally:
        gate.set()

    assert code == 0, output
    assert "stopping before start-up finished" in output, output
    assert "shutdown: store stopped" in output, output
    assert not (tmp_path / "bot.db-wal").exists(), output
    assert "Traceback" not in output


async def test_http_mode_exits_although_the_database_holds_up_the_start(
    tmp_path: Path, bland: BlandServer, slack: SlackStandIn, spawn: list[asyncio.subprocess.Process]
) -> None:
    """SIGTERM while starting: a PostgreSQL server that accepts the connection and
    never answers keeps the store opening for as long as the driver waits."""
    accepted = asyncio.Event()
    held: list[asyncio.StreamWriter] = []

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        accepted.set()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    env = bot_env(tmp_path, bland, slack, SLACK_SIGNING_SECRET="shutdown-secret", PORT="0")
    env["DATABASE_URL"] = f"postgresql://bot:pw-shutdown@127.0.0.1:{port}/bot"
    process = await start_bot(env, tmp_path, spawn)
    try:
        await asyncio.wait_for(accepted.wait(), 20)
        code, output = await stop_and_read(process)
    finally:
        for writer in held:
            writer.close()
        server.close()

    assert code == 0, output
    assert "stopping before start-up finished" in output, output
    assert "Traceback" not in output
    assert "pw-shutdown" not in output


async def test_a_command_cut_off_by_sigterm_is_told_so(
    tmp_path: Path, bland: BlandServer, slack: SlackStandIn, spawn: list[asyncio.subprocess.Process]
) -> None:
    """A deploy while a command waits on Bland (or an export on Slack) must not leave the
    person who asked with no answer at all."""
    bland.add_batch(make_batch(BATCH, calls=10, status="in-progress", completed=4))
    bland.hang_next(100, seconds=NEVER, path=f"/v1/batches/{BATCH}")
    gate = slack.hold("files.completeUploadExternal")
    env = bot_env(tmp_path, bland, slack, SLACK_APP_TOKEN="xapp-shutdown-test")
    process = await start_bot(env, tmp_path, spawn)
    await slack.wait_connected(within=20)
    await slack.push_slash_command(BATCH, response_token="summary")
    await slack.push_slash_command("export DemoSmall0000003-gen-batch", response_token="export")
    # An App Home click: its modal would say "Asking Bland…" for ever.
    await slack.push_interactive(
        {
            "type": "block_actions",
            "user": {"id": "U0MEMBER"},
            "team": {"id": slack.team_id},
            "api_app_id": slack.app_id,
            "trigger_id": "1.2.home",
            "container": {"type": "view", "view_id": "VHOME"},
            "view": {"id": "VHOME", "type": "home"},
            "actions": [
                {"action_id": "batch_open", "block_id": "b", "value": BATCH, "action_ts": "1"}
            ],
        }
    )
    await bland.wait_for_requests(2, path=f"/v1/batches/{BATCH}", within=20)
    await slack.wait_for("files.completeUploadExternal", within=20)
    try:
        code, output = await stop_and_read(process)
    finally:
        gate.set()

    assert code == 0, output
    for token in ("summary", "export"):
        [reply] = slack.responses[token]
        assert reply["response_type"] == "ephemeral"
        assert reply["text"].startswith("The bot restarted before it could answer"), reply
    modal = slack.last("views.update").params["view"]
    assert "The bot restarted before it could answer" in json.dumps(modal)
    assert "Traceback" not in output


async def test_the_budgets_add_up_to_less_than_ten_seconds(tmp_path: Path) -> None:
    settings = load_settings(
        slack_bot_token="xoxb-budget-test",
        slack_app_token="xapp-budget-test",
        bland_api_key=BLAND_KEY,
        database_url=database_url(tmp_path),
    )
    bot = Bot(settings)
    try:
        assert worst_case(bot.stop_steps()) <= STOP_WITHIN < EXIT_WITHIN < 10
    finally:
        await bot.stop()


async def test_the_last_resort_exit_ends_a_process_a_thread_keeps_alive() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        EXIT_GUARD_SCRIPT,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output = (await asyncio.wait_for(process.communicate(), timeout=30))[0].decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, output
    assert "shutdown: still running 0.2s after it began (threads: stuck-worker)" in output
