"""Errors a user can fix: the CLI prints them as one line, without a traceback."""


class UserError(Exception):
    """A mistake in input, configuration or environment, explained in one line."""
