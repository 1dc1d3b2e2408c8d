"""`/batch export` and the Export CSV button: build the file, upload it where it may go."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import tempfile
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from bot.slack.errors import error_code
from formatters.calls_csv import write_calls_csv
from formatters.export import export_comment, exported
from handlers.commands_parser import ExportCsv
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
    detail = await services.bland.get_batch(
        request.batch_id,
        include_calls=True,
        include_transcripts=request.transcripts,
        include_analysis=False,
    )
    label = detail.batch_params.label
    fd, path = tempfile.mkstemp(prefix="batch-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as out:
            rows = await asyncio.to_thread(
                write_calls_csv, detail.call_data, out, transcripts=request.transcripts
            )
        upload: dict[str, Any] = {
            "file": path,
            "filename": filename(label, request.batch_id),
            "title": f"{label or 'Batch'} ({request.batch_id}) calls",
            "initial_comment": export_comment(
                request.batch_id, label, rows=rows, user_id=who.user_id
            ),
        }
        where = "this channel"
        try:
            if not who.channel_id:
                raise _NoChannel
            await slack.files_upload_v2(channel=who.channel_id, **upload)
        except (SlackApiError, _NoChannel) as exc:
            if isinstance(exc, SlackApiError) and _error(exc) not in CHANNEL_REFUSALS:
                raise
            log.info("export: channel refused the file (%s); sending it by DM", _describe(exc))
            opened = await slack.conversations_open(users=who.user_id)
            await slack.files_upload_v2(channel=opened["channel"]["id"], **upload)
            where = "you in a direct message, because this channel wouldn't take the file"
    finally:
        os.unlink(path)
    return Reply(exported(rows=rows, where=where, transcripts=request.transcripts))


def filename(label: str | None, batch_id: str) -> str:
    stem = _UNSAFE.sub("-", label or "").strip("-")[:60]
    return f"{stem + '-' if stem else ''}{batch_id}.csv"


class _NoChannel(Exception):
    """The request came from somewhere without a channel (App Home)."""


def _error(exc: SlackApiError) -> str:
    return error_code(exc)


def _describe(exc: Exception) -> str:
    return _error(exc) if isinstance(exc, SlackApiError) else "no channel"
