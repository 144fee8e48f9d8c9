"""A small modal list to pick from (lesson presets, teaching faults)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Label, OptionList
from textual.widgets.option_list import Option

from .dialog import Dialog


class ChoiceScreen(Dialog[str | None]):
    """Pick one option with ↑/↓ and Enter (or its number key); Esc cancels (returns None)."""

    BINDINGS = [
        Binding("escape", "close", "cancel", tooltip="close the list; nothing changes"),
        Binding("q", "close", "cancel", show=False, tooltip="the same as Esc"),
    ]
    AUTO_FOCUS = "OptionList"  # ↑/↓ work at once

    def __init__(self, title: str, options: list[tuple[str, str]], note: str = "") -> None:
        """``options``: (id, text) pairs; the screen returns the chosen id."""
        super().__init__()
        self._title = title
        self._options = options
        self._note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="choice", classes="dialog-box"):
            yield Label(self._title, id="choice-title")
            yield OptionList(*[Option(f"{i + 1}  {text}", id=oid) for i, (oid, text) in enumerate(self._options)])
            yield Label(self._note or "↑/↓ then Enter, or a number key", id="choice-note", classes="dialog-note")
        yield Footer(compact=True)

    def on_key(self, event) -> None:
        if event.character and event.character.isdigit():
            i = int(event.character) - 1
            if 0 <= i < len(self._options):
                event.stop()
                self.dismiss(self._options[i][0])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)
