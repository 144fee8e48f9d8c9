"""The dialogs' base: Esc closes every dialog the same way, and a failure is said in its own status line.

Every screen over the simulator is a :class:`Dialog`: a modal screen (the simulator's keys do nothing
while it is open) whose keys are its ``BINDINGS``, each with a description, shown by its footer; the
words it says name its keys through :meth:`Dialog.key` (also Textual's own keys, such as an Input's
submit, from that widget's bindings), so no key is written by hand. Its fields have a steady cursor. A dialog that starts workers lets the app's one failure handler
(:meth:`~em_tui.tui.app.EmApp.on_worker_state_changed`) say a failed worker's error through
:meth:`Dialog.show_error`; its workers are cancelled by Textual when the dialog is closed.
"""

from __future__ import annotations

from typing import TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import Worker

from .. import keynames
from ..plain import plain
from ..widgets.fields import steady_cursors

ResultType = TypeVar("ResultType")


class Dialog(ModalScreen[ResultType]):
    """A modal screen that Esc closes (returning None) and that shows errors in ``.dialog-error``."""

    BINDINGS = [Binding("escape", "close", "close", tooltip="close this dialog")]

    def action_close(self) -> None:
        self.dismiss(None)

    def on_mount(self) -> None:
        steady_cursors(self)

    def key(self, action: str, of: type | None = None) -> str:
        """The key this dialog's bindings give ``action`` (its own first, then its bases', Textual's
        Screen last: "app.focus_next" is Tab); with ``of``, a widget class (Input, DataTable,
        OptionList…), the key that widget's own bindings give it ("submit" → "Enter")."""
        classes = (type(self) if of is None else of).__mro__
        bindings = [b for cls in classes for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, Binding)]
        return keynames.key_for(bindings, action)

    def show_error(self, text: str) -> None:
        """Say ``text`` (a refusal or a failed worker's error) in the dialog's error line."""
        self.query_one(".dialog-error", Static).update(plain(f"✗ {text}" if text else ""))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker's state changes are posted to the dialog that started it: the app's one handler
        decides what a failure says. The footer follows (a key may work only while a worker runs)."""
        self.app.on_worker_state_changed(event)
        self.refresh_bindings()
