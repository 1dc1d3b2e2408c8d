"""`/batch export` and the Export CSV button: build the file, upload it where it may go.

By default the file goes only to whoever asked, by DM: it holds phone numbers and, with
`transcripts`, what was said. `here` posts it in the channel, saying who asked.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from bot.slack.errors import error_code
from bot.slots import USER_BUSY
from formatters.calls_csv import CsvRows
from formatters.export import (
    TO_CHANNEL,
    TO_DM,
    TO_DM_INSTEAD,
    export_busy,
    export_comment,
    export_title,
    exported,
)
from handlers.commands_parser import ExportCsv
from handlers.fetching import export_calls
from handlers.replies import Reply, Who

log = logging.getLogger(__name__)

# The channel won't take the file; the person who asked still can, in a DM.
CHANNEL_REFUSALS = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "not_allowed"}
)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


async def export_csv(
    request: ExportCsv, services: Services, who: Who, slack: AsyncWebClient
) -> Reply:
    """Taken before Bland is asked: a refused export costs nothing."""
    slots = services.exports
    busy = slots.take(who.user_id)
    if busy is not None:
        log.info("export of %s refused for now: %s busy", request.batch_id, busy)
        return Reply(export_busy(yours=busy == USER_BUSY, at_once=slots.total))
    try:
        return await _export(request, services, who, slack)
    finally:
        slots.release(who.user_id)


async def _export(request: ExportCsv, services: Services, who: Who, slack: AsyncWebClient) -> Reply:
    fd, path = tempfile.mkstemp(prefix="batch-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as out:

            def into() -> CsvRows:
                # From the file's start: a second one is made if the answer is read again.
                out.seek(0)
                out.truncate()
                return CsvRows(out, transcripts=request.transcripts)

            found = await export_calls(
                services, request.batch_id, transcripts=request.transcripts, into=into
            )
        label, rows = found.label, found.rows.rows
        upload: dict[str, Any] = {
            "file": path,
            "filename": filename(label, request.batch_id),
            "title": export_title(request.batch_id, label),
            "initial_comment": export_comment(
                request.batch_id, label, rows=rows, user_id=who.user_id
            ),
        }
        where = await _upload(slack, upload, who, here=request.here)
    finally:
        os.unlink(path)
    return Reply(
        exported(rows=rows, where=where, transcripts=request.transcripts, truncated=found.truncated)
    )


async def _upload(slack: AsyncWebClient, upload: dict[str, Any], who: Who, *, here: bool) -> str:
    """Upload to the channel when asked and it takes the file, else to a DM; says where."""
    if here and who.channel_id:
        try:
            await slack.files_upload_v2(channel=who.channel_id, **upload)
            return TO_CHANNEL
        except SlackApiError as exc:
            if error_code(exc) not in CHANNEL_REFUSALS:
                raise
            log.info("export: channel refused the file (%s); sending it by DM", error_code(exc))
        where = TO_DM_INSTEAD
    else:
        where = TO_DM
    opened = await slack.conversations_open(users=who.user_id)
    await slack.files_upload_v2(channel=opened["channel"]["id"], **upload)
    return where


def filename(label: str | None, batch_id: str) -> str:
    stem = _UNSAFE.sub("-", label or "").strip("-")[:60]
    return f"{stem + '-' if stem else ''}{batch_id}.csv"
