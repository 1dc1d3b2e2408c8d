"""The channel digest: its schedule (pure time arithmetic) and what it reports (from Bland)."""
