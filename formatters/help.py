"""Usage text for every command."""

from __future__ import annotations

from bot.bland.batch_ids import V1_EXAMPLE, V2_EXAMPLE
from formatters.blocks import Message, context, header, message, section
from formatters.text import escape

# What Bland's v2 API does not offer, so no command can show it.
V2_LIMITS = (
    "v2 batches have no campaigns and no call analysis. Their calls come from Bland's "
    "call list; when Bland won't list one batch's calls, you're told so."
)

USAGE = [
    ("/batches", "List v1 and v2 batches together, newest first, with their status."),
    (
        "/batches campaign:<id> limit:<n> from:<i> to:<j> asc",
        "Filter by campaign, page by index, or list oldest first (v1 batches only).",
    ),
    (
        "/batch <batch_id>",
        "Summary: status, totals, lengths, answers and errors; for v2, the task, "
        "the latest progress message and the success rate.",
    ),
    ("/batch calls <batch_id> [page]", "The calls, 15 to a page."),
    (
        "/batch calls <batch_id> human|voicemail|no-answer|errors|long [page]",
        "Only the calls answered by a person, by voicemail, not answered, with an error, "
        "or of a minute or more (longest first). E.g. `/batch calls <batch_id> human`.",
    ),
    (
        "/batch call <call_id>",
        "One call whole, to you alone: who answered, who ended it, how long, Bland's "
        "summary, the recording, the price, its variables and the transcript. In a batch, "
        "the first 8 characters are enough: `/batch call <batch_id> <call_id>`.",
    ),
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
    (
        "/batch digest daily 09:00",
        "Each day at 09:00 in your time zone, one message here: the batches created or "
        "finished in the last 24 hours.",
    ),
    ("/batch digest weekly mon 09:00", "The same each week, for the last 7 days."),
    ("/batch digest off", "Stop this channel's digest; `/batch digest` shows it."),
    ("/batch help", "This help."),
]


def help_message(reason: str | None = None) -> Message:
    """The usage of every subcommand, after `reason` when the text was not understood."""
    lines = "\n".join(f"`{escape(command)}`\n{escape(what)}" for command, what in USAGE)
    blocks = [header("Bland batches: commands")]
    if reason:
        blocks.append(section(f":warning: {reason}"))
    blocks.append(section(lines))
    blocks.append(
        context(
            f"Batch ids look like `{V1_EXAMPLE}` (v1) or a UUID like `{V2_EXAMPLE}` (v2).",
            V2_LIMITS,
        )
    )
    return message(reason or "Bland batches: commands", blocks)
