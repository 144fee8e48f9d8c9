"""The responsibilities view (key t): every point's γ_ik, sorted by x, computed for the rows on screen."""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Footer, Label

from ...core.model import Mixture
from ...core.points import POINT_NOTE
from ...session.dialogs import row_texts
from ..widgets.plots import NO_STYLE, TEXT_COLOURS, fit_line
from .dialog import Dialog

#: Rows computed at a time around the ones on screen.
BLOCK = 256


class ResponsibilityTable(ScrollView, can_focus=True):
    """N rows, drawn through the line API: only the rows on screen are ever computed."""

    def __init__(self, x_sorted: np.ndarray, order: np.ndarray, model: Mixture, **kwargs) -> None:
        super().__init__(**kwargs)
        self._x, self._order, self._model = x_sorted, order, model
        self._block_start = -1
        self._block: list[tuple[str, int]] = []
        width = 9 + 1 + 9 + 1 + 12 + 2 + 8 * model.k + 5
        self.virtual_size = Size(width, int(x_sorted.size))

    # Jumps without the scrolling animation: its frames would compute every block on the way.
    def action_scroll_home(self) -> None:
        self.scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self.scroll_end(animate=False)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        if not 0 <= row < self._x.size:
            return Strip.blank(self.size.width, NO_STYLE)
        start = row - row % BLOCK
        if start != self._block_start:
            self._block = row_texts(self._x, self._order, self._model, start, min(start + BLOCK, self._x.size))
            self._block_start = start
        text, best = self._block[row - start]
        strip = Strip([Segment(text[:-2], NO_STYLE), Segment(text[-2:], Style(color=TEXT_COLOURS[best], bold=True))])
        return fit_line(strip.crop(self.scroll_offset.x, self.scroll_offset.x + self.size.width), self.size.width)


class ResponsibilityScreen(Dialog[None]):
    """The γ table over the simulator; Esc, q or t close it."""

    AUTO_FOCUS = "ResponsibilityTable"
    BINDINGS = [
        Binding("q", "close", "close", show=False, tooltip="close the table, as the close key does"),
        Binding("t", "close", "close", show=False, tooltip="close the table, as the close key does"),
    ]

    def __init__(self, x_sorted: np.ndarray, order: np.ndarray, model: Mixture, t: int, half: bool) -> None:
        super().__init__()
        self._args = (x_sorted, order, model)
        self._t, self._half = t, half

    def compose(self) -> ComposeResult:
        x_sorted, order, model = self._args
        k = model.k
        when = f"iteration {self._t}" + (" (its E step: these are the new responsibilities)" if self._half else "")
        with Vertical(id="resp", classes="dialog-box"):
            yield Label(f"Responsibilities γ_ik at the parameters of {when} · {x_sorted.size:,} points sorted by x",
                        id="resp-title")
            head = " ".join(f"{'γ' + str(j + 1):>7}" for j in range(k))
            yield Label(f"{'row':>9} {'point':>9} {'x':>12}  {head}  best", id="resp-head")
            yield ResponsibilityTable(x_sorted, order, model, id="resp-table")
            pairs = (("scroll_up", "scroll_down"), ("page_up", "page_down"), ("scroll_home", "scroll_end"))
            scroll = " ".join("/".join(self.key(a, ResponsibilityTable) for a in pair) for pair in pairs)
            yield Label(f"{scroll} scroll · row: its place by x · {POINT_NOTE} · best: the component with the largest γ",
                        classes="dialog-note")
        yield Footer(compact=True)
