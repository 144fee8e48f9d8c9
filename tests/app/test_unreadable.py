"""Paths that cannot even be looked at (a name too long, a folder without permission): the app says so
and keeps what it had, in the data screen and when a session is opened."""

from __future__ import annotations

import errno
import os

import pytest
from textual.widgets import Input

from em_tui import cli
from em_tui.tui import create_app
from em_tui.tui.app import open_session
from em_tui.tui.screens.data import DataScreen
from em_tui.session.session import Session
from em_tui.session.sessionfile import SessionError, save
from em_tui.core import data
from em_tui.session.scenario import Scenario

SIZE = (120, 40)


def refuse_to_read(monkeypatch) -> None:
    """Reading any data file fails as in a folder without search permission (tests may run as root)."""

    def denied(path, column=None):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(data, "load_file", denied)


async def try_path(pilot, path: str) -> str:
    """Type a path into the data screen, press Enter, and return the message shown."""
    await pilot.press("d")
    await pilot.pause()
    screen = pilot.app.screen
    inp = screen.query_one("#data-path", Input)
    inp.value = path
    inp.focus()
    await pilot.press("enter")
    await screen.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(pilot.app.screen, DataScreen)
    return str(screen.query_one("#data-error").content)


@pytest.mark.parametrize("case", ["long name", "no permission"])
async def test_the_data_screen_says_why_and_keeps_the_data(tmp_path, monkeypatch, case):
    if case == "long name":
        path, said = str(tmp_path / ("a" * 300 + ".csv")), "too long"
    else:
        refuse_to_read(monkeypatch)
        path, said = str(tmp_path / "locked" / "x.csv"), "permission denied"
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right")
        before = (app.session.data, app.session.trajectory, app.session.t)
        message = await try_path(pilot, path)
        assert message.startswith("✗ ") and said in message.lower()
        await pilot.press("escape")
        await pilot.pause()
        assert (app.session.data, app.session.trajectory, app.session.t) == before
        await pilot.press("right")
        assert app.session.t == 3


def test_a_session_whose_data_cannot_be_read_opens_nothing(tmp_path, monkeypatch, capsys):
    csv = tmp_path / "d.csv"
    csv.write_text("1\n2\n3\n10\n11\n12\n20\n21\n")
    path = save(Session(Scenario.build(dataset=data.load_file(csv), means=None)), tmp_path / "s.json")
    refuse_to_read(monkeypatch)
    with pytest.raises(SessionError, match="(?i)permission denied"):
        open_session(path)
    assert cli.main(["--session", str(path)]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "permission denied" in err[0].lower()
