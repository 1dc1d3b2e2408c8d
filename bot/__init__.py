"""Bland batches for Slack: wiring, configuration, the Bland client and the watcher."""
