"""The subcommands of `veille`, one module per family."""
