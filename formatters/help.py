"""Usage text for every command."""

from __future__ import annotations

from formatters.blocks import Message, context, header, message, section
from formatters.text import escape

USAGE = [
    ("/batches", "List batches, newest first."),
    (
        "/batches campaign:<id> limit:<n> from:<i> to:<j> asc",
        "Filter by campaign, page by index, or list oldest first.",
    ),
    ("/batch <batch_id>", "Summary: status, totals, lengths, answers and errors."),
    ("/batch calls <batch_id> [page]", "The calls, 15 to a page."),
    ("/batch transcript <batch_id>", "Pick a call and read what was said."),
    (
        "/batch transcript <batch_id> <call_id>",
        "One call's dialogue; the first 8 characters of the call id are enough.",
    ),
    (
        "/batch watch <batch_id> [errors>10%]",
        "Live progress here, an alert when it finishes, and an early warning past N% errors.",
    ),
    ("/batch watch campaign:<campaign_id>", "The same for every batch of a campaign."),
    ("/batch unwatch <batch_id>", "Stop watching it here (also `campaign:<id>`)."),
    ("/batch watches", "What this channel is watching, with progress."),
    (
        "/batch export <batch_id> [transcripts] [here]",
        "The calls as a CSV file, sent to you by DM; with `here`, posted in this channel.",
    ),
    ("/batch stop <batch_id>", "Stop the remaining calls (admins; asks to confirm)."),
    ("/batch help", "This help."),
]


def help_message(reason: str | None = None) -> Message:
    """The usage of every subcommand, after `reason` when the text was not understood."""
    lines = "\n".join(f"`{escape(command)}`\n{escape(what)}" for command, what in USAGE)
    blocks = [header("Bland batches: commands")]
    if reason:
        blocks.append(section(f":warning: {reason}"))
    blocks.append(section(lines))
    blocks.append(context("Batch ids look like `AAcQq8zXxLB56LWg-gen-batch`."))
    return message(reason or "Bland batches: commands", blocks)
