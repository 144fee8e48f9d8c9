"""User text is shown as it is: markup in a name, a header or a typed value is neither obeyed nor a
crash, and terminal escapes never reach the terminal raw."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
from textual import events
from textual.widgets import Input, TextArea

from em_tui.tui import create_app
from em_tui.tui.app import open_session
from em_tui.tui.plain import plain, printable
from em_tui.tui.screens.anomaly import AnomalyScreen
from em_tui.tui.screens.data import DataScreen
from em_tui.tui.screens.start import StartScreen
from em_tui.session.sessionfile import save
from em_tui.core import data

from app_helpers import assert_components_match, rendered
from em_tui.session.scenario import Scenario

SIZE = (120, 40)
NUMBERS = "1\n2\n3\n10\n11\n12\n20\n21\n"


def status(app) -> str:
    """The status line as the screen shows it (here the point is what reaches the terminal)."""
    return str(app.query_one("#status").content)


def screen_text(app) -> str:
    """Every character the screen shows, line by line (styles aside), read from the app's own
    screenshot of the screen: what user text turned into on its way to the terminal."""
    lines: dict[int, list[str]] = {}
    for line, text in re.findall(r'<text [^>]*clip-path="url\(#[^)]*-line-(\d+)\)"[^>]*>(.*?)</text>',
                                 app.export_screenshot(), flags=re.S):
        lines.setdefault(int(line), []).append(html.unescape(text).replace("\xa0", " "))
    return "\n".join("".join(lines[n]) for n in sorted(lines))


async def load_path(pilot, path) -> None:
    """Type a file's path into the data screen and press Enter."""
    await pilot.press("d")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, DataScreen)
    screen.query_one("#data-path", Input).value = str(path)
    screen.query_one("#data-path", Input).focus()
    await pilot.press("enter")
    await screen.workers.wait_for_complete()
    await pilot.pause()


def test_plain_shows_markup_and_escapes_literally():
    assert plain("[/] [@click=app.quit]x[/]").plain == "[/] [@click=app.quit]x[/]"
    assert printable("a\x1b[2Jb\x07\x9b\u202ec\td\ne") == "a\\x1b[2Jb\\x07\\x9b\\u202ec\\td\ne"


async def test_a_csv_header_that_is_markup_survives_a_new_start(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("[/]\n" + NUMBERS)
    app = create_app(Scenario.build(dataset=data.load_file(path), seed=0), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "r")
        await pilot.pause()
        assert app.session.seed == 1 and app.session.t == 0
        assert status(app).startswith("restarted at iteration 0: h.csv ([/]), k-means start (seed 1)")
        assert "h.csv ([/])" in rendered(app.query_one("#table"))
        assert "h.csv ([/]) (N = 8)" in screen_text(app)  # the plot's title
        assert_components_match(app)


async def test_a_session_file_with_markup_in_its_name_opens(tmp_path):
    session = create_app(Scenario.build(seed=3)).session
    session.goto(4)
    path = save(session, tmp_path / "lesson[a=b:c].json")
    app = open_session(path, pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert status(app) == "opened the session lesson[a=b:c].json at iteration 4"
        await pilot.press("right")
        assert app.session.t == 5


async def test_markup_typed_in_the_data_screen_is_quoted_back():
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right")
        before = (app.session.data, app.session.t)
        await pilot.press("d")
        await pilot.pause()
        app.screen.query_one("#data-text", TextArea).text = "[/] 1 2 3"
        await pilot.press("ctrl+s")
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DataScreen)
        assert str(app.screen.query_one("#data-error").content) == "✗ value 1: '[/]' is not a number"
        assert (app.session.data, app.session.t) == before


@pytest.mark.parametrize("key, dialog, field, typed, shown", [
    ("i", StartScreen, "#start-k", "[/]", "got '[/]'"),
    ("i", StartScreen, "#start-restarts", "[b]x[/i]", "got '[b]x[/i]'"),
    ("a", AnomalyScreen, "#anomaly-q", "[@click=app.quit]x", "got '[@click=app.quit]x'"),
])
async def test_markup_typed_in_a_dialog_is_quoted_back(key, dialog, field, typed, shown):
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", key)
        await pilot.pause()
        assert isinstance(app.screen, dialog)
        inp = app.screen.query_one(field, Input)
        inp.focus()
        inp.value = typed
        await pilot.press("ctrl+s" if dialog is StartScreen else "enter")
        await pilot.pause()
        assert isinstance(app.screen, dialog)
        error = app.screen.query_one("#start-error" if dialog is StartScreen else "#anomaly-error")
        assert shown in str(error.content)
        assert typed in screen_text(app)
        await pilot.press("escape")
        assert app.session.t == 2 and app.session.k == 2


async def test_an_action_link_in_a_file_name_is_only_text(tmp_path):
    path = tmp_path / "[@click=app.quit]x.csv"
    path.write_text(NUMBERS)
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await load_path(pilot, path)
        line = status(app)
        assert line.startswith("loaded [@click=app.quit]x.csv (")
        np.testing.assert_array_equal(app.session.data.x, [1, 2, 3, 10, 11, 12, 20, 21])
        # a click on the name (were it markup, the link would start where the name does)
        column = line.index("[@click")
        for dx in (0, 1, len("[@click=app.quit]"), len("[@click=app.quit]x")):
            await pilot.click("#status", offset=(1 + column + dx, 0))
            await pilot.pause()
        assert app.is_running and app.return_code is None
        assert "[@click=app.quit]x.csv" in screen_text(app)
        await pilot.press("right")
        assert app.session.t == 1


async def test_terminal_escapes_in_a_file_name_are_shown_not_sent(tmp_path):
    path = tmp_path / "a\x1b[2J\x1b]0;pwned\x07b.csv"
    path.write_text(NUMBERS)
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await load_path(pilot, path)
        assert app.session.data.n == 8
        shown = screen_text(app)
        assert "\x1b" not in shown and "\x07" not in shown
        assert "a\\x1b[2J\\x1b]0;pwned\\x07b.csv" in status(app)
        assert "a\\x1b[2J\\x1b]0;pwned\\x07b.csv" in rendered(app.query_one("#table"))
        await pilot.press("d")
        await pilot.pause()
        assert "Data — now: a\\x1b[2J" in screen_text(app)


async def test_a_paste_with_terminal_escapes_is_shown_not_sent():
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await pilot.pause()
        area = app.screen.query_one("#data-text", TextArea)
        area.focus()
        app.post_message(events.Paste("1 2\x1b[31m 3\x1b]0;t\x07 4"))
        await pilot.pause()
        assert area.text == "1 2\\x1b[31m 3\\x1b]0;t\\x07 4"
        assert "\x1b" not in screen_text(app) and "\x07" not in screen_text(app)
        await pilot.press("ctrl+s")
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        error = str(app.screen.query_one("#data-error").content)
        assert error.startswith("✗ value 2: '2\\") and error.endswith("is not a number")
        assert app.session.simulated


async def test_a_pasted_spreadsheet_column_keeps_its_tabs_and_line_ends():
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await pilot.pause()
        app.screen.query_one("#data-text", TextArea).focus()
        app.post_message(events.Paste("1.0\t5.1\r\n1.2\t4.9\r\n0.8\t5.3\r\n"))
        await pilot.pause()
        await pilot.press("ctrl+s")
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, DataScreen)
        np.testing.assert_allclose(app.session.data.x, [1.0, 5.1, 1.2, 4.9, 0.8, 5.3])
