"""Session files: s saves, em-tui --session reopens on the same screen; bad files open nothing."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from em_tui.app import create_app
from em_tui.app.session import Session
from em_tui.app.sessionfile import SessionError, load, save, session_dict
from em_tui.core import data


def same_screen(a: Session, b: Session) -> None:
    assert (a.seed, a.k, a.fault, a.t, a.half, a.label) == (b.seed, b.k, b.fault, b.t, b.half, b.label)
    assert a.start == b.start
    np.testing.assert_array_equal(a.data.x, b.data.x)
    assert a.trajectory.params(a.t) == b.trajectory.params(b.t)
    assert a.frame().ll == b.frame().ll
    assert a.anomaly_quantile == b.anomaly_quantile


def test_lesson_with_a_fault_in_its_half_step(tmp_path):
    s = Session(seed=3, means=(-2.0, 7.0), fault="divide-by-n")
    s.goto(5)
    s.e_step()
    again = load(save(s, tmp_path / "a.json"))
    same_screen(s, again)
    assert again.means == (-2.0, 7.0)


def test_anomaly_marks_are_saved(tmp_path):
    s = Session(seed=2)
    s.goto(7)
    s.mark_anomalies(0.03)
    again = load(save(s, tmp_path / "m.json"))
    same_screen(s, again)
    np.testing.assert_array_equal(again.anomalies().index, s.anomalies().index)
    assert "anomalies marked ! below the 3% quantile" in again.message


@pytest.mark.parametrize("make", [
    lambda tmp: data.load_dataset("galaxies"),
    lambda tmp: data.from_text("1.0, 1.2, 0.8, 5.1, 4.9, 5.3, 9.0, 9.4"),
    lambda tmp: (tmp.joinpath("d.csv").write_text("w\n1\n2\n3\n10\n11\n12\n20\n21\n"), data.load_file(tmp / "d.csv", "w"))[1],
])
def test_your_own_data_with_three_components(tmp_path, make):
    s = Session(dataset=make(tmp_path), k=3, means=None, seed=4)
    s.goto(4)
    again = load(save(s, tmp_path / "b.json"))
    same_screen(s, again)


async def test_s_saves_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = create_app(pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "right", "s")
        path = tmp_path / "em-tui-session-simulated-seed-0-t2.json"
        assert path.exists() and "em-tui --session" in str(app.query_one("#status").content)
    same_screen(app.session, load(path))


def write(tmp_path, doc) -> str:
    path = tmp_path / "s.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return str(path)


def good() -> dict:
    return session_dict(Session())


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: "{not json", "not JSON"),
        (lambda d: {"hello": 1}, "not an em-tui session file"),
        (lambda d: {**d, "version": 99}, "version 99 is not supported"),
        (lambda d: {k: v for k, v in d.items() if k != "start"}, "'start' is missing"),
        (lambda d: {**d, "k": 9}, "'k' must be from 1 to 8"),
        (lambda d: {**d, "k": "two"}, "'k' should be int"),
        (lambda d: {**d, "start": {**d["start"], "sds": [1.5, -1.0]}}, "standard deviation of component 2 is -1"),
        (lambda d: {**d, "start": {**d["start"], "means": [1.0, "x"]}}, "list of finite numbers"),
        (lambda d: {**d, "data": {"type": "dataset", "name": "nope"}}, "unknown data set 'nope'"),
        (lambda d: {**d, "data": {"type": "tape"}}, "unknown type 'tape'"),
        (lambda d: {**d, "data": {"type": "file", "path": "gone.csv"}}, "file not found"),
        (lambda d: {**d, "data": {"type": "values", "values": [1, 2]}}, "at least 4 values"),
        (lambda d: {**d, "fault": "nope"}, "unknown fault 'nope'"),
        (lambda d: {**d, "anomaly_quantile": "1%"}, "'anomaly_quantile' should be a number or null"),
        (lambda d: {**d, "anomaly_quantile": 0.9}, "the anomaly quantile must be above 0 and at most 0.5"),
    ],
)
def test_damaged_or_foreign_files_are_refused(tmp_path, change, message):
    path = write(tmp_path, change(good()))
    with pytest.raises(SessionError, match=None) as err:
        load(path)
    assert message in str(err.value)


def test_missing_session_file():
    with pytest.raises(SessionError, match="session file not found"):
        load("nowhere.json")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--session", "nowhere.json"], "session file not found: nowhere.json"),
        (["--session", "x.json", "--k", "3"], "--session brings its own data and start; leave out --k"),
    ],
)
def test_command_line_refuses_bad_sessions(args, message):
    proc = subprocess.run([sys.executable, "-m", "em_tui", *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and message in proc.stderr and proc.stderr.count("\n") == 1
