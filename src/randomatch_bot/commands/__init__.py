"""The command-line subcommands that are more than a few lines: `persona`, `dead-letters`
and `chat`. `cli.py` declares every command and calls these."""
