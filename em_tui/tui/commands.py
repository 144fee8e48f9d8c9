"""The simulator's keys, the command palette and the help's key table, all read from the bindings.

Every key is declared once, as a ``Binding`` in :class:`~em_tui.tui.app.EmApp` (or a dialog) with a
short description (the footer's) and a tooltip (what it does, in a sentence). The palette lists every
one of the simulator's actions with its key, then every preset and every teaching fault, and runs
the same action as the key; the help page's key table (:func:`key_rows`) is built from the same list.
Every key is named by :func:`em_tui.tui.keynames.key_for`, the one key-naming function.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any, Callable

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Input, OptionList

from ..core.faults import FAULTS
from ..core.model import K_MAX, K_MIN
from ..session.scenario import K_APP_MAX
from ..session.session import PRESETS
from ..session.view import ANOMALY_MARK
from . import keynames

if TYPE_CHECKING:
    from textual.app import App

#: Textual's own keys the texts name ("[[Input:submit]]" is Enter), by the class whose bindings hold them.
TEXTUAL_KEYS = {"Screen": Screen.BINDINGS, "Input": Input.BINDINGS, "DataTable": DataTable.BINDINGS,
                "OptionList": OptionList.BINDINGS, "VerticalScroll": VerticalScroll.BINDINGS}


def named(bindings: list[Binding]) -> list[Binding]:
    """``bindings`` with the keys their tooltips name (``[[action]]``, ``[[Widget:action]]``) filled
    in from these bindings and Textual's: a tooltip names another key without writing it by hand."""
    keys = keynames.keys_of(bindings)
    return [replace(b, tooltip=keynames.name_keys(b.tooltip, keys, TEXTUAL_KEYS)) for b in bindings]


#: The pace keys, one entry of the footer.
PACE = Binding.Group("pace")

#: The simulator's keys, declared once, in the order of use: the footer shows each one's short
#: description (as many as its width allows, in this order; see widgets/footer.py), the help page's key
#: table and the command palette its tooltip (what it does, in a sentence).
SIMULATOR_KEYS = named([
    # The point mode's Enter first (the footer shows it first while the mode is on; hidden while off).
    Binding("enter", "point_open", "work it out", tooltip="point mode: the worked E step, M step and "
            "textbook table for the marked point, and a field to check your own numbers"),
    Binding("right,n,space", "step", "step", key_display="→", tooltip="one full EM iteration (E then M)"),
    Binding("left,b", "back", "back", key_display="←", tooltip="one iteration back (from the record, instant)"),
    Binding("e", "e_step", "E", tooltip="the E step only: responsibilities shown, parameters not moved yet"),
    Binding("m", "m_step", "M", tooltip="then the M step"),
    Binding("L", "lab", "lab", tooltip="lab mode on/off: before each E or M step a question about it (predict, "
                                       "then reveal), scored; [[step]], [[e_step]] and [[m_step]] ask it"),
    Binding("g", "run", "run", tooltip="run to convergence, animated; [[run]] or [[escape]] stops it"),
    Binding("r", "new_seed", "seed", tooltip="new data (the next seed); on your own data, a new k-means start"),
    Binding("p", "presets", "presets", tooltip="presets from the lesson"),
    Binding("f", "faults", "faults", tooltip="teaching faults (wrong updates that make LL fall)"),
    Binding("d", "data", "data",
            tooltip="data: type or paste numbers, pick a built-in data set, or load a file"),
    Binding("t", "responsibilities", "γ",
            tooltip="responsibilities: every point's γ_ik, sorted by x, with its most likely component"),
    Binding("w", "work", "work",
            tooltip="work it out: mark a point (▲ on the strip), move it with [[point_prev]]/[[point_next]], "
                    "[[point_open]] shows its E step and the M step with every number; [[work]] again leaves"),
    Binding("l", "ll_path", "LL path",
            tooltip="the log-likelihood path as a table: LL[t] and its change ΔLL at every iteration so far, a fall marked"),
    Binding("i", "start_editor", "start",
            tooltip=f"the start: K ({K_MIN} to {K_APP_MAX}) and every weight, mean and sd, or k-means / random with restarts"),
    Binding("plus,equals_sign", "faster", "faster", key_display="+", group=PACE,
            tooltip="a run to convergence goes faster: a shorter pause between iterations (at once while it runs)"),
    Binding("minus", "slower", "slower", key_display="-", group=PACE,
            tooltip="a run to convergence goes slower: a longer pause between iterations (at once while it runs)"),
    Binding("G", "to_end", "to end",
            tooltip="to convergence at once, without pauses, also while a run goes on; [[run]] or [[escape]] stops it"),
    Binding("k", "choose_k", "K?",
            tooltip=f"choose K: BIC and AIC for K = {K_MIN}..{K_MAX}; [[DataTable:select_cursor]] opens a K's fit"),
    Binding("o", "optima", "optima",
            tooltip="local optima: EM from many starts, the distinct solutions and how often each is reached"),
    Binding("c", "compare", "k-means",
            tooltip="k-means vs EM side by side; shrink a shared σ to turn EM into k-means"),
    Binding("a", "anomalies", "anomalies",
            tooltip=f"anomalies: points below a quantile of log p(x), listed and marked {ANOMALY_MARK} on the strip"),
    Binding("x", "export", "export",
            tooltip="export the parameters shown and every point's responsibilities as a new CSV in the "
                    "current folder (never over a file already there)"),
    Binding("s", "save", "save",
            tooltip="save the session (data, K, start, iteration) as a new JSON file; "
                    "em-tui --session FILE reopens it"),
    Binding("home,0", "home", "t=0", key_display="0", tooltip="back to iteration 0"),
    Binding("end", "end", "last t", key_display="End", tooltip="the last iteration computed so far"),
    Binding("question_mark", "help", "help", key_display="?", tooltip="this help"),
    Binding("f1", "help", "help", key_display="F1", tooltip="this help, also from inside a field (where the footer shows it)"),
    Binding("q", "quit", "quit", tooltip="quit"),
    Binding("escape", "escape", "stop", show=False, tooltip="stop a run to convergence, or leave a field"),
    # The point mode's keys (tui/pointing.py), last: while it is on, the keys above that they share
    # (←/→, Home/End, Esc) are switched off, so these get them; the other step keys are refused then
    # with a word on what to press. While it is off they are hidden and those keys act as usual.
    Binding("left", "point_prev", "prev point", key_display="←", tooltip="point mode: the previous point by x"),
    Binding("right", "point_next", "next point", key_display="→", tooltip="point mode: the next point by x"),
    Binding("pageup", "point_back10", "-10", show=False, tooltip="point mode: 10 points back by x"),
    Binding("pagedown", "point_fwd10", "+10", show=False, tooltip="point mode: 10 points on by x"),
    Binding("home", "point_first", "first", show=False, tooltip="point mode: the first point by x"),
    Binding("end", "point_last", "last", show=False, tooltip="point mode: the last point by x"),
    Binding("escape", "point_leave", "leave", show=False, tooltip="point mode: leave it (as [[work]] does)"),
    Binding("n,space,b,0", "point_refuse", "EM keys", show=False,
            tooltip="point mode: the step keys say how to leave it first ([[work]] or [[point_leave]])"),
])


def declared(bindings) -> list[Binding]:
    """A BINDINGS list as declared: one Binding per line, its keys still together ("right,n,space")."""
    return [b if isinstance(b, Binding) else Binding(*b) for b in bindings]


def key_rows(app: App[Any]) -> list[tuple[str, str]]:
    """(keys, what they do) for each of the app's bindings, in their order, then Textual's own keys the
    simulator relies on: Tab (into the fields) and the palette's key."""
    rows = [(keynames.key_for([b], b.action, every=True), b.tooltip or b.description) for b in declared(app.BINDINGS)]
    leave = keynames.key_for(app.BINDINGS, "escape")
    rows.append((keynames.key_for(Screen.BINDINGS, "app.focus_next"),
                 f"move to the input fields ({keynames.key_for(Input.BINDINGS, 'submit')} applies, {leave} leaves)"))
    if app.ENABLE_COMMAND_PALETTE:
        palette = Binding(app.COMMAND_PALETTE_BINDING, "command_palette")
        rows.append((keynames.key_for([palette], palette.action, every=True),
                     "the command palette: every key's action, preset and fault, found by typing part of its name"))
    return rows


@dataclass(frozen=True)
class Entry:
    """One line of the palette: what it says (with its key), and what it does."""

    text: str
    help: str
    run: Callable[[], Any]


def palette_entries(app: Any) -> list[Entry]:
    """The simulator's actions (each with its key), its presets and its teaching faults."""
    entries = []
    for b in declared(app.BINDINGS):
        if b.action != "escape":
            keys = keynames.key_for([b], b.action, every=True)
            entries.append(Entry(f"{b.tooltip or b.description} ({keys})", f"key {keys}",
                                 partial(app.run_action, b.action)))
    presets, faults_key = (keynames.key_for(app.BINDINGS, a) for a in ("presets", "faults"))
    for i, name in enumerate(PRESETS):
        entries.append(Entry(f"preset: {name} ({presets}, then {i + 1})", "start again from this preset of the lesson",
                             partial(app.apply_preset, name)))
    faults = [("none", "correct EM")] + [(f.name, f.summary) for f in FAULTS.values()]
    for i, (name, summary) in enumerate(faults):
        entries.append(Entry(f"fault: {name} — {summary} ({faults_key}, then {i + 1})",
                             "start again with this teaching fault (watch the banner)",
                             partial(app.apply_fault, name)))
    return entries


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
        typed = query.strip().lower()
        for entry in self._entries():
            score = matcher.match(entry.text)
            if typed and entry.text.lower().startswith(typed):
                score *= 2  # the line that starts with what is typed comes first ("responsibilities": t)
            if score > 0:
                yield Hit(score, matcher.highlight(entry.text), entry.run, help=entry.help)
