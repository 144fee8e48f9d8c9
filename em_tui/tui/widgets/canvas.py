"""plotext's canvas drawn through Textual's line API: its ANSI text turned into strips once per
change, and lines cut or padded to a widget's width."""

from __future__ import annotations

import re

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip


#: The style of padding and blank lines drawn through the line API: a Style, never None, since
#: Textual's filters (the monochrome one that NO_COLOR turns on) read every segment's style.
NO_STYLE = Style.null()


def fit_line(strip: Strip, width: int) -> Strip:
    """``strip`` cut or padded to ``width`` cells (padding styled with NO_STYLE)."""
    return strip.adjust_cell_length(width, NO_STYLE)


_SGR_PREFIX = re.compile(r"((?:\x1b\[[0-9;]*m)*)(.*)", re.DOTALL)
_ANSI_END = "\x1b[0m"
_STYLES: dict[str, Style] = {}


def _style(prefix: str) -> Style:
    """The rich Style of one run's ANSI prefix (plotext reuses a handful of them: cached)."""
    style = _STYLES.get(prefix)
    if style is None:
        text = Text.from_ansi(prefix + "x")
        style = Style.combine(
            [span.style if isinstance(span.style, Style) else Style.parse(span.style) for span in text.spans]
        ) if text.spans else Style.null()
        _STYLES[prefix] = style
    return style


def canvas_strips(canvas: str) -> list[Strip]:
    """plotext's canvas (rows of runs: ANSI prefix, characters, reset) as Textual strips.

    The same result as decoding the ANSI text line by line, in far less time: the
    canvas has a fixed shape, so each run is split off and its style looked up.
    """
    strips = []
    for line in canvas.split("\n")[:-1] if canvas.endswith("\n") else canvas.split("\n"):
        segments = []
        for run in line.split(_ANSI_END):
            if not run:
                continue
            prefix, chars = _SGR_PREFIX.match(run).groups()
            if chars:
                segments.append(Segment(chars, _style(prefix)))
        strips.append(Strip(segments))
    return strips
