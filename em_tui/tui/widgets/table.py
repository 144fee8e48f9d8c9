"""The live parameter table: estimates beside the true values, and the run's status.

The rows are the frame's (:func:`~em_tui.session.view.table_rows`); this widget only lays them out.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from ..plain import printable
from ...session.frame import Frame
from ..colours import text_colour


class ParamTable(Static):
    """Per component π, μ, σ and N_k: estimate, true value (for N_k the expected count π·N), error, and
    EM's LL beside the truth's; then ΔLL, t, convergence (and LL, on data with no truth).

    Fixed-width columns (not a table that measures itself), so the layout is the same at every size.
    """

    frame: reactive[Frame | None] = reactive(None, init=False, repaint=False)
    _lines = -1
    _shown: tuple | None = None

    def watch_frame(self, old: Frame | None, frame: Frame | None) -> None:
        if frame is None:
            return
        part = (frame.table, frame.table_heads, frame.summary, frame.half, frame.label, frame.truth_columns,
                frame.data_range)
        if part != self._shown:
            self._shown = part
            self.show(frame)

    def show(self, frame: Frame) -> None:
        text = Text(no_wrap=True, overflow="crop")
        if frame.truth_columns:
            self._truth_rows(frame, text)
        else:
            lo, hi = frame.data_range
            text.append(f"{printable(frame.label)}\n", style="bold")
            text.append(f"N {frame.n:,} · {lo:.4g} to {hi:.4g}\n\n")
            text.append(f"{'k':<2}{'π':>5} {'μ':>9} {'σ':>7} {'N':>6}\n", style="bold")
            for idx, (k, pi, mu, sd, nk) in zip(frame.table_ranks, frame.table):
                text.append(f"{k:<2}", style=text_colour(idx))
                text.append(f"{pi:>5} {mu:>9} {sd:>7} ")
                text.append(f"{nk:>6}\n", style="bold" if frame.half else "")
        text.append("\n" + "\n".join(frame.summary))
        lines = text.plain.count("\n")
        # same number of lines: repaint this widget only, no new layout of the screen
        self.update(text, layout=lines != self._lines)
        self._lines = lines

    def _truth_rows(self, frame: Frame, text: Text) -> None:
        heads = dict(frame.table_heads)
        for row, ((name, est, true, err), idx) in enumerate(zip(frame.table, frame.table_ranks)):
            if row in heads:
                first, *cells = heads[row]
                text.append(f"{first:<3} {cells[0]:>9} {cells[1]:>8} {cells[2]:>7}\n", style="bold")
            colour = text_colour(idx) if idx >= 0 else ""
            text.append(f"{name:<3}", style=colour)
            text.append(f" {est:>9}", style="bold" if frame.half and name.startswith("N") else "")
            text.append(f" {true:>8} {err:>7}\n")
