"""The digest message: one line per batch, newest first, within Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.bland.batch_ids import BatchApi
from bot.digests.collect import DigestBatch, DigestReport
from bot.digests.schedule import Cadence, DigestSchedule
from formatters.digest import Lateness, digest_message
from tests.support.blockkit import check_message

END = datetime(2024, 5, 6, 13, 0, tzinfo=UTC)
START = END - timedelta(days=1)
DAILY = DigestSchedule(Cadence.DAILY, 9 * 60, "America/New_York")


def batch(n: int, **fields: object) -> DigestBatch:
    values: dict[str, object] = {
        "batch_id": f"Digest{n:010d}-gen-batch",
        "api": BatchApi.V1,
        "label": f"Batch {n}",
        "created": (END - timedelta(minutes=n)).isoformat(),
        "latest": END - timedelta(minutes=n),
        "status": "completed",
        "calls": 200,
        "completed": 200,
        "errored": 9,
        "answered": 180,
        "human": 45,
        "top_error": "Carrier rejected the call <!channel>",
        "top_error_calls": 6,
    }
    values.update(fields)
    return DigestBatch(**values)  # type: ignore[arg-type]


def test_a_batch_reads_as_one_short_entry() -> None:
    report = DigestReport(START, END, [batch(1)])
    message = digest_message(report, DAILY)
    check_message(message)
    assert message.text == "Daily digest: 1 batch created or finished in the last 24 hours"
    entry = message.blocks[2]["text"]["text"]
    assert entry.splitlines()[0] == "*Batch 1* `Digest0000000001-gen-batch`"
    assert entry.splitlines()[1] == (
        ":white_check_mark: Completed · 200 calls · 25% answered by a person · 4.5% errors"
    )
    assert (
        entry.splitlines()[3] == "Top error: Carrier rejected the call &lt;!channel&gt; (6 calls)"
    )
    assert message.blocks[2]["accessory"]["value"] == "Digest0000000001-gen-batch"


def test_what_bland_did_not_say_is_left_out() -> None:
    sparse = batch(2, status="in-progress", completed=None, answered=None, top_error=None)
    unread = batch(3, detailed=False)
    text = json.dumps(digest_message(DigestReport(START, END, [sparse, unread]), DAILY).blocks)
    assert "answered by a person" not in text.split("Batch 3")[0]
    assert "errors" not in text.split("Batch 3")[0].split("Batch 2")[1]
    assert "details not available" in text


def test_many_batches_fit_in_one_message_with_the_rest_counted() -> None:
    report = DigestReport(START, END, [batch(n, label="x" * 200) for n in range(300)])
    message = digest_message(report, DAILY)
    check_message(message)
    assert len(message.blocks) <= 50
    shown = sum(1 for b in message.blocks if "accessory" in b)
    assert message.blocks[-1]["elements"][0]["text"] == (
        f"…and {300 - shown:,} more. `/batches` lists them all."
    )


def test_an_empty_period_a_late_digest_and_a_problem_say_so() -> None:
    weekly = DigestSchedule(Cadence.WEEKLY, 9 * 60, "Europe/London", weekday=0)
    report = DigestReport(START, END, [], problems=["v2 batches could not be listed: x."])
    late = Lateness(run=datetime(2024, 5, 6, 8, 0, tzinfo=UTC), missed=2)
    message = digest_message(report, weekly, late=late)
    check_message(message)
    text = json.dumps(message.blocks)
    assert "Weekly digest" in text
    assert (
        "Late: the bot was offline at 09:00 (Europe/London). 2 earlier digests were not sent."
        in text
    )
    assert "v2 batches could not be listed" in text
    assert "No batches were created or finished in the last 7 days." in text
