"""A small modal list to pick from (lesson presets, teaching faults)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Label, OptionList
from textual.widgets.option_list import Option

from .dialog import Dialog


#: The most options a list has: one for each number key.
MOST = 9
#: The number keys: one binding each, none in the footer.
PICK_KEYS = [Binding(str(i), f"pick({i})", "pick", show=False, tooltip=f"choose option {i} of the list")
             for i in range(1, MOST + 1)]
#: The footer's one entry for the number keys, "1–N" for a list of N: one binding of key 1 for each
#: length of list, of which only the list's own is active (see ChoiceScreen.check_action); each picks option 1.
FOOTER_KEYS = [Binding("1", f"pick(1, {n})", "pick", key_display=f"1–{n}" if n > 1 else "1",
                       tooltip="choose an option of the list by its number") for n in range(1, MOST + 1)]


class ChoiceScreen(Dialog[str | None]):
    """Pick one option with the list's keys (↑/↓ and Enter) or its number key; Esc cancels (returns None)."""

    BINDINGS = [
        Binding("escape", "close", "cancel", tooltip="close the list; nothing changes"),
        Binding("q", "close", "cancel", show=False, tooltip="close the list, as the close key does"),
        *FOOTER_KEYS,
        *PICK_KEYS,
    ]
    AUTO_FOCUS = "OptionList"  # the list's keys work at once

    def __init__(self, title: str, options: list[tuple[str, str]], note: str = "") -> None:
        """``options``: (id, text) pairs (at most MOST, one for each number key); the screen returns the chosen id."""
        super().__init__()
        self._title = title
        self._options = options
        self._note = note

    def compose(self) -> ComposeResult:
        up, down, enter = (self.key(a, OptionList) for a in ("cursor_up", "cursor_down", "select"))
        with Vertical(id="choice", classes="dialog-box"):
            yield Label(self._title, id="choice-title")
            yield OptionList(*[Option(f"{i + 1}  {text}", id=oid) for i, (oid, text) in enumerate(self._options)])
            yield Label(self._note or f"{up}/{down} then {enter}, or a number key", id="choice-note",
                        classes="dialog-note")
        yield Footer(compact=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A number key past the last option does nothing; of the footer's entries for key 1 only the one
        for this list's length is there."""
        if action != "pick":
            return True
        if len(parameters) > 1:
            return int(parameters[1]) == len(self._options)
        return 1 <= int(parameters[0]) <= len(self._options)

    def action_pick(self, number: int, length: int = 0) -> None:
        self.dismiss(self._options[number - 1][0])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)
