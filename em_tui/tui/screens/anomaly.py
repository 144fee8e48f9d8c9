"""Anomalies (key a): the points whose log-density under the mixture shown falls below a quantile."""

from __future__ import annotations

from typing import Callable

import numpy as np
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static

from ...core import em
from ...core.anomaly import DEFAULT_QUANTILE, Anomalies, parse_quantile, percent
from ...errors import EmTuiError
from ...core.model import Mixture
from ..plain import plain
from ..widgets.plots import TEXT_COLOURS

#: Rows listed at most (least likely first); the export (x) has every point.
MAX_ROWS = 1000
#: Marks on at a quantile (or off with None): the flagged points, or why not.
Mark = Callable[[float | None], "Anomalies | str | None"]


class AnomalyScreen(ModalScreen[None]):
    """A quantile field and the list of the flagged points; the marks stay on the strip after Esc."""

    AUTO_FOCUS = "#anomaly-q"
    DEFAULT_CSS = """
    AnomalyScreen { align: center middle; }
    #anomaly { width: 95%; height: 90%; border: thick $primary; background: $surface; padding: 0 1; }
    #anomaly-title { text-style: bold; width: 100%; }
    #anomaly > .anomaly-note { width: 100%; }
    #anomaly-line { height: auto; }
    #anomaly-line Label { width: auto; padding: 0 1 0 0; }
    #anomaly-line .anomaly-note { width: 1fr; }
    #anomaly-q { width: 12; height: 1; border: none; padding: 0 1; background: $boost; }
    #anomaly-q:focus { background: $primary 30%; }
    #anomaly-summary { height: auto; }
    #anomaly-error { height: auto; color: $error; }
    #anomaly-table { height: 1fr; }
    .anomaly-note { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "close", "close")]

    def __init__(self, mark: Mark, model: Mixture, t: int, quantile: float | None) -> None:
        super().__init__()
        self._mark = mark
        self._model = model
        self._t = t
        self._quantile = DEFAULT_QUANTILE if quantile is None else quantile

    def compose(self) -> ComposeResult:
        with Vertical(id="anomaly"):
            yield Label(f"Anomalies at iteration {self._t}: points whose log-density log p(x) under the mixture "
                        "shown is below a quantile of all N values", id="anomaly-title")
            with Horizontal(id="anomaly-line"):
                yield Label("quantile")
                yield Input(percent(self._quantile), id="anomaly-q")
                yield Label("0.01 or 1% (at most 50%); Enter marks them ! on the strip; off removes the marks",
                            classes="anomaly-note")
            yield Static("", id="anomaly-error")
            yield Static("", id="anomaly-summary")
            yield DataTable(id="anomaly-table", cursor_type="row", zebra_stripes=True)
            yield Label("least likely first · point: its place in the data (1 = first value) · "
                        "claimed by: the component with the largest γ · Esc closes (the marks stay)",
                        classes="anomaly-note")

    def on_mount(self) -> None:
        self._apply(self._quantile)

    @on(Input.Submitted, "#anomaly-q")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text.lower() in ("", "off", "none"):
            self._apply(None)
            return
        try:
            q = parse_quantile(text)
        except EmTuiError as exc:
            self._error(str(exc))  # the list and the marks stay as they were
            return
        self._apply(q)

    def _error(self, message: str | None) -> None:
        self.query_one("#anomaly-error", Static).update(plain(f"✗ {message}" if message else ""))
        self.query_one("#anomaly-q", Input).set_class(message is not None, "-invalid")

    def _apply(self, q: float | None) -> None:
        result = self._mark(q)
        if isinstance(result, str):
            self._error(result)
            return
        self._error(None)
        self._show(result)

    def _show(self, found: Anomalies | None) -> None:
        table = self.query_one("#anomaly-table", DataTable)
        table.clear(columns=True)
        summary = self.query_one("#anomaly-summary", Static)
        if found is None:
            summary.update("marks off: type a quantile and press Enter to flag points again.")
            return
        self._quantile = found.quantile
        listed = "" if found.count <= MAX_ROWS else f" (the {MAX_ROWS:,} least likely listed)"
        summary.update(f"{found.count:,} of {found.n:,} points have log p(x) below {found.threshold:.6g}, "
                       f"the {percent(found.quantile)} quantile{listed}.")
        table.add_columns("#", "point", "x", "log p(x)", "claimed by")
        values = found.values[:MAX_ROWS]
        if not values.size:
            return
        order = self._model.order()
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        gamma = em.responsibilities(values, self._model)
        best = gamma.argmax(axis=0)
        rows = []
        for i, (idx, x, ld) in enumerate(zip(found.index[:MAX_ROWS], values, found.log_density[:MAX_ROWS])):
            comp = int(rank[best[i]])
            claim = Text(f"{comp + 1} (γ {gamma[best[i], i]:.3f})", style=TEXT_COLOURS[comp])
            rows.append((str(i + 1), f"{int(idx) + 1:,}", f"{x:.6g}", f"{ld:.4f}", claim))
        table.add_rows(rows)

    def action_close(self) -> None:
        self.dismiss(None)
