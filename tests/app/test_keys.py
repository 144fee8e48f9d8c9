"""Keys are declared once: every binding has a description, the help table and the command palette are
built from the bindings, Esc closes every dialog the same way, and a failed worker is said on screen."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest
from app_helpers import settle, status
from textual.binding import Binding
from textual.command import CommandPalette
from textual.screen import Screen
from textual.widgets import Button, Input, OptionList

from em_tui.core.faults import FAULTS
from em_tui.session import dialogs
from em_tui.session.session import PRESETS
from em_tui.tui import create_app
from em_tui.tui.app import EmApp
from em_tui.tui.commands import declared, key_rows, palette_entries
from em_tui.tui.keynames import key_for
from em_tui.tui.screens.anomaly import AnomalyScreen
from em_tui.tui.screens.choice import ChoiceScreen
from em_tui.tui.screens.compare import CompareScreen
from em_tui.tui.screens.data import DataScreen
from em_tui.tui.screens.dialog import Dialog
from em_tui.tui.screens.help import HelpScreen, key_table
from em_tui.tui.screens.llpath import LLPathScreen
from em_tui.tui.screens.optima import OptimaScreen
from em_tui.tui.screens.resp import ResponsibilityScreen
from em_tui.tui.screens.selectk import SelectKScreen
from em_tui.tui.screens.start import StartScreen

ROOT = Path(__file__).resolve().parents[2]
SIZE = (120, 40)
DIALOGS = {"p": ChoiceScreen, "f": ChoiceScreen, "d": DataScreen, "i": StartScreen, "k": SelectKScreen,
           "o": OptimaScreen, "c": CompareScreen, "a": AnomalyScreen, "t": ResponsibilityScreen, "l": LLPathScreen,
           "question_mark": HelpScreen}


def test_every_binding_has_a_description_and_says_what_it_does():
    for owner in (EmApp, *set(DIALOGS.values())):
        for cls in owner.__mro__:
            for b in declared(cls.__dict__.get("BINDINGS", []) if cls.__module__.startswith("em_tui") else []):
                assert b.description and b.tooltip, (cls.__name__, b.key)


#: How the help and the palette spell a key, written out here (not taken from the code that names keys).
SPELLED = {"right": "→", "left": "←", "home": "Home", "end": "End", "escape": "Esc", "question_mark": "?",
           "f1": "F1", "space": "space", "plus": "+", "equals_sign": "=", "minus": "-", "enter": "Enter",
           "pageup": "PgUp", "pagedown": "PgDn"}


def spelled(b: Binding) -> str:
    """A binding's keys as declared ("right,n,space"), each spelled as the key table shows it."""
    return " ".join(SPELLED.get(k, k) for k in b.key.split(","))


def test_the_simulators_keys_are_those_declared():
    keys = {}
    for b in declared(EmApp.BINDINGS):  # an action's keys, over its bindings
        keys[b.action] = f"{keys[b.action]} {spelled(b)}" if b.action in keys else spelled(b)
    assert keys == {"step": "→ n space", "back": "← b", "e_step": "e", "m_step": "m", "run": "g", "home": "Home 0",
                    "end": "End", "new_seed": "r", "presets": "p", "faults": "f", "data": "d",
                    "responsibilities": "t", "export": "x", "save": "s", "start_editor": "i", "choose_k": "k",
                    "optima": "o", "anomalies": "a", "compare": "c", "help": "? F1", "quit": "q", "escape": "Esc",
                    "faster": "+ =", "slower": "-", "to_end": "G", "ll_path": "l", "lab": "L", "work": "w",
                    "point_prev": "←", "point_next": "→", "point_open": "Enter", "point_back10": "PgUp",
                    "point_fwd10": "PgDn", "point_first": "Home", "point_last": "End", "point_leave": "Esc",
                    "point_refuse": "n space b 0"}


async def test_the_help_table_is_the_bindings():
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        page = app.screen.text
        want = [(spelled(b), b.tooltip) for b in declared(EmApp.BINDINGS)]
        rows = key_rows(app)
        assert rows[:len(want)] == want and dict(rows)["Tab"].startswith("move to the input fields")
        lines = [page.index(f"| {keys} | {what} |") for keys, what in rows]
        assert lines == sorted(lines)  # every row on the page, in the bindings' order
        assert key_table(rows) in page
        assert all("[[" not in what for _, what in rows)  # the keys a tooltip names are filled in
        assert "Press Esc, q, ?, F1 to close" in page
        assert dict(rows)["→ n space"] == "one full EM iteration (E then M)"
        assert dict(rows)["g"] == "run to convergence, animated; g or Esc stops it"
        assert dict(rows)["Home 0"] == "back to iteration 0" and "Ctrl+P" in dict(rows)


async def test_the_palette_lists_every_action_preset_and_fault_with_its_key():
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE):
        texts = [e.text for e in palette_entries(app)]
        for b in declared(EmApp.BINDINGS):
            if b.action != "escape":
                assert f"{b.tooltip} ({spelled(b)})" in texts
        for i, name in enumerate(PRESETS):
            assert f"preset: {name} (p, then {i + 1})" in texts
        for i, name in enumerate(["none", *FAULTS]):
            assert any(t.startswith(f"fault: {name} — ") and t.endswith(f"(f, then {i + 1})") for t in texts)


async def test_a_palette_command_does_what_its_key_does():
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert CommandPalette.is_open(app)
        await pilot.press(*"one full EM")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.session.t == 1 and not CommandPalette.is_open(app)
        name = next(iter(FAULTS))
        await pilot.press("ctrl+p", *f"fault: {name}")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.session.fault == name and app.session.t == 0
        preset = list(PRESETS)[2]
        await pilot.press("ctrl+p", *f"preset: {preset}")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.session.start_means == PRESETS[preset].means and app.session.t == 0 and app.is_running
        await pilot.press("ctrl+p", *"choose K")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SelectKScreen)


async def test_the_palette_puts_the_line_that_starts_with_what_is_typed_first():
    """"responsibilities" is also a word of the E step's line; Enter opens the responsibilities (t)."""
    from em_tui.tui.screens.resp import ResponsibilityScreen

    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p", *"responsibilities")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ResponsibilityScreen) and app.session.t == 0 and not app.session.half


@pytest.mark.parametrize("key", list(DIALOGS))
async def test_escape_closes_every_dialog_and_changes_nothing(key):
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right")
        before = (app.session.t, app.session.seed, app.session.start, app.session.fault, app.session.k)
        await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, DIALOGS[key]) and isinstance(app.screen, Dialog)
        if key in ("d", "i"):  # a field has the focus: Esc reaches the dialog all the same
            assert app.screen.focused is not None
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.screen_stack[0]
        assert (app.session.t, app.session.seed, app.session.start, app.session.fault, app.session.k) == before


async def test_a_failed_worker_is_said_on_the_screen_that_started_it(monkeypatch):
    def broken(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(dialogs, "explore", broken)
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OptimaScreen) and not screen.running
        assert "✗ not enough memory" in screen.status_text
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.screen_stack[0] and "not enough memory" not in status(app)


async def test_a_failed_app_worker_is_said_in_the_status_line():
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        def fails() -> None:
            raise ValueError("boom")

        app.run_worker(fails, thread=True, exit_on_error=False)
        await settle(pilot)
        assert app.is_running and "internal error (ValueError: boom)" in status(app)
        await pilot.press("right")
        assert app.session.t == 1 and np.isfinite(app.session.trajectory.ll_at(1))


@pytest.mark.parametrize("key", ["i", "k", "o", "c"])
async def test_a_dialog_works_on_the_sessions_prepared_data_without_preparing_them_again(key, request):
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        calls = request.getfixturevalue("preparations")  # counted from here on
        await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, DIALOGS[key])
        assert calls["work"] == 0  # the session's data, prepared once when they were loaded


def test_a_dialog_names_its_keys_from_its_own_bindings(monkeypatch):
    from textual.binding import Binding

    from em_tui.tui.screens.search import SearchScreen

    assert (OptimaScreen.key(OptimaScreen.__new__(OptimaScreen), "again"), SelectKScreen.key(
        SelectKScreen.__new__(SelectKScreen), "close")) == ("r", "Esc")
    rebound = [Binding("y", "again", "run again", tooltip="run the search again with the next seed")]
    monkeypatch.setattr(SearchScreen, "BINDINGS", rebound + SearchScreen.BINDINGS[:2])
    assert OptimaScreen.__new__(OptimaScreen).key("again") == "y"  # the words follow a rebound key


#: A key's name written out: "Enter", "Ctrl+S", "↑", a bold or quoted single letter in the help's prose,
#: "press e", or a lone letter or digit that does something ("g or …", "r then …", "0 shows its start").
#: (The article "a" and the digits before "or" — "0 or 1" — are words, not keys.)
HAND_NAMED = re.compile(r"\b(Enter|Tab|Esc|Escape|Home|End|PgUp|PgDn|Space|F\d{1,2}|(Ctrl|Shift|Alt)\+\w+)\b"
                        r"|[↑↓]|\*\*[a-z0-9?]\*\*|`[a-z0-9?]`"
                        r"|(?<![\w=.+\-/'])(?:[Pp]ress(?:es)? [a-z0-9?](?!\w)|[b-hj-z?] (?:or|then)\b"
                        r"|[b-hj-z0-9?] (?:opens|stops|shows|closes|runs|goes|moves|applies|leaves|marks|picks"
                        r"|saves|exports|quits|starts|scrolls)\b)")
SOURCES = sorted((ROOT / "em_tui" / "tui" / "screens").glob("*.py")) + [ROOT / "em_tui" / "tui" / "commands.py"]


def _key_of(named: str) -> str:
    """The key a hand-written name names, as key_for spells it in lower case: "press e" → "e",
    "g or" → "g", "**e**" → "e", "Esc" → "esc"."""
    words = named.strip("*`").lower().split()
    return words[-1] if words[0] in ("press", "presses") else words[0]


def _hand_named(path: Path) -> list[str]:
    """The key names written by hand in ``path``'s user-facing strings: every string but docstrings and
    a binding's own keys (its key and key_display); a binding's tooltip and description may name only
    the keys of that same binding."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    allowed: dict[int, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Binding":
            own: set[str] = set()
            if node.args and isinstance(node.args[0], ast.Constant):
                own = set(key_for([Binding(node.args[0].value, "a")], "a", every=True).lower().split())
            for arg in node.args[:1] + [k.value for k in node.keywords if k.arg == "key_display"]:
                skip.update(id(n) for n in ast.walk(arg))
            for arg in node.args[2:3] + [k.value for k in node.keywords if k.arg in ("tooltip", "description")]:
                allowed.update({id(n): own for n in ast.walk(arg)})
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            for match in HAND_NAMED.finditer(node.value):
                if _key_of(match.group(0)) not in allowed.get(id(node), set()):
                    found.append(f"{path.name}:{node.lineno}: {match.group(0)!r} in {node.value[:60]!r}")
    return found


def test_no_user_facing_text_names_a_key_by_hand():
    assert len(SOURCES) > 10
    assert [hit for path in SOURCES for hit in _hand_named(path)] == []


def test_the_scan_finds_a_key_written_by_hand(tmp_path):
    source = tmp_path / "screen.py"
    source.write_text('"""Esc closes it (a docstring)."""\n'
                      'Binding("ctrl+s", "use", "use", tooltip="Ctrl+S uses it")\n'
                      'Binding("g", "run", "run", tooltip="g or Esc stops it")\n'
                      'yield Label("Tab moves between fields")\n'
                      'f"press {key} or **e**"\n'
                      'f"{up} picks a row ({home} shows its start; 0 shows it too)"\n'
                      '"Press r for another seed; x exports it, then q quits"\n'
                      '"responsibilities of 0 or 1 make a hard assignment"\n', encoding="utf-8")
    assert sorted(hit.split(": ")[1].split(" in ")[0] for hit in _hand_named(source)) == [
        "'**e**'", "'0 shows'", "'Esc'", "'Press r'", "'Tab'", "'q quits'", "'x exports'"]


def _shown(widget) -> str:
    return str(widget.label) if isinstance(widget, Button) else str(widget.render())


async def test_the_dialogs_hints_are_the_names_their_bindings_give():
    enter, tab = key_for(Input.BINDINGS, "submit"), key_for(Screen.BINDINGS, "app.focus_next")
    up, down, pick = (key_for(OptionList.BINDINGS, a) for a in ("cursor_up", "cursor_down", "select"))
    assert (enter, tab, up, down, pick) == ("Enter", "Tab", "↑", "↓", "Enter")
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert _shown(screen.query_one("#start-use")) == f"Use this start ({key_for(StartScreen.BINDINGS, 'use')})"
        assert _shown(screen.query_one("#start-norm")).endswith(f"({key_for(StartScreen.BINDINGS, 'normalise')})")
        notes = [_shown(w) for w in screen.query("Label")]
        assert f"{tab} moves between fields" in notes and "(1 to 8; Enter)" in notes
        await pilot.press("escape", "d")
        await settle(pilot)
        notes = [_shown(w) for w in app.screen.query("Label, Button")]
        assert f"Use these numbers ({key_for(DataScreen.BINDINGS, 'use_text')})" in notes
        assert f"Or a built-in data set ({pick} picks):" in notes and f"{tab} moves between the parts" in notes
        await pilot.press("escape", "p")
        await settle(pilot)
        assert _shown(app.screen.query_one("#choice-note")) == f"{up}/{down} then {pick}, or a number key"


async def test_a_rebound_key_is_named_in_the_dialogs_hints(monkeypatch):
    import em_tui.tui.app as app_module

    class Rebound(StartScreen):
        BINDINGS = [Binding("ctrl+o", "use", "use this start", tooltip="start EM again from the values in the dialog")]

    monkeypatch.setattr(app_module, "StartScreen", Rebound)
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, Rebound)
        assert _shown(app.screen.query_one("#start-use")) == "Use this start (Ctrl+O)"
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert app.screen is app.screen_stack[0]  # the start was used


async def test_the_choice_lists_number_keys_are_bindings():
    numbers = [b for b in ChoiceScreen.BINDINGS if b.action.startswith("pick(") and not b.show]
    assert [b.key for b in numbers] == [str(i) for i in range(1, 10)] and all(b.tooltip for b in numbers)
    footer = [b for b in ChoiceScreen.BINDINGS if b.action.startswith("pick(") and b.show]
    assert [b.key_display for b in footer] == ["1"] + [f"1–{n}" for n in range(2, 10)] and all(b.tooltip for b in footer)
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await settle(pilot)
        screen = app.screen
        shown = [a.binding.key_display for a in screen.active_bindings.values() if a.binding.show and a.enabled]
        # the footer's one entry for the number keys names the keys this list has: none, then each fault
        assert isinstance(screen, ChoiceScreen) and f"1–{len(FAULTS) + 1}" in shown and "1–9" not in shown
        assert not screen.check_action("pick", (len(FAULTS) + 2,))  # past the last option: does nothing
        await pilot.press("9")
        await pilot.pause()
        assert app.screen is screen and app.session.fault is None
        await pilot.press("2")
        await settle(pilot)
        assert app.screen is app.screen_stack[0] and app.session.fault == next(iter(FAULTS))


async def test_the_palette_leaves_out_textuals_maximize_and_key_panel():
    """Maximize blanked the simulator around a field, and Textual's key panel ignores Esc; the help has the keys."""
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab")  # a field has focus: Textual would offer to maximize it
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Quit" in titles and "Theme" in titles
        assert not {"Maximize", "Minimize", "Keys"} & set(titles)
