"""A search screen: fits run in a worker thread with a progress bar (Esc cancels), then a plot and a
table of the results; Enter on a row opens that fit in the main view.

Used by the choice of K (key k) and the local optima (key o).
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, ProgressBar, Static

from ...errors import EmTuiError
from ...core.model import Mixture
from ...core.trajectory import Trajectory
from ..plain import plain

#: Opens a fit in the main view: (K, start, what it is, the finished run or None) -> None if done,
#: else why not.
Open = Callable[[int, Mixture, str, "Trajectory | None"], "str | None"]
#: Seconds between progress updates sent from the worker thread.
PROGRESS_EVERY = 0.05


class SearchScreen(ModalScreen[None]):
    """Subclasses give :meth:`search` (in a thread), :meth:`show_result` and :meth:`open_row`.

    A full-size modal screen: the simulator's keys do nothing while it is open.
    """

    DEFAULT_CSS = """
    SearchScreen { layout: vertical; background: $background; }
    SearchScreen .search-title { height: auto; padding: 0 1; text-style: bold; background: $boost; }
    SearchScreen .search-plot { height: 1fr; min-height: 6; }
    SearchScreen DataTable { height: auto; max-height: 12; }
    SearchScreen ProgressBar { height: 1; padding: 0 1; }
    SearchScreen .search-status { height: auto; min-height: 2; padding: 0 1; color: $text-muted; }
    SearchScreen .search-status.refused { color: $error; }
    """
    BINDINGS = [
        Binding("escape", "back", "cancel / back"),
        Binding("q", "back", "back", show=False),
        Binding("r", "again", "run again"),
    ]
    AUTO_FOCUS = "DataTable"

    def __init__(self, open_fit: Open) -> None:
        super().__init__()
        self._open_fit = open_fit
        self._stop = threading.Event()
        self.result: Any = None
        self.running = False
        self._gone = False

    # -- to be given by a subclass -------------------------------------------
    def heading(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def make_plot(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def search(self, should_stop: Callable[[], bool], progress: Callable[[int, int], None]) -> Any:
        raise NotImplementedError  # pragma: no cover - overridden

    def show_result(self, result: Any, cancelled: bool) -> str:
        """Fill the plot and the table; return the status line."""
        raise NotImplementedError  # pragma: no cover - overridden

    def open_row(self, key: str) -> tuple[int, Mixture, str, Trajectory | None] | None:
        raise NotImplementedError  # pragma: no cover - overridden

    # -- layout and the worker ---------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(plain(self.heading()), classes="search-title")
        plot = self.make_plot()
        plot.add_class("search-plot")
        yield plot
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield ProgressBar(show_eta=False)
        yield Static("", classes="search-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.start()

    def on_unmount(self) -> None:
        self._gone = True
        self._stop.set()  # a thread still fitting gives up at its next check

    def table(self, *columns: tuple[str, int | None]) -> DataTable:
        """The results table emptied, with these (label, width) columns: set once, so that widths
        never depend on when the rows arrive."""
        table = self.query_one(DataTable)
        if [str(c.label) for c in table.columns.values()] != [label for label, _ in columns]:
            table.clear(columns=True)
            for label, width in columns:
                table.add_column(label, width=width)
        else:
            table.clear()
        return table

    def status(self, text: str, refused: bool = False) -> None:
        line = self.query_one(".search-status", Static)
        line.set_class(refused, "refused")
        line.update(plain(text))

    def start(self) -> None:
        self._stop.set()
        self._stop = threading.Event()
        self.running = True
        bar = self.query_one(ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        self.status("fitting… Esc cancels (the fits finished so far are kept).")
        self._work(self._stop)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _work(self, stop: threading.Event) -> None:
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if done == total or now - last[0] >= PROGRESS_EVERY:
                last[0] = now
                self._from_thread(stop, self._progress, done, total)

        try:
            result = self.search(stop.is_set, progress)
        except EmTuiError as exc:
            self._from_thread(stop, self._failed, str(exc))
            return
        except Exception as exc:  # a bug: said on screen, the app goes on
            self._from_thread(stop, self._failed, f"internal error ({type(exc).__name__}: {exc}); please report it")
            return
        self._from_thread(stop, self._finished, result, stop.is_set())

    def _from_thread(self, stop: threading.Event, fn, *args) -> None:
        """Run fn on the event loop, unless this search was replaced or the screen has gone."""
        if self._gone or stop is not self._stop:
            return
        try:
            self.app.call_from_thread(self._if_here, stop, fn, *args)
        except RuntimeError:  # the app is shutting down
            pass

    def _if_here(self, stop: threading.Event, fn, *args) -> None:
        if not self._gone and stop is self._stop:
            try:
                fn(*args)
            except Exception as exc:  # a bug while showing the result: said on screen, the app goes on
                self._failed(f"internal error ({type(exc).__name__}: {exc}); please report it")

    def _progress(self, done: int, total: int) -> None:
        self.query_one(ProgressBar).update(total=total, progress=done)

    def _failed(self, message: str) -> None:
        self.running = False
        self.query_one(ProgressBar).display = False
        self.status(f"✗ {message}", refused=True)

    def _finished(self, result: Any, cancelled: bool) -> None:
        self.running = False
        self.result = result
        self.query_one(ProgressBar).display = False
        self.status(self.show_result(result, cancelled))

    # -- keys ------------------------------------------------------------------------
    def action_back(self) -> None:
        if self.running:
            self._stop.set()  # the worker reports what it finished; the screen stays
            self.status("cancelling…")
            return
        self.dismiss()

    def busy(self) -> bool:
        """True (and said on screen) while a search runs."""
        if self.running:
            self.status("fitting… wait for it to finish, or Esc to cancel it first.")
        return self.running

    def next_round(self) -> None:
        """Called before r runs the search again (a subclass moves to the next seed)."""

    def refresh_heading(self) -> None:
        self.query_one(".search-title", Static).update(plain(self.heading()))

    def action_again(self) -> None:
        if not self.busy():
            self.next_round()
            self.refresh_heading()
            self.start()

    def post(self, fn, *args) -> None:
        """From the search's thread: run fn(*args) on the event loop while this search is current."""
        self._from_thread(self._stop, fn, *args)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        if self.busy() or event.row_key.value is None:
            return
        chosen = self.open_row(event.row_key.value)
        if chosen is None:
            return
        error = self._open_fit(*chosen)
        if error is not None:
            self.status(f"✗ {error}", refused=True)
            return
        self.dismiss()
