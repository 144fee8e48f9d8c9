"""The data screen (key d): type or paste numbers, pick a built-in data set, or give a file."""

from __future__ import annotations

import asyncio
from typing import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, LoadingIndicator, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from ...core import data as data_mod
from ...errors import EmTuiError
from ..plain import plain

#: The option that goes back to the lesson's simulated data.
LESSON = "lesson"

#: Tries new data on the app's session; returns None when they were taken, else the reason they
#: were not. It runs in a worker thread (large data take a while), so it must not touch widgets.
Apply = Callable[[data_mod.DataSet | None], str | None]


def cannot_read(exc: OSError) -> str:
    """What an operating-system error while reading means, for the user ("cannot read F: Permission denied")."""
    what = exc.filename if exc.filename is not None else "the file"
    return f"cannot read {what}: {exc.strerror or exc}"


class DataScreen(ModalScreen[None]):
    """Three ways in; an error keeps the dialog open and the current data in place."""

    AUTO_FOCUS = "#data-text"
    BINDINGS = [
        Binding("escape", "cancel", "cancel"),
        Binding("ctrl+s", "use_text", "use the numbers", show=False),
    ]

    def __init__(self, apply: Apply, current: str, done: Callable[[], None] = lambda: None) -> None:
        """``done`` runs on the event loop after new data were taken (to redraw the screen)."""
        super().__init__()
        self._apply = apply
        self._done = done
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="data-dialog"):
            yield Label(plain(f"Data — now: {self._current}"), id="data-title")
            yield Label("Type or paste numbers (commas, spaces or newlines; at least 4):")
            yield TextArea(id="data-text", soft_wrap=True)
            yield Button("Use these numbers (Ctrl+S)", id="use-text", variant="primary", compact=True)
            yield Label("Or a built-in data set (Enter picks):")
            options = [Option(f"{name}  ({data_mod.load_dataset(name).n} values)", id=name) for name in data_mod.DATASETS]
            options.append(Option("the lesson's simulated data (200 points, known truth)", id=LESSON))
            yield OptionList(*options, id="data-sets")
            yield Label("Or a file (.csv/.txt/.npy) and its column (Enter loads):")
            with Horizontal(id="data-file"):
                yield Input(placeholder="path/to/file.csv", id="data-path")
                yield Input(placeholder="column", id="data-column")
            yield LoadingIndicator(id="data-busy")
            yield Static("", id="data-error")
            yield Label("Tab moves between the parts · Esc cancels", id="data-note")

    def on_mount(self) -> None:
        for inp in self.query(Input):
            inp.cursor_blink = False
        self.query_one(TextArea).cursor_blink = False
        self.query_one("#data-busy").display = False

    @work(exclusive=True, group="load")
    async def _try(self, load: Callable[[], data_mod.DataSet | None]) -> None:
        """Read and take the data in a thread, with a busy indicator: the screen stays responsive."""
        error = self.query_one("#data-error", Static)
        busy = self.query_one("#data-busy", LoadingIndicator)
        busy.display = True
        error.update("loading…")
        try:
            dataset = await asyncio.to_thread(load)
            problem = await asyncio.to_thread(self._apply, dataset)
        except EmTuiError as exc:
            problem = str(exc)
        except OSError as exc:  # a path that cannot even be looked at (too long, no permission): the data stay
            problem = cannot_read(exc)
        finally:
            busy.display = False
        if problem is not None:
            # the core's messages name the command-line option; here it is the column box
            error.update(plain(f"✗ {problem}".replace("--column", "the column box")))
            return
        self._done()
        self.dismiss(None)

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
            self.query_one("#data-error", Static).update("✗ type a file's path first")
            return
        self._try(lambda: data_mod.load_file(path, column))

    def action_cancel(self) -> None:
        self.dismiss(None)
