"""Small checks every layer shares (written once, here, so that their wording stays the same)."""

from __future__ import annotations

import re

import numpy as np

from ..errors import ParameterError
from .limits import count_text

#: Signs read as a minus in a number besides the ASCII hyphen-minus: U+2212 MINUS SIGN, which typeset
#: text prints (the help's "(−2, 7)"), so that a value copied from it reads as typed.
MINUS_SIGNS = "\u2212"
_TO_ASCII_MINUS = str.maketrans({sign: "-" for sign in MINUS_SIGNS})


_PLAIN_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def plain_digits(text: str) -> str:
    """``text`` with subscript digits (μ₁, N₂) as the digits they stand for."""
    return text.translate(_PLAIN_DIGITS)


def ascii_minus(text: str) -> str:
    """``text`` with every minus sign (MINUS_SIGNS) as the ASCII "-" that Python reads."""
    return text.translate(_TO_ASCII_MINUS)


def to_number(text) -> float:
    """The number typed in ``text``, as float() reads it, with a Unicode minus sign (U+2212) read as
    "-": the one way a typed number is read (fields, the start editor, typed data, data files and
    the command line). ValueError if it is not a number."""
    return float(ascii_minus(str(text)))


#: a whole number as typed (its minus sign made ASCII first): ASCII digits with an optional sign (no
#: ``1_000``, no other scripts' digits)
_WHOLE = re.compile(r"[+-]?[0-9]+")
#: how a refusal of :func:`parse_whole` words the rule, by ``form``
_FORMS = ("bounds", "range", "whole range", "between")


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


def shown(text: str) -> str:
    """A value the user typed, quoted for a message (long ones cut short, escapes shown)."""
    return repr(text if len(text) <= 30 else text[:27] + "...")


def parse_whole(text, name: str, minimum: int | None = None, maximum: int | None = None, *,
                error: type[Exception] = ParameterError, form: str = "bounds", why: str = "") -> int:
    """The whole number typed in ``text`` (ASCII digits with an optional sign, "-" or "−", spaces around allowed;
    an int is taken as it is), from ``minimum`` to ``maximum`` (None: no bound), or ``error`` saying
    what ``name`` must be. The value refused is shown as typed (cut short), or as a count when it is a
    number ("1,000", "more than 10^15"). ``form`` words the rule:

        "bounds"       "<name> must be a whole number, got 'two'"
                       "<name> must be at least <minimum>, got 2" / "... at most <maximum><why>, got 5,000"
        "range"        "<name> must be a whole number from <minimum> to <maximum>, got 'two'"
                       "<name> must be from <minimum> to <maximum>, got 9"          (thousands separated)
        "whole range"  "<name> must be a whole number from <minimum> to <maximum>, got ..." for both
        "between"      "<name> must be a whole number, got 'two'"
                       "<name> must be between <minimum> and <maximum><why>, got 9"

    ("range", "whole range" and "between" take both bounds.)
    """
    check_choice("form of the refusal", form, _FORMS)
    value = None
    if is_whole(text):
        value = int(text)
    else:
        raw = ascii_minus(str(text)).strip()
        if _WHOLE.fullmatch(raw):
            try:
                value = int(raw)
            except ValueError:  # more digits than Python converts
                value = None
    got = shown(str(text)) if value is None else count_text(value)
    low_ok = value is not None and (minimum is None or value >= minimum)
    high_ok = value is not None and (maximum is None or value <= maximum)
    if low_ok and high_ok:
        return value
    if form == "whole range":
        raise error(f"{name} must be a whole number from {minimum} to {maximum}, got {got}")
    if form == "between" and value is not None:
        raise error(f"{name} must be between {minimum} and {maximum}{why}, got {got}")
    if form == "range":
        if value is None:
            raise error(f"{name} must be a whole number from {minimum:,} to {maximum:,}, got {got}")
        raise error(f"{name} must be from {minimum:,} to {maximum:,}, got {got}")
    if value is None:
        raise error(f"{name} must be a whole number, got {got}")
    if not low_ok:
        raise error(f"{name} must be at least {minimum}, got {got}")
    raise error(f"{name} must be at most {maximum:,}{why}, got {got}")
