"""The background flow, whole: poll Bland, record completions, deliver the outbox to Slack."""

from bot.watcher.loop import Watcher

__all__ = ["Watcher"]
