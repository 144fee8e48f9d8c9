"""The data screen (key d): type or paste numbers, pick a built-in data set, or give a file."""

from __future__ import annotations

from typing import Any, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Input, Label, LoadingIndicator, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from ...core import data as data_mod
from ...errors import DataError
from ..messages import DataTaken
from ..plain import plain
from .dialog import Dialog

#: The option that goes back to the lesson's simulated data.
LESSON = "lesson"

#: Makes new data ready to run without changing the session (raises Refused with the reason they
#: cannot be used). It runs in a worker thread (large data take a while), so it must not touch widgets.
Ready = Callable[[data_mod.DataSet | None], Any]
#: Hands what Ready made to the session (on the UI thread).
Take = Callable[[Any], None]


def cannot_read(exc: OSError) -> str:
    """What an operating-system error while reading means, for the user ("cannot read F: Permission denied")."""
    what = exc.filename if exc.filename is not None else "the file"
    return f"cannot read {what}: {exc.strerror or exc}"


class DataScreen(Dialog[None]):
    """Three ways in; an error keeps the dialog open and the current data in place."""

    AUTO_FOCUS = "#data-text"
    BINDINGS = [
        Binding("escape", "close", "cancel", tooltip="close the dialog; the data stay as they were"),
        Binding("ctrl+s", "use_text", "use the numbers", tooltip="use the numbers typed or pasted in the box"),
    ]

    def __init__(self, ready: Ready, take: Take, current: str) -> None:
        """``ready`` makes new data ready in a worker; ``take`` hands them to the session once ready
        (Esc before then leaves the session as it was)."""
        super().__init__()
        self._ready, self._take = ready, take
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="data-dialog", classes="dialog-box"):
            yield Label(plain(f"Data — now: {self._current}"), id="data-title")
            yield Label("Type or paste numbers (commas, spaces or newlines; at least 4):")
            yield TextArea(id="data-text", soft_wrap=True)
            yield Button(f"Use these numbers ({self.key('use_text')})", id="use-text", variant="primary", compact=True)
            yield Label(f"Or a built-in data set ({self.key('select', OptionList)} picks):")
            options = [Option(f"{name}  ({data_mod.dataset_size(name)} values)", id=name) for name in data_mod.DATASETS]
            options.append(Option(f"the lesson's simulated data ({data_mod.DEFAULT_N} points, known truth)", id=LESSON))
            yield OptionList(*options, id="data-sets")
            yield Label(f"Or a file (.csv/.txt/.npy) and its column ({self.key('submit', Input)} loads):")
            with Horizontal(id="data-file"):
                yield Input(placeholder="path/to/file.csv", id="data-path")
                yield Input(placeholder="column", id="data-column")
            yield LoadingIndicator(id="data-busy")
            yield Static("", id="data-error", classes="dialog-error")
            yield Label(f"{self.key('app.focus_next')} moves between the parts", classes="dialog-note")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#data-busy").display = False

    def _try(self, load: Callable[[], data_mod.DataSet | None]) -> None:
        """Read and take the data in a worker, with a busy indicator: the screen stays responsive."""
        self.query_one("#data-busy", LoadingIndicator).display = True
        self.query_one("#data-error", Static).update("loading…")
        self._load(load)

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(self, load: Callable[[], data_mod.DataSet | None]) -> None:
        """In a thread: read the data and make them ready to run (large data take a while); the
        session is not touched here."""
        try:
            dataset = load()
        except OSError as exc:  # a path that cannot even be looked at (too long, no permission): the data stay
            raise DataError(cannot_read(exc)) from None
        self.post_message(DataTaken(self._ready(dataset)))

    @on(DataTaken)
    def _taken(self, message: DataTaken) -> None:
        self.query_one("#data-busy", LoadingIndicator).display = False
        self._take(message.loaded)
        self.dismiss(None)

    def show_error(self, text: str) -> None:
        """Why the data were not taken (the data stay as they were)."""
        self.query_one("#data-busy", LoadingIndicator).display = False
        # the core's messages name the command-line option; here it is the column box
        super().show_error(text.replace("--column", "the column box"))

    def action_use_text(self) -> None:
        text = self.query_one("#data-text", TextArea).text
        self._try(lambda: data_mod.from_text(text))

    @on(Button.Pressed, "#use-text")
    def _use_text(self) -> None:
        self.action_use_text()

    @on(OptionList.OptionSelected, "#data-sets")
    def _pick(self, event: OptionList.OptionSelected) -> None:
        name = event.option.id
        self._try(lambda: None if name == LESSON else data_mod.load_dataset(name))

    @on(Input.Submitted)
    def _file(self, event: Input.Submitted) -> None:
        event.stop()
        path = self.query_one("#data-path", Input).value.strip()
        column = self.query_one("#data-column", Input).value.strip() or None
        if not path:
            self.show_error("type a file's path first")
            return
        self._try(lambda: data_mod.load_file(path, column))
