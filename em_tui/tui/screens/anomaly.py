"""Anomalies (key a): the points whose log-density under the mixture shown falls below a quantile."""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Input, Label, Static

from ...core.anomaly import DEFAULT_QUANTILE, MAX_QUANTILE, Anomalies, parse_quantile, percent
from ...core.model import Mixture
from ...core.points import POINT_NOTE
from ...errors import EmTuiError
from ...session.dialogs import anomaly_rows
from ...session.view import ANOMALY_MARK
from ..colours import text_colour
from .dialog import Dialog

#: Rows listed at most (least likely first); the export (x) has every point.
MAX_ROWS = 1000
#: Marks on at a quantile (or off with None): the flagged points, or why not.
Mark = Callable[[float | None], "Anomalies | str | None"]


class AnomalyScreen(Dialog[None]):
    """A quantile field and the list of the flagged points; the marks stay on the strip after Esc."""

    AUTO_FOCUS = "#anomaly-q"

    def __init__(self, mark: Mark, model: Mixture, t: int, quantile: float | None) -> None:
        super().__init__()
        self._mark = mark
        self._model = model
        self._t = t
        self._quantile = DEFAULT_QUANTILE if quantile is None else quantile

    def compose(self) -> ComposeResult:
        with Vertical(id="anomaly", classes="dialog-box"):
            yield Label(f"Anomalies at iteration {self._t}: points whose log-density log p(x) under the mixture "
                        "shown is below a quantile of all N values", id="anomaly-title")
            with Horizontal(id="anomaly-line"):
                yield Label("quantile")
                yield Input(percent(self._quantile), id="anomaly-q")
                yield Label(f"{DEFAULT_QUANTILE:g} or {percent(DEFAULT_QUANTILE)} (at most {percent(MAX_QUANTILE)}); "
                            f"{self.key('submit', Input)} marks them {ANOMALY_MARK} on the strip; "
                            "off removes the marks", classes="anomaly-note")
            yield Static("", id="anomaly-error", classes="dialog-error")
            yield Static("", id="anomaly-summary")
            yield DataTable(id="anomaly-table", cursor_type="row", zebra_stripes=True)
            yield Label(f"least likely first · {POINT_NOTE} · "
                        f"claimed by: the component with the largest γ · the marks stay after {self.key('close')}",
                        classes="dialog-note")
        yield Footer(compact=True)

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
        self.show_error(message or "")
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
            summary.update(f"marks off: type a quantile and press {self.key('submit', Input)} to flag points again.")
            return
        self._quantile = found.quantile
        listed = "" if found.count <= MAX_ROWS else f" (the {MAX_ROWS:,} least likely listed)"
        summary.update(f"{found.count:,} of {found.n:,} points have log p(x) below {found.threshold:.6g}, "
                       f"the {percent(found.quantile)} quantile{listed}.")
        table.add_columns("#", "point", "x", "log p(x)", "claimed by")
        table.add_rows([(*row, Text(f"{comp + 1} (γ {gamma:.3f})", style=text_colour(comp)))
                        for *row, comp, gamma in anomaly_rows(found, self._model, MAX_ROWS)])
