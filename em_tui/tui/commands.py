"""The command palette (Ctrl+P) and the key names, both read from the app's bindings.

Every key is declared once, as a ``Binding`` in :class:`~em_tui.tui.app.EmApp` (or a dialog) with a
short description (the footer's) and a tooltip (what it does, in a sentence). The palette lists every
one of the simulator's actions with its key, then every preset and every teaching fault, and runs
the same action as the key; the help page's key table (:func:`key_rows`) is built from the same list.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Callable

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from ..core.faults import FAULTS
from ..session.session import PRESETS

if TYPE_CHECKING:
    from textual.app import App

#: Key displays written as words (the rest keep Textual's: → ← ? ^p + -).
_LOWER = {"space"}


def key_names(app: App[Any], binding: Binding) -> str:
    """Every key of ``binding`` as the help and the palette show it: "→ n space", "Home 0"."""
    names = []
    for key in binding.key.split(","):
        shown = app.get_key_display(Binding(key.strip(), binding.action))
        if shown.startswith("^") and len(shown) > 1:
            shown = f"Ctrl+{shown[1:].upper()}"
        elif len(shown) > 1 and shown not in _LOWER and shown.isalnum():
            shown = shown.capitalize()
        names.append(shown)
    return " ".join(names)


def declared(bindings) -> list[Binding]:
    """A BINDINGS list as declared: one Binding per line, its keys still together ("right,n,space")."""
    return [b if isinstance(b, Binding) else Binding(*b) for b in bindings]


def key_rows(app: App[Any]) -> list[tuple[str, str]]:
    """(keys, what they do) for each of the app's bindings, in their order, and the palette's key."""
    rows = [(key_names(app, b), b.tooltip or b.description) for b in declared(app.BINDINGS)]
    if app.ENABLE_COMMAND_PALETTE:
        palette = Binding(app.COMMAND_PALETTE_BINDING, "command_palette")
        rows.append((key_names(app, palette), "the command palette: every key's action, preset and fault, "
                                              "found by typing part of its name"))
    return rows


@dataclass(frozen=True)
class Entry:
    """One line of the palette: what it says (with its key), and what it does."""

    text: str
    help: str
    run: Callable[[], Any]


def palette_entries(app: Any) -> list[Entry]:
    """The simulator's actions (each with its key), its presets and its teaching faults."""
    entries = [Entry(f"{b.tooltip or b.description} ({key_names(app, b)})", f"key {key_names(app, b)}",
                     partial(app.run_action, b.action))
               for b in declared(app.BINDINGS) if b.action != "escape"]
    for i, name in enumerate(PRESETS):
        entries.append(Entry(f"preset: {name} (p, then {i + 1})", "start again from this preset of the lesson",
                             partial(_preset, app, name)))
    faults = [("none", "correct EM")] + [(f.name, f.summary) for f in FAULTS.values()]
    for i, (name, summary) in enumerate(faults):
        entries.append(Entry(f"fault: {name} — {summary} (f, then {i + 1})",
                             "start again with this teaching fault (watch the banner)",
                             partial(app._apply_fault, name)))
    return entries


async def _preset(app: Any, name: str) -> None:
    """A preset, as p then its number gives it (on the user's own data: the refusal p shows)."""
    if app.session.simulated:
        await app._apply_preset(name)
    else:
        app.action_presets()


class SimulatorCommands(Provider):
    """The palette's part for the simulator. Over a dialog it offers nothing: there only the dialog's
    own keys act (the simulator's would change what the dialog shows behind its back)."""

    def _entries(self) -> list[Entry]:
        app = self.app
        return palette_entries(app) if self.screen is app.screen_stack[0] else []

    async def discover(self) -> Hits:
        for entry in self._entries():
            yield DiscoveryHit(entry.text, entry.run, help=entry.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            score = matcher.match(entry.text)
            if score > 0:
                yield Hit(score, matcher.highlight(entry.text), entry.run, help=entry.help)
