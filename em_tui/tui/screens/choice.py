"""A small modal list to pick from (lesson presets, teaching faults)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one option with ↑/↓ and Enter (or its number key); Esc cancels (returns None)."""

    BINDINGS = [Binding("escape", "cancel", "cancel"), Binding("q", "cancel", "cancel", show=False)]
    AUTO_FOCUS = "OptionList"  # ↑/↓ work at once

    def __init__(self, title: str, options: list[tuple[str, str]], note: str = "") -> None:
        """``options``: (id, text) pairs; the screen returns the chosen id."""
        super().__init__()
        self._title = title
        self._options = options
        self._note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="choice"):
            yield Label(self._title, id="choice-title")
            yield OptionList(*[Option(f"{i + 1}  {text}", id=oid) for i, (oid, text) in enumerate(self._options)])
            yield Label(self._note or "↑/↓ then Enter, or a number key · Esc cancels", id="choice-note")

    def on_key(self, event) -> None:
        if event.character and event.character.isdigit():
            i = int(event.character) - 1
            if 0 <= i < len(self._options):
                event.stop()
                self.dismiss(self._options[i][0])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
