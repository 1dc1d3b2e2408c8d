"""Pure functions from Bland models to Slack Block Kit messages."""
