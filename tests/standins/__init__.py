"""Local stand-ins for the services the bot talks to (Slack; Bland lives in bot.demo)."""

from __future__ import annotations

from tests.standins.slack import SlackCall, SlackStandIn, Upload

__all__ = ["SlackCall", "SlackStandIn", "Upload"]
