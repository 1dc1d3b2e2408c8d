"""What only a v2 batch shows: its task or pathway, the number of its calls, its latest
lifecycle message, why it failed, and its final totals with a success rate.

Bland's v2 log says what a batch is doing in a message (`Requested: 120. Validated:
120. Dispatched: 80. CPS: 1.12.`) and gives counts only once the batch is done, so
these blocks take the place of v1's analysis in the summary.
"""

from __future__ import annotations

import re

from bot.bland.view import BatchView
from formatters.blocks import Block, fields, section
from formatters.text import (
    BLAND_MESSAGE_WIDTH,
    clip,
    code,
    code_block,
    count,
    slack_date,
    success_rate,
)

TASK_LIMIT = 600
PATHWAY_WIDTH = 80
FAILURE_CODE_WIDTH = 60
# "Requested: 120." in a lifecycle message: how many calls the batch was asked to make.
_REQUESTED = re.compile(r"\bRequested:\s*(\d[\d,]{0,17})")


def v2_facts(view: BatchView) -> list[str]:
    """Summary fields: the number of calls, and the pathway the calls follow."""
    facts = [f"*Calls*\n{count(number_of_calls(view))}"]
    if view.pathway_id:
        facts.append(f"*Pathway*\n{code(view.pathway_id, PATHWAY_WIDTH)}")
    return facts


def number_of_calls(view: BatchView) -> int | None:
    """The final total once there is one; before, what the latest message says was
    requested; None when neither is known."""
    if view.total is not None:
        return view.total
    found = _REQUESTED.search(view.message or "")
    return int(found.group(1).replace(",", "")) if found else None


def lifecycle_blocks(view: BatchView) -> list[Block]:
    """The latest lifecycle message, why the batch failed, and its final totals."""
    blocks: list[Block] = []
    if view.message:
        when = f" ({slack_date(view.updated_at)})" if view.updated_at else ""
        blocks.append(section(f"*Latest update*{when}\n{clip(view.message, BLAND_MESSAGE_WIDTH)}"))
    if view.failure_code or view.failure_reason:
        parts = [code(view.failure_code, FAILURE_CODE_WIDTH)] if view.failure_code else []
        if view.failure_reason:
            parts.append(clip(view.failure_reason, BLAND_MESSAGE_WIDTH))
        blocks.append(section(":x: *Why it failed* " + " ".join(parts)))
    if view.finished and view.total is not None:
        blocks.append(
            fields(
                f"*Total calls*\n{count(view.total)}",
                f"*Successful*\n{count(view.successful)}",
                f"*Failed*\n{count(view.failed)}",
                f"*Success rate*\n{success_rate(view.successful, view.total)}",
            )
        )
    return blocks


def task_blocks(view: BatchView) -> list[Block]:
    """The task every call was given, from the batch's base prompt."""
    if not view.task:
        return []
    return [section("*Task*\n" + code_block(view.task, TASK_LIMIT))]
