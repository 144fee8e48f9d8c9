"""The responsibilities view (key t): every point's γ_ik, sorted by x, computed for the rows on screen.

Under a fault whose E step leaves out the division by p(x_i) the view shows what that code computes:
the weights w_ik = π_k N(x_i | μ_k, σ_k) and each row's sum, which is p(x_i), not 1."""

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
from ..colours import text_colour
from ..widgets.canvas import NO_STYLE, fit_line
from .dialog import Dialog

#: Rows computed at a time around the ones on screen.
BLOCK = 256


#: How the cursor's row is drawn.
CURSOR_STYLE = Style(reverse=True)


class ResponsibilityTable(ScrollView, can_focus=True):
    """N rows, drawn through the line API: only the rows on screen are ever computed. A row cursor
    (↑/↓, PgUp/PgDn, Home/End move it; the view scrolls to keep it in sight) picks the point whose
    worked arithmetic Enter opens."""

    def __init__(self, x_sorted: np.ndarray, order: np.ndarray, model: Mixture, normalised: bool = True,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self._x, self._order, self._model = x_sorted, order, model
        self._normalised = normalised
        self._block_start = -1
        self._block: list[tuple[str, int]] = []
        #: the cursor's row (0-based, by x)
        self.cursor = 0
        width = 9 + 1 + 9 + 1 + 12 + 2 + 8 * (model.k + (not normalised)) + 5
        self.virtual_size = Size(width, int(x_sorted.size))

    @property
    def cursor_point(self) -> int:
        """The 0-based index in the data of the cursor's point."""
        return int(self._order[self.cursor])

    def move_cursor(self, row: int) -> None:
        """The cursor to ``row`` (clamped), scrolled into sight without the scrolling animation (its
        frames would compute every block on the way)."""
        self.cursor = min(max(int(row), 0), int(self._x.size) - 1)
        top, height = self.scroll_offset.y, max(1, self.size.height)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)
        self.refresh()

    def action_scroll_up(self) -> None:
        self.move_cursor(self.cursor - 1)

    def action_scroll_down(self) -> None:
        self.move_cursor(self.cursor + 1)

    def action_scroll_home(self) -> None:
        self.move_cursor(0)

    def action_scroll_end(self) -> None:
        self.move_cursor(self._x.size - 1)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor + max(1, self.size.height))

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor - max(1, self.size.height))

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        if not 0 <= row < self._x.size:
            return Strip.blank(self.size.width, NO_STYLE)
        start = row - row % BLOCK
        if start != self._block_start:
            self._block = row_texts(self._x, self._order, self._model, start, min(start + BLOCK, self._x.size),
                                    normalised=self._normalised)
            self._block_start = start
        text, best = self._block[row - start]
        base = CURSOR_STYLE if row == self.cursor else NO_STYLE
        strip = Strip([Segment(text[:-2], base), Segment(text[-2:], base + Style(color=text_colour(best), bold=True))])
        return fit_line(strip.crop(self.scroll_offset.x, self.scroll_offset.x + self.size.width), self.size.width)


class ResponsibilityScreen(Dialog[None]):
    """The γ table over the simulator; Esc, q or t close it."""

    AUTO_FOCUS = "ResponsibilityTable"
    BINDINGS = [
        Binding("q", "close", "close", show=False, tooltip="close the table, as the close key does"),
        Binding("t", "close", "close", show=False, tooltip="close the table, as the close key does"),
        Binding("enter", "work", "work it out",
                tooltip="the worked E step, M step and textbook table for the cursor's point"),
    ]

    def __init__(self, x_sorted: np.ndarray, order: np.ndarray, model: Mixture, t: int, half: bool,
                 normalised: bool = True, open_work=None) -> None:
        """``open_work(index)``: opens the worked arithmetic for the point of 0-based ``index`` (Enter)."""
        super().__init__()
        self._open_work = open_work
        self._args = (x_sorted, order, model)
        self._t, self._half, self._normalised = t, half, normalised

    def compose(self) -> ComposeResult:
        x_sorted, order, model = self._args
        k = model.k
        with Vertical(id="resp", classes="dialog-box"):
            if self._normalised:
                when = f"iteration {self._t}" + (" (its E step: these are the new responsibilities)" if self._half else "")
                title = f"Responsibilities γ_ik at the parameters of {when} · {x_sorted.size:,} points sorted by x"
                head = " ".join(f"{'γ' + str(j + 1):>7}" for j in range(k))
                note = "best: the component with the largest γ"
            else:  # what the fault's E step computes, and the row sums it never divides by
                when = f"iteration {self._t}" + (" (its E step)" if self._half else "")
                title = (f"The fault's w_ik = π_k N(x_i | μ_k, σ_k), not divided by p(x_i), at {when} · "
                         f"{x_sorted.size:,} points sorted by x")
                head = " ".join(f"{'w' + str(j + 1):>7}" for j in range(k)) + f" {'Σ_k w':>7}"
                note = "Σ_k w: the row's sum, p(x_i), not 1 · best: the largest w"
            yield Label(title, id="resp-title")
            yield Label(f"{'row':>9} {'point':>9} {'x':>12}  {head}  best", id="resp-head")
            yield ResponsibilityTable(x_sorted, order, model, self._normalised, id="resp-table")
            pairs = (("scroll_up", "scroll_down"), ("page_up", "page_down"), ("scroll_home", "scroll_end"))
            scroll = " ".join("/".join(self.key(a, ResponsibilityTable) for a in pair) for pair in pairs)
            work = f" · {self.key('work')}: the cursor's point worked out" if self._open_work else ""
            yield Label(f"{scroll} move · row: its place by x · {POINT_NOTE} · {note}{work}", classes="dialog-note")
        yield Footer(compact=True)

    def action_work(self) -> None:
        if self._open_work is not None:
            self._open_work(self.query_one(ResponsibilityTable).cursor_point)
