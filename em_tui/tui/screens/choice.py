"""A small modal list to pick from (lesson presets, teaching faults)."""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Label, OptionList
from textual.widgets.option_list import Option

from .dialog import Dialog


#: The number keys: one binding each (the footer shows them as one entry, "1–N" for a list of N).
PICK_KEYS = [Binding(str(i), f"pick({i})", "pick", show=i == 1, key_display="1–9" if i == 1 else None,
                     tooltip=f"choose option {i} of the list") for i in range(1, 10)]


class ChoiceScreen(Dialog[str | None]):
    """Pick one option with the list's keys (↑/↓ and Enter) or its number key; Esc cancels (returns None)."""

    BINDINGS = [
        Binding("escape", "close", "cancel", tooltip="close the list; nothing changes"),
        Binding("q", "close", "cancel", show=False, tooltip="close the list, as the close key does"),
        *PICK_KEYS,
    ]
    AUTO_FOCUS = "OptionList"  # the list's keys work at once

    def __init__(self, title: str, options: list[tuple[str, str]], note: str = "") -> None:
        """``options``: (id, text) pairs (at most 9, one for each number key); the screen returns the chosen id."""
        super().__init__()
        self._title = title
        self._options = options
        self._note = note
        # the footer's one entry for the number keys names the keys this list has ("1–3")
        first = PICK_KEYS[0]
        shown = f"1–{len(options)}" if len(options) > 1 else "1"
        self._bindings.key_to_bindings[first.key] = [replace(first, key_display=shown)]

    def compose(self) -> ComposeResult:
        up, down, enter = (self.key(a, OptionList) for a in ("cursor_up", "cursor_down", "select"))
        with Vertical(id="choice", classes="dialog-box"):
            yield Label(self._title, id="choice-title")
            yield OptionList(*[Option(f"{i + 1}  {text}", id=oid) for i, (oid, text) in enumerate(self._options)])
            yield Label(self._note or f"{up}/{down} then {enter}, or a number key", id="choice-note",
                        classes="dialog-note")
        yield Footer(compact=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A number key past the last option does nothing."""
        return action != "pick" or 1 <= int(parameters[0]) <= len(self._options)

    def action_pick(self, number: int) -> None:
        self.dismiss(self._options[number - 1][0])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)
