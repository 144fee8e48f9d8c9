"""The LL path as a table (key l): t, LL[t], ΔLL and where LL fell, one row per iteration shown so far."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Footer, Label

from ...session.llpath import FELL_MARK, HEAD, ll_path_rows
from ..plain import plain
from ..widgets.canvas import NO_STYLE, fit_line
from .dialog import Dialog

#: How a row where LL fell is drawn.
FELL_STYLE = Style(color="red", bold=True)


class LLPathTable(ScrollView, can_focus=True):
    """One row per iteration of ``ll`` (LL[0..t]), drawn through the line API: only the rows on screen
    are ever made."""

    def __init__(self, ll: tuple[float, ...], sizes: tuple[float, ...], **kwargs) -> None:
        super().__init__(**kwargs)
        self._ll, self._sizes = ll, sizes
        self.virtual_size = Size(len(HEAD) + 2 + len(FELL_MARK), len(ll))

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        if not 0 <= row < len(self._ll):
            return Strip.blank(self.size.width, NO_STYLE)
        [(text, fell)] = ll_path_rows(self._ll, self._sizes, row, row + 1)
        strip = Strip([Segment(text, FELL_STYLE if fell else NO_STYLE)])
        return fit_line(strip.crop(self.scroll_offset.x, self.scroll_offset.x + self.size.width), self.size.width)


class LLPathScreen(Dialog[None]):
    """The LL path over the simulator; Esc, q or l close it."""

    AUTO_FOCUS = "LLPathTable"
    BINDINGS = [
        Binding("q", "close", "close", show=False, tooltip="close the table, as the close key does"),
        Binding("l", "close", "close", show=False, tooltip="close the table, as the close key does"),
    ]

    def __init__(self, ll: tuple[float, ...], sizes: tuple[float, ...], fell_at: int | None) -> None:
        """``ll``: LL[0..t], the path the LL panel draws, and the sizes of the terms each sums (the decrease
        detector's margin); ``fell_at``: where the banner says LL fell, or None."""
        super().__init__()
        self._ll, self._sizes, self._fell_at = ll, sizes, fell_at

    def compose(self) -> ComposeResult:
        t = len(self._ll) - 1
        fell = "" if self._fell_at is None else f" · LL fell first at iteration {self._fell_at}"
        with Vertical(id="llpath", classes="dialog-box"):
            yield Label(plain(f"The log-likelihood path: LL[0] at the start, LL[t] after t iterations, to t = {t}{fell}"),
                        id="llpath-title")
            yield Label(plain(HEAD), id="llpath-head")
            yield LLPathTable(self._ll, self._sizes, id="llpath-table")
            pairs = (("scroll_up", "scroll_down"), ("page_up", "page_down"), ("scroll_home", "scroll_end"))
            scroll = " ".join("/".join(self.key(a, LLPathTable) for a in pair) for pair in pairs)
            yield Label(plain(f"{scroll} scroll · ΔLL = LL[t] − LL[t−1] · {FELL_MARK}: a fall, which a correct EM "
                              "never makes"), classes="dialog-note")
        yield Footer(compact=True)
