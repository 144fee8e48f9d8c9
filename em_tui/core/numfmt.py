"""Numbers in fixed-width columns: rounded to fit, never cut off (the CLI's table and the app's)."""

from __future__ import annotations


def fit_number(value: float, width: int, decimals: int = 4) -> str:
    """``value`` right-aligned in ``width`` characters, rounded (never cut off).

    Fixed-point with ``decimals`` places where that fits and keeps a significant digit;
    else the general format with as many significant digits as fit (26937 stays 26937.0000 in a
    wide column, 1e300 becomes 1e+300, 3e-7 becomes 3e-07, never '2.694e+').
    """
    text = f"{value:.{decimals}f}"
    if len(text) > width or (value != 0 and abs(value) < 10.0 ** -decimals):
        text = next((t for p in range(width, 0, -1) if len(t := f"{value:.{p}g}") <= width), f"{value:.0e}")
    return text.rjust(width)
