"""The Slack Web API as both flows use it: the shared client, the posting client, error codes."""
