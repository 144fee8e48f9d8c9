"""Errors raised by the core for bad input.

Every message is written for the person who typed the input: it says what is
wrong and, where it helps, where (a token and its position, a line, a column).
"""


class EmTuiError(ValueError):
    """Base class of every error the user can cause."""


class DataError(EmTuiError):
    """The data cannot be used: unreadable, non-numeric, too few values, ..."""


class ParameterError(EmTuiError):
    """A model parameter or option is out of range."""
