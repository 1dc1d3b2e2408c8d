"""Bolt listeners: they parse what Slack sent, acknowledge it, and reply."""
