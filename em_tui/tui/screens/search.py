"""A search screen: fits run in a worker thread with a progress bar, then a plot and a table of the
results; the table's select key (Enter) on a row opens that fit in the main view. The stop key (s)
ends a search and keeps the fits it finished; Esc goes back at once, as in every dialog.

Used by the choice of K (key k) and the local optima (key o).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, ProgressBar, Static
from textual.worker import get_current_worker

from ...core.model import Mixture
from ...core.trajectory import Trajectory
from ..messages import SearchDone, SearchProgress, SearchRows
from ..workers import going_on
from ..plain import plain
from ...errors import failure_message
from .dialog import Dialog

#: The worker group of a search.
GROUP = "search"

#: Opens a fit in the main view: (K, start, what it is, the finished run or None) -> None if done,
#: else why not.
Open = Callable[[int, Mixture, str, "Trajectory | None"], "str | None"]


class SearchScreen(Dialog[None]):
    """Subclasses give :meth:`search` (in a thread), :meth:`show_result` and :meth:`open_row`.

    A full-size modal screen: the simulator's keys do nothing while it is open. The search runs in
    a worker (group ``search``); whether one is going on is read from the screen's workers
    (:attr:`running`), never kept in a flag. The stop key cancels it and the fits finished so far are
    shown; Esc closes the screen at once (Textual cancels a search still going on when it goes).
    """

    BINDINGS = [
        Binding("escape", "close", "back", tooltip="go back to the simulator (a search going on is cancelled)"),
        Binding("q", "close", "back", show=False, tooltip="go back to the simulator, as the close key does"),
        Binding("r", "again", "run again", tooltip="run the search again with the next seed"),
        Binding("s", "stop", "stop", tooltip="stop the search going on; the fits finished so far are kept "
                                             "and the screen stays"),
    ]
    AUTO_FOCUS = "DataTable"

    def __init__(self, open_fit: Open) -> None:
        super().__init__()
        self._open_fit = open_fit
        self.result: Any = None
        #: the status line's words (what the search did, or why a key did nothing)
        self.status_text = ""

    @property
    def running(self) -> bool:
        """A search is going on: a live worker of this screen's ``search`` group."""
        return bool(going_on(self, GROUP))

    # -- to be given by a subclass -------------------------------------------
    def heading(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def make_plot(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def search(self, should_stop: Callable[[], bool], progress: Callable[[int, int], None],
               rows: Callable[[Any], None]) -> Any:
        """The fits (in the worker's thread, through :mod:`em_tui.session.dialogs`); may give ``rows``
        what it has finished so far (shown while the search goes on)."""
        raise NotImplementedError  # pragma: no cover - overridden

    def show_rows(self, result: Any) -> None:
        """Show the results finished so far (while the search goes on)."""

    def show_result(self, result: Any, cancelled: bool) -> str:
        """Fill the plot and the table; return the status line."""
        raise NotImplementedError  # pragma: no cover - overridden

    def open_row(self, key: str) -> tuple[int, Mixture, str, Trajectory | None] | None:
        raise NotImplementedError  # pragma: no cover - overridden

    # -- layout and the worker ---------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(plain(self.heading()), classes="dialog-title search-title")
        plot = self.make_plot()
        plot.add_class("search-plot")
        yield plot
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield ProgressBar(show_eta=False)
        yield Static("", classes="search-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.start()

    def fill_table(self, columns: Sequence[tuple[str, int]], rows: Sequence[tuple[str, Sequence[str]]]) -> None:
        """The results table made anew with these (label, least width) columns and (key, cells) rows.
        Every column's width is set here from the cells given (never left to the table to fit later,
        which it does only when idle: a screenshot or a reader could see a column before it fits)."""
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for i, (label, least) in enumerate(columns):
            table.add_column(label, width=max([least, cell_len(label)] + [cell_len(str(cells[i])) for _, cells in rows]))
        for key, cells in rows:
            table.add_row(*cells, key=key)

    def status(self, text: str, refused: bool = False) -> None:
        self.status_text = text
        line = self.query_one(".search-status", Static)
        line.set_class(refused, "refused")
        line.update(plain(text))

    def start(self) -> None:
        bar = self.query_one(ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        self._work()
        self.status(f"fitting… {self.key('stop')} stops (the fits finished so far are kept), "
                    f"{self.key('close')} goes back.")
        self.refresh_bindings()  # the stop key is shown while the search goes on

    @work(thread=True, exclusive=True, group=GROUP, exit_on_error=False)
    def _work(self) -> None:
        """The search in a thread; its progress, rows and end are posted to the screen (once it is
        cancelled, no more progress or rows: what it finished comes with its end)."""
        worker = get_current_worker()

        def post(message: SearchProgress | SearchRows) -> None:
            if not worker.is_cancelled:
                self.post_message(message)

        result = self.search(lambda: worker.is_cancelled, lambda done, total: post(SearchProgress(done, total)),
                             lambda rows: post(SearchRows(rows)))
        self.post_message(SearchDone(worker, result, worker.is_cancelled))

    @on(SearchProgress)
    def _progress(self, message: SearchProgress) -> None:
        self.query_one(ProgressBar).update(total=message.total, progress=message.done)

    @on(SearchRows)
    def _rows_posted(self, message: SearchRows) -> None:
        self.show_rows(message.result)

    def show_error(self, text: str) -> None:
        """A failed search (or a failure while showing it): said in the status line; the screen stays."""
        self.query_one(ProgressBar).display = False
        self.status(f"✗ {text}", refused=True)
        self.refresh_bindings()

    @on(SearchDone)
    def _finished(self, message: SearchDone) -> None:
        if any(w is not message.worker for w in going_on(self, GROUP)):
            return  # a stopped search's end, come after a newer search began: the newer one's is shown
        self.result = message.result
        self.query_one(ProgressBar).display = False
        try:
            self.status(self.show_result(message.result, message.cancelled))
        except Exception as exc:  # a bug while showing the result: said on screen, the app goes on
            self.show_error(failure_message(exc))
        self.refresh_bindings()

    # -- keys ------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The stop key works (and is shown) only while a search goes on."""
        return self.running if action == "stop" else True

    def action_stop(self) -> None:
        """Stop the search: the worker reports what it finished, and the screen stays."""
        self.workers.cancel_group(self, GROUP)
        self.status(f"stopping… (the fits finished so far are kept; {self.key('close')} goes back at once)")
        self.refresh_bindings()

    def busy(self) -> bool:
        """True (and said on screen) while a search runs."""
        running = self.running
        if running:
            self.status(f"fitting… wait for it to finish, or {self.key('stop')} to stop it first.")
        return running

    def next_round(self) -> None:
        """Called before r runs the search again (a subclass moves to the next seed)."""

    def refresh_heading(self) -> None:
        self.query_one(".search-title", Static).update(plain(self.heading()))

    def action_again(self) -> None:
        if not self.busy():
            self.next_round()
            self.refresh_heading()
            self.start()

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
