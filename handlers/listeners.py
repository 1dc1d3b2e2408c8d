"""Registers every listener on the app, grouped by Slack feature."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers import actions, commands, home


def register_listeners(app: AsyncApp) -> None:
    commands.register(app)
    actions.register(app)
    home.register(app)
