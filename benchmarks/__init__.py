"""Performance figures for the bot, each measured beside a floor taken in the same run."""
