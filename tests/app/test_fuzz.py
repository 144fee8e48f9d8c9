"""Random keys and typed input, nonsense and hostile text included: the app never raises, a refusal
changes nothing, and its table always agrees with the engine for the state it claims to be in."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from app_helpers import assert_table_matches_engine, banner, engine_run
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.widgets import TextArea

from em_tui.tui import create_app
from em_tui.session.scenario import Scenario

KEYS = ["right", "n", "space", "left", "b", "e", "m", "g", "escape", "home", "0", "r", "p", "f",
        "question_mark", "f1", "1", "2", "3", "4", "tab", "enter", "up", "down", "delete", "t", "i", "end", "pagedown"]
FIELDS = ["mu1", "mu2", "seed", "t"]
NUMBERS = st.from_regex(r"-?[0-9]{1,3}(\.[0-9]{1,2})?", fullmatch=True)
NONSENSE = st.text(alphabet="0123456789.-+eEinfa xyz,", max_size=8)
ACTIONS = st.one_of(
    st.sampled_from(KEYS),
    st.tuples(st.sampled_from(FIELDS), st.one_of(NUMBERS, NONSENSE)),
)
#: a low cap keeps "g" (run to the end) short; it also exercises the cap
CAP = 25


async def _play(actions) -> None:
    app = create_app(Scenario.build(max_iter=CAP), pace=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        for action in actions:
            if isinstance(action, str):
                await pilot.press(action)
                continue
            field, text = action
            while app.screen is not app.screen_stack[0]:  # close a dialog first
                await pilot.press("escape")
            inp = app.query_one(f"#in-{field}")
            inp.focus()
            inp.value = text
            await pilot.press("enter")
        await pilot.press("escape")  # stop a run that may still go on
        await app.workers.wait_for_complete()
        while app.screen is not app.screen_stack[0]:
            await pilot.press("escape")
        await pilot.pause()
        s = app.session
        assert 0 <= s.t <= s.trajectory.iterations <= CAP
        assert_table_matches_engine(app)
        if s.fault is None:
            assert banner(app) is None
        else:  # an independent run of the engine over the iterations the screen has shown
            seen = engine_run(s.seed, s.means, s.fault, s.reached).decrease
            assert (banner(app) is None) == (seen is None)


@settings(max_examples=25)
@given(st.lists(ACTIONS, max_size=14))
def test_random_keys_and_input_keep_the_app_consistent(actions):
    asyncio.run(_play(actions))


# -- hostile text and odd keys in every screen ---------------------------------------------------
#: Text that is never a valid value anywhere (markup, action links, terminal escapes, shell): typed into
#: any field or the data screen's box, it must be refused and leave the session as it was.
HOSTILE = ["[/]", "[@click=app.quit]x", "[b]bold[/b]", "[red]x", "[/] 1 2 3", "\x1b[2J", "\x1b]0;t\x07x",
           "[link=file:///etc/passwd]x[/link]", "$(rm -rf ~)", "[[x]]", "\\[/]", "ł[/]\u202ex", "1 2 [/] 4 5"]
#: Files with hostile names that hold good data (no header, so no column name can match a typed one).
FILE_NAMES = ["[@click=app.quit]x.csv", "[b][i].csv", "a\x1b[2Jb.csv", "[red]n.txt"]
FILE_DATA = "1.0\n1.3\n0.8\n5.1\n4.9\n5.3\n1.1\n5.0\n9.2\n9.0\n"
#: Every key the screens bind, and some that none does (q is left out: it quits, which is fine).
ODD_KEYS = KEYS + ["d", "k", "o", "a", "c", "x", "s", "ctrl+s", "ctrl+n", "plus", "minus", "shift+tab",
                   "pageup", "backspace", "left_square_bracket", "right_square_bracket", "at", "5", "9"]
#: The dialogs with text fields, by the key that opens them, and a field each has.
DIALOG_FIELD = {"d": "#data-path", "i": "#start-k", "a": "#anomaly-q"}
#: None: a field of the screen on top, whatever it is.
DIALOG_KEYS = [None, *DIALOG_FIELD]
HOSTILE_ACTIONS = st.one_of(
    st.sampled_from(ODD_KEYS),
    st.tuples(st.just("type"), st.sampled_from(DIALOG_KEYS), st.integers(0, 40), st.sampled_from(HOSTILE)),
    st.tuples(st.just("file"), st.sampled_from(FILE_NAMES)),
    st.tuples(st.just("click"), st.integers(0, 99), st.integers(0, 28)),  # not the footer's row: q quits
)


def _session_state(app) -> tuple:
    """What the session shows, and (last) its data, which must be the very same object."""
    s = app.session
    return (s.seed, s.t, s.half, s.k, s.fault, s.means, s.start, s.anomaly_quantile, s.trajectory, s.data)


def _unchanged(app, before: tuple) -> bool:
    now = _session_state(app)
    return now[:-2] == before[:-2] and now[-2] is before[-2] and now[-1] is before[-1]


def _fields(app) -> list:
    """The text fields of the screen on top that are shown (Input and TextArea)."""
    return [w for w in app.screen.query("Input, TextArea")
            if all(node.display for node in w.ancestors_with_self if hasattr(node, "display"))]


async def _settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _close_dialogs(app, pilot) -> None:
    """Esc until the simulator is on top (a search may need two: one cancels, one closes)."""
    for _ in range(12):
        if app.screen is app.screen_stack[0]:
            return
        await pilot.press("escape")
        await _settle(app, pilot)


async def _open(app, pilot, key: str | None) -> None:
    """Open the dialog of ``key`` (None: stay on the screen on top)."""
    if key is not None and not app.screen.query(DIALOG_FIELD[key]):
        await _close_dialogs(app, pilot)
        await pilot.press(key)
        await pilot.pause()


async def _type(app, pilot, index: int, text: str) -> None:
    """Put ``text`` into one of the fields shown and submit it (Enter; Ctrl+S in the data screen's box)."""
    fields = _fields(app)
    if not fields:
        return
    field = fields[index % len(fields)]
    field.focus()
    await pilot.pause()
    if isinstance(field, TextArea):
        field.text = text
        await pilot.press("ctrl+s")
    else:
        field.value = text
        await pilot.press("enter")


async def _play_hostile(actions, folder: Path) -> None:
    app = create_app(Scenario.build(max_iter=CAP), pace=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        for action in actions:
            if isinstance(action, str):
                await pilot.press(action)
            elif action[0] == "click":
                await pilot.click(offset=(action[1], action[2]))
            elif action[0] == "file":  # good data under a hostile name, through the data screen
                await _open(app, pilot, "d")
                if app.screen.query("#data-path"):
                    await _type(app, pilot, _fields(app).index(app.screen.query_one("#data-path")),
                                str(folder / action[1]))
            else:  # hostile text: refused wherever it goes, nothing changes
                await _open(app, pilot, action[1])
                await _settle(app, pilot)
                before = _session_state(app)
                await _type(app, pilot, action[2], action[3])
                await _settle(app, pilot)
                assert _unchanged(app, before), action
            assert app.is_running and app.return_code is None, action
        await pilot.press("escape")  # stop a run or a search that may still go on
        await _settle(app, pilot)
        await _close_dialogs(app, pilot)
        assert app.screen is app.screen_stack[0]
        assert app.is_running and app.failure is None
        assert 0 <= app.session.t <= app.session.trajectory.iterations <= CAP
        assert_table_matches_engine(app)
        assert "\x1b" not in str(app.query_one("#status").content)


@settings(max_examples=12)
@given(st.lists(HOSTILE_ACTIONS, max_size=10))
def test_hostile_text_and_odd_keys_never_end_the_app(actions):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in FILE_NAMES:
            (folder / name).write_text(FILE_DATA)
        cwd = os.getcwd()
        os.chdir(folder)  # x and s write here
        try:
            asyncio.run(_play_hostile(actions, folder))
        finally:
            os.chdir(cwd)
