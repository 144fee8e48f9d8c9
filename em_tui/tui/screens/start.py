"""The start editor (key i): K, and every starting weight, mean and standard deviation — or a
k-means / random start from the data with several restarts (fitted in a worker: up to
MAX_RESTARTS EM runs; Esc stops them and keeps the start as it was)."""

from __future__ import annotations

from typing import Callable

import numpy as np
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Input, Label, RadioButton, RadioSet, Static
from textual.worker import get_current_worker

from ...core.model import Mixture, check_k, normalised, sums_to_one
from ...core.checks import parse_whole, to_number
from ...errors import EmTuiError, ParameterError, Refused
from ...session.dialogs import suggested_start
from ...session.scenario import Scenario
from ...session.session import K_APP_MAX, K_MIN, StartMade as Made
from ..messages import StartMade
from .dialog import Dialog

#: Strategies, as the radio buttons list them.
METHODS = ("user", "kmeans", "random")
MAX_RESTARTS = 50

#: Makes a start ready to run without changing the session: (K, method, restarts, start or None,
#: should_stop) -> what it runs, or None if stopped; raises Refused with the reason it cannot be used.
#: It may run in a worker thread (restarts take a while), so it must not touch widgets.
Ready = Callable[..., Made | None]
#: Hands what Ready made to the session (on the UI thread).
Take = Callable[[Made], None]


def _fmt(v: float) -> str:
    return f"{v:.8g}"  # fits its field, and K equal weights still sum to 1 within model.WEIGHT_SUM_TOL


class StartScreen(Dialog[None]):
    """Fields follow K; the use key (or the button) uses the start; the normalise key divides the weights
    by their sum."""

    AUTO_FOCUS = "#start-k"
    BINDINGS = [
        Binding("escape", "close", "cancel", tooltip="close the dialog; the start stays as it was"),
        Binding("ctrl+s", "use", "use this start", tooltip="start EM again from the values in the dialog"),
        Binding("ctrl+n", "normalise", "normalise", tooltip="divide the weights by their sum"),
    ]

    def __init__(self, ready: Ready, take: Take, scenario: Scenario, x: np.ndarray, current: Mixture) -> None:
        """Opens on ``scenario``'s start method and restarts, with ``current``'s values in the fields."""
        super().__init__()
        self._ready, self._take = ready, take
        self._x = x  # the session's prepared data as they are
        self._current = current
        self._config = scenario.config
        #: each value field's text as the dialog filled it (a different one was typed by the user)
        self._filled: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        k = self._current.k
        with Vertical(id="start-dialog", classes="dialog-box"):
            yield Label("Starting values", id="start-title")
            with Horizontal(classes="start-line"):
                yield Label("components K", classes="start-label")
                yield Input(str(k), id="start-k", classes="start-small")
                yield Label(f"({K_MIN} to {K_APP_MAX}; {self.key('submit', Input)})", classes="start-hint")
            method = self._config.init if self._config.init in METHODS else "user"
            with RadioSet(id="start-method"):
                yield RadioButton("your values (below)", value=method == "user", id="m-user")
                yield RadioButton("k-means from the data", value=method == "kmeans", id="m-kmeans")
                yield RadioButton("random points of the data", value=method == "random", id="m-random")
            with Horizontal(classes="start-line"):
                yield Label("starts", classes="start-label")
                yield Input(str(self._config.restarts), id="start-restarts", classes="start-small")
                yield Label("(k-means or random: the best final LL is kept)", classes="start-hint")
            yield Label(f"{'':3}{'weight π':>12}{'mean μ':>14}{'sd σ':>12}", id="start-head")
            for i in range(K_APP_MAX):
                with Horizontal(classes="start-row", id=f"row-{i}"):
                    yield Label(f"{i + 1:>2} ", classes="start-num")
                    yield Input(id=f"w-{i}", classes="start-cell")
                    yield Input(id=f"m-{i}", classes="start-cell")
                    yield Input(id=f"s-{i}", classes="start-cell")
            with Horizontal(id="start-buttons"):
                yield Button(f"Use this start ({self.key('use')})", id="start-use", variant="primary", compact=True)
                yield Button(f"Normalise weights ({self.key('normalise')})", id="start-norm", compact=True)
            yield Static("", id="start-error", classes="dialog-error")
            yield Label(f"{self.key('app.focus_next')} moves between fields", classes="dialog-note")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._fill(self._current)

    def _fill(self, model: Mixture) -> None:
        for i in range(K_APP_MAX):
            row = self.query_one(f"#row-{i}")
            row.display = i < model.k
            if i < model.k:
                for name, v in (("w", model.weights[i]), ("m", model.means[i]), ("s", model.sds[i])):
                    self._filled[f"{name}-{i}"] = self.query_one(f"#{name}-{i}", Input).value = _fmt(v)

    @on(Input.Changed, ".start-cell")
    def _typed(self, event: Input.Changed) -> None:
        """A value typed in the table is a start of your own: "your values" is chosen, or a k-means or
        random start would drop what was typed without a word."""
        if event.value != self._filled.get(event.input.id) and self._method() != "user":
            self.query_one("#m-user", RadioButton).value = True
            self._error("your values (below) chosen: a k-means or random start does not use the values typed")

    def _k(self) -> int | None:
        try:
            return check_k(self.query_one("#start-k", Input).value, form="range")
        except ParameterError as exc:
            self._error(str(exc))
            return None

    def _error(self, text: str) -> None:
        self.show_error(text)

    @on(Input.Submitted, "#start-k")
    def _k_changed(self) -> None:
        k = self._k()
        if k is not None and k != sum(1 for i in range(K_APP_MAX) if self.query_one(f"#row-{i}").display):
            self._fill(self._current if k == self._current.k else suggested_start(self._x, k))
            self._error("")

    def _method(self) -> str:
        pressed = self.query_one("#start-method", RadioSet).pressed_index
        return METHODS[max(pressed, 0)]

    def _values(self, k: int) -> tuple[list[float], list[float], list[float]] | None:
        cols: dict[str, list[float]] = {"w": [], "m": [], "s": []}
        names = {"w": "weight", "m": "mean", "s": "sd"}
        for i in range(k):
            for key in cols:
                text = self.query_one(f"#{key}-{i}", Input).value.strip()
                try:
                    cols[key].append(to_number(text))
                except ValueError:
                    self._error(f"the {names[key]} of component {i + 1} is not a number: {text!r}")
                    return None
        return cols["w"], cols["m"], cols["s"]

    def action_normalise(self) -> None:
        k = self._k()
        values = self._values(k) if k is not None else None
        if values is None:
            return
        try:
            weights = normalised(values[0])
        except ParameterError as exc:
            self._error(str(exc))
            return
        for i, v in enumerate(weights):
            self.query_one(f"#w-{i}", Input).value = _fmt(v)
        self._error("")

    def action_use(self) -> None:
        k = self._k()
        if k is None:
            return
        method = self._method()
        try:
            restarts = parse_whole(self.query_one("#start-restarts", Input).value.strip(), "starts", 1, MAX_RESTARTS,
                                   form="whole range")
        except ParameterError as exc:
            self._error(str(exc))
            return
        start = None
        if method == "user":
            values = self._values(k)
            if values is None:
                return
            w = values[0]
            if not sums_to_one(w) and all(v >= 0 for v in w):  # Mixture.create's own test
                self._error(f"weights sum to {sum(w):.6g}, not 1: press {self.key('normalise')} (Normalise) or fix them")
                return
            try:
                start = Mixture.create(*values, k=k)
            except EmTuiError as exc:
                self._error(str(exc))
                return
        if method != "user":  # up to MAX_RESTARTS EM runs: in a worker, the dialog stays responsive
            self.query_one("#start-error", Static).update(f"fitting {restarts} {method} start(s)…")
            self._fit(k, method, restarts)
            return
        try:
            made = self._ready(k, method, restarts, start)
        except Refused as exc:
            self._error(str(exc))
            return
        self._use_made(made)

    @work(thread=True, exclusive=True, group="start", exit_on_error=False)
    def _fit(self, k: int, method: str, restarts: int) -> None:
        """In a thread: the restarts fitted and the best start made ready (the session is not touched);
        closing the dialog cancels the worker, which stops the restarts."""
        worker = get_current_worker()
        made = self._ready(k, method, restarts, None, lambda: worker.is_cancelled)
        if made is not None:
            self.post_message(StartMade(worker, made))

    @on(StartMade)
    def _made(self, message: StartMade) -> None:
        if not message.worker.is_cancelled:
            self._use_made(message.made)

    def action_close(self) -> None:
        self.workers.cancel_group(self, "start")  # the restarts stop at once; the start stays as it was
        super().action_close()

    def _use_made(self, made: Made) -> None:
        self._take(made)
        self.dismiss(None)

    @on(Button.Pressed, "#start-use")
    def _use(self) -> None:
        self.action_use()

    @on(Button.Pressed, "#start-norm")
    def _norm(self) -> None:
        self.action_normalise()
