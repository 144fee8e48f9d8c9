"""Small checks every layer shares (written once, here, so that their wording stays the same)."""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError


def is_whole(value) -> bool:
    """True for a Python or NumPy integer (a bool is not a number here)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def whole_number(name: str, value, low: int, high: int | None = None, error: type[Exception] = ParameterError) -> int:
    """``value`` as an int, or ``error`` saying what ``name`` must be:

        "<name> must be a whole number >= <low>, got <value>"              (no ``high``)
        "<name> must be a whole number from <low> to <high>, got <value>"
    """
    if is_whole(value) and low <= value and (high is None or value <= high):
        return int(value)
    rule = f">= {low}" if high is None else f"from {low} to {high}"
    raise error(f"{name} must be a whole number {rule}, got {value!r}")


def check_run_options(tol, max_iter) -> None:
    """A run's stopping rule, or ParameterError: the iteration cap a whole number >= 0 and the
    tolerance a finite number >= 0 (with 0 a run goes on to the cap)."""
    whole_number("the iteration cap", max_iter, 0)
    if not np.isfinite(tol) or tol < 0:
        raise ParameterError(f"the tolerance must be a number >= 0, got {tol!r}")


def check_choice(what: str, value, choices) -> None:
    """ParameterError unless ``value`` is one of ``choices``: "the <what> must be one of a, b, got 'c'"."""
    if value not in choices:
        raise ParameterError(f"the {what} must be one of {', '.join(choices)}, got {value!r}")
