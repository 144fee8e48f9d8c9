"""Session files: s saves, em-tui --session reopens on the same screen; bad files open nothing."""

from __future__ import annotations

import errno
import json
import os
import pickle
import subprocess
import sys

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
import pytest

from em_tui import cli
from em_tui.session import sessionfile
from em_tui.tui import create_app
from em_tui.session.session import Session
from em_tui.session.sessionfile import SessionError, load, save, session_dict
from em_tui.core import data, safewrite
from em_tui.session import words as wording
from em_tui.tui import keynames
from em_tui.tui.app import EmApp


def words(session) -> str:
    """The status words for what the session last did (the app's keys)."""
    return wording.describe(session.last, keynames.keys_of(EmApp.BINDINGS))

from app_helpers import status
from em_tui.session.scenario import Scenario


def same_screen(a: Session, b: Session) -> None:
    assert (a.seed, a.k, a.fault, a.t, a.half, a.label) == (b.seed, b.k, b.fault, b.t, b.half, b.label)
    assert a.start == b.start
    np.testing.assert_array_equal(a.data.x, b.data.x)
    assert a.trajectory.params(a.t) == b.trajectory.params(b.t)
    assert a.frame().ll == b.frame().ll
    assert a.anomaly_quantile == b.anomaly_quantile


def test_lesson_with_a_fault_in_its_half_step(tmp_path):
    s = Session(Scenario.build(seed=3, means=(-2.0, 7.0), fault="divide-by-n"))
    s.goto(5)
    s.e_step()
    again = load(save(s, tmp_path / "a.json"))
    same_screen(s, again)
    assert again.means == (-2.0, 7.0)


def test_anomaly_marks_are_saved(tmp_path):
    s = Session(Scenario.build(seed=2))
    s.goto(7)
    s.mark_anomalies(0.03)
    again = load(save(s, tmp_path / "m.json"))
    same_screen(s, again)
    np.testing.assert_array_equal(again.anomalies().index, s.anomalies().index)
    assert "anomalies marked ! below the 3% quantile" in words(again)


@pytest.mark.parametrize("make", [
    lambda tmp: data.load_dataset("galaxies"),
    lambda tmp: data.from_text("1.0, 1.2, 0.8, 5.1, 4.9, 5.3, 9.0, 9.4"),
    lambda tmp: (tmp.joinpath("d.csv").write_text("w\n1\n2\n3\n10\n11\n12\n20\n21\n"), data.load_file(tmp / "d.csv", "w"))[1],
])
def test_your_own_data_with_three_components(tmp_path, make):
    s = Session(Scenario.build(dataset=make(tmp_path), k=3, means=None, seed=4))
    s.goto(4)
    again = load(save(s, tmp_path / "b.json"))
    same_screen(s, again)


async def test_s_saves_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = create_app(Scenario.build(seed=0), pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "right", "s")
        path = tmp_path / "em-tui-session-simulated-seed-0-k2-t2.json"
        assert path.exists() and "em-tui --session em-tui-session-simulated-seed-0-k2-t2.json" in status(app)
        assert "exists" not in status(app)  # a fresh name: nothing was there to leave alone
    same_screen(app.session, load(path))


async def test_s_never_replaces_a_session_file(tmp_path, monkeypatch):
    """A second s at the same scenario writes a numbered file and says so; the first stays as it was."""
    monkeypatch.chdir(tmp_path)
    app = create_app(Scenario.build(seed=0), pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "s")
        first = (tmp_path / "em-tui-session-simulated-seed-0-k2-t1.json").read_bytes()
        await pilot.press("e", "s")  # the same iteration, in its half step
        assert "em-tui-session-simulated-seed-0-k2-t1-2.json (em-tui-session-simulated-seed-0-k2-t1.json exists " \
               "and was left as it was)" in status(app)
    assert (tmp_path / "em-tui-session-simulated-seed-0-k2-t1.json").read_bytes() == first
    assert load(tmp_path / "em-tui-session-simulated-seed-0-k2-t1-2.json").half


async def test_a_full_disk_keeps_the_saved_session(tmp_path, monkeypatch):
    """A session file was once left as 4 KB of invalid JSON: now the write is whole or not at all."""
    monkeypatch.chdir(tmp_path)
    app = create_app(Scenario.build(seed=0), pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        saved = sorted(tmp_path.iterdir())

        def full(fd):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(safewrite.os, "fsync", full)
        await pilot.press("right", "s")
        assert status(app) == (f"✗ could not write {tmp_path / 'em-tui-session-simulated-seed-0-k2-t1.json'}: "
                               "No space left on device (nothing was written)")
        assert app.session.t == 1
    assert sorted(tmp_path.iterdir()) == saved  # no temporary file, no partial file
    assert load(saved[0]).t == 0


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


# -- the data file of a session: found from the session's folder, checked ------------------------
def file_session(folder, text="w\n1\n2\n3\n10\n11\n12\n20\n21\n"):
    """A session on a CSV beside it, saved with K = 3 at iteration 4 or its end."""
    folder.mkdir(exist_ok=True)
    (folder / "d.csv").write_text(text)
    s = Session(Scenario.build(dataset=data.load_file(folder / "d.csv", "w"), k=3, means=None, seed=4))
    s.goto(4)
    return s, save(s, folder / "lesson.json")


def test_a_data_file_is_found_from_the_session_folder(tmp_path, monkeypatch):
    """Reopened from another folder, the session reads its own d.csv, not the d.csv there."""
    s, path = file_session(tmp_path / "lesson")
    assert json.loads(path.read_text())["data"]["path"] == "d.csv"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "d.csv").write_text("w\n" + "\n".join(str(v) for v in range(100, 109)) + "\n")
    monkeypatch.chdir(elsewhere)
    again = load(tmp_path / "lesson" / "lesson.json")
    same_screen(s, again)
    assert words(again) == f"opened the session lesson.json at iteration {s.t}"


def test_a_session_and_its_data_move_together(tmp_path):
    s, path = file_session(tmp_path / "a")
    (tmp_path / "a").rename(tmp_path / "b")
    same_screen(s, load(tmp_path / "b" / "lesson.json"))


def test_a_data_file_in_another_folder_is_written_relative_to_the_session(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s, _ = file_session(tmp_path / "data")
    (tmp_path / "sessions").mkdir()
    path = save(s, "sessions/x.json")
    assert json.loads(path.read_text())["data"]["path"] == os.path.join("..", "data", "d.csv")
    monkeypatch.chdir(tmp_path / "data")
    same_screen(s, load(tmp_path / "sessions" / "x.json"))


@pytest.mark.parametrize("change, message", [
    ("w\n1\n2\n3\n10\n11\n12\n20\n21\n22\n", "has changed since the session was saved: it has 9 values, the session had 8"),
    ("w\n1\n2\n3\n10\n11\n12\n20\n22\n", "has changed since the session was saved: the same number of values (8), "
                                          "but not the same values (their checksum differs)"),
    (None, "data file not found: "),
], ids=["longer", "other-values", "missing"])
def test_a_changed_or_missing_data_file_is_refused(tmp_path, change, message):
    _, path = file_session(tmp_path)
    if change is None:
        (tmp_path / "d.csv").unlink()
    else:
        (tmp_path / "d.csv").write_text(change)
    with pytest.raises(SessionError) as err:
        load(path)
    assert message in str(err.value) and str(tmp_path / "d.csv") in str(err.value)


def test_a_data_file_that_became_a_fifo_is_refused(tmp_path):
    _, path = file_session(tmp_path)
    (tmp_path / "d.csv").unlink()
    os.mkfifo(tmp_path / "d.csv")  # reading it would wait for a writer forever
    with pytest.raises(SessionError, match="data file .*d.csv is not a regular file"):
        load(path)


def test_a_data_file_with_the_same_values_opens_with_a_note(tmp_path):
    s, path = file_session(tmp_path)
    (tmp_path / "d.csv").write_text("# measured on Monday\nw\n1\n2\n3\n10\n11\n12\n20\n21\n")
    again = load(path)
    same_screen(s, again)
    assert words(again).endswith("; the data file's bytes have changed since it was saved, but not its values")


def test_a_changed_data_set_is_refused(tmp_path):
    s = Session(Scenario.build(dataset=data.load_dataset("galaxies"), k=3, means=None, seed=1))
    doc = session_dict(s)
    assert doc["data"]["n"] == 82
    doc["data"]["values_sha256"] = "0" * 64
    with pytest.raises(SessionError, match="the data set galaxies has changed since the session was saved: the same"):
        load(write(tmp_path, doc))


def test_a_version_1_session_opens_with_a_note(tmp_path):
    """Version 1 (no checksums): the data file is read from the session's folder, and the message says
    it was not checked. (Refusing them would lose every session saved so far.)"""
    s, path = file_session(tmp_path)
    doc = json.loads(path.read_text())
    doc["version"] = 1
    for key in ("n", "sha256", "values_sha256"):
        del doc["data"][key]
    path.write_text(json.dumps(doc))
    again = load(path)
    same_screen(s, again)
    assert words(again).endswith("; saved by an older em-tui without checksums, so the data file was not checked")


def test_saving_after_the_data_file_went_away_is_refused(tmp_path):
    s, _ = file_session(tmp_path)
    (tmp_path / "d.csv").unlink()
    with pytest.raises(SessionError, match="data file not found"):
        save(s, tmp_path / "again.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lesson.json"]


# -- hostile session files: one line, nothing opened ---------------------------------------------
def data_n(value):
    return lambda d: {**d, "data": {**d["data"], "n": value}}


@pytest.mark.parametrize("text, message", [
    ("[" * 100_000 + "]" * 100_000, "not a session file (nested too deeply)"),
    ('{"format": "em-tui session", "version": 2, "tol": 1e400}', "the number 1e400 is too large for a float"),
    ('{"format": "em-tui session", "version": 2, "t": ' + "9" * 10_000 + "}",
     "the whole number 99999999999999999999… (10000 characters) is too large"),
    ('{"format": "em-tui session", "version": 2, "tol": NaN}', "NaN is not allowed"),
    ('{"format": "em-tui session", "version": 2, "tol": -Infinity}', "-Infinity is not allowed"),
    ('{"format": "em-tui session", "version": true}', "session version true is not supported"),
    ("\udcff".encode("utf-8", "surrogatepass").decode("latin-1"), "not JSON"),
], ids=["deep", "1e400", "10000-digits", "nan", "infinity", "version-true", "mojibake"])
def test_hostile_text_is_refused_in_one_line(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(SessionError) as err:
        load(path)
    assert message in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("change, message", [
    (data_n("200"), "data: 'n' should be int, got str"),
    (data_n(True), "data: 'n' should be int, got bool"),
    (data_n(200.0), "data: 'n' should be int, got float"),
    (data_n(-5), "data: 'n' must be from 4 to 100,000,000, got -5"),
    (data_n(10**12), "data: 'n' must be from 4 to 100,000,000, got 1,000,000,000,000"),
    (lambda d: {**d, "half": "no"}, "'half' should be true or false, got str"),
    (lambda d: {**d, "seed": 2**40}, "the seed must be a whole number from 0 to 4294967295"),
    (lambda d: {**d, "t": -1}, "the iteration must be a whole number from 0 to 1000, got -1"),
    (lambda d: {**d, "max_iterations": 10**12}, "'max_iterations' must be from 0 to 1,000,000"),
    (lambda d: {**d, "tol": -1.0}, "the tolerance must be a number >= 0"),
    (lambda d: {**d, "tol": "small"}, "'tol' should be float, got str"),
    (lambda d: {**d, "data": []}, "'data' should be dict, got list"),
    (lambda d: {**d, "data": {"type": 3}}, "data: 'type' should be str, got int"),
    (lambda d: {**d, "data": {"type": "file", "path": ["a"]}}, "data: 'path' should be str, got list"),
    (lambda d: {**d, "data": {"type": "file", "path": "a\x00b"}}, "data: 'path' should be a file's path"),
    (lambda d: {**d, "data": {"type": "file", "path": "d.csv", "column": [0]}},
     "data: 'column' should be a column's name or number, got list"),
    (lambda d: {**d, "data": {"type": "values", "name": 5, "values": [1, 2, 3, 4]}},
     "data: 'name' should be a name, got int"),
    (lambda d: {**d, "data": {"type": "dataset", "name": "galaxies"}}, "data: 'n' is missing"),
    (lambda d: {**d, "start": {**d["start"], "weights": [1.0] * 5}}, "K is 2 but 5 weights were given"),
    (lambda d: {**d, "anomaly_quantile": True}, "'anomaly_quantile' should be a number or null, got bool"),
])
def test_wrong_types_anywhere_are_refused(tmp_path, change, message):
    path = write(tmp_path, change(good()))
    with pytest.raises(SessionError) as err:
        load(path)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_session_file_above_the_size_limit_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr(sessionfile, "MAX_BYTES", 1000)
    path = write(tmp_path, "{" + " " * 1500 + "}")
    with pytest.raises(SessionError, match="is 1,502 bytes; a session file is at most 1,000 bytes"):
        load(path)


def test_a_session_too_large_to_reopen_is_not_saved(tmp_path, monkeypatch):
    monkeypatch.setattr(sessionfile, "MAX_BYTES", 1000)
    s = Session(Scenario.build(dataset=data.from_text(" ".join(str(v) for v in range(100))), k=2, means=None))
    with pytest.raises(SessionError, match=r"the session would be [0-9,]+ bytes, more than a session file may be "
                                           r"\(1,000 bytes\); save the values as a CSV file"):
        save(s, tmp_path / "big.json")
    assert list(tmp_path.iterdir()) == []


async def test_s_and_x_in_a_removed_folder_say_so(tmp_path, monkeypatch):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    app = create_app(Scenario.build(seed=0), pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        assert status(app) == ("✗ could not write em-tui-session-simulated-seed-0-k2-t0.json: "
                               "No such file or directory (nothing was written)")
        await pilot.press("right", "x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert status(app) == ("✗ could not write em-tui-simulated-seed-0-k2-t1.csv: "
                               "No such file or directory (nothing was written)")
        assert app.session.t == 1


@pytest.mark.parametrize("make, message", [
    (lambda p: os.mkfifo(p), "is not a regular file"),  # reading it would wait for a writer forever
    (lambda p: p.mkdir(), "is a folder"),
    (lambda p: p.write_bytes(pickle.dumps({"format": "em-tui session"})), "not a session file"),
])
def test_what_is_not_a_session_file_is_refused(tmp_path, make, message):
    path = tmp_path / "s.json"
    make(path)
    with pytest.raises(SessionError, match=message):
        load(path)


@pytest.mark.parametrize("text", ["[" * 100_000, '{"format": "em-tui session", "version": 2, "k": 1e400}',
                                  json.dumps({**good(), "data": {"type": "simulated", "n": "many"}})],
                         ids=["deep", "1e400", "n-string"])
def test_the_command_line_says_what_is_wrong_with_a_session(tmp_path, capsys, text):
    path = write(tmp_path, text)
    assert cli.main(["--session", path]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}") and err.count("\n") == 1 and "internal error" not in err


HOSTILE = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10**4), st.integers(2**62, 2**70), st.integers(-(2**70), -(2**62)), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12), st.just("[/]"), st.just([]), st.just({}), st.lists(st.integers(-3, 3), max_size=9),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def _paths(doc, prefix=()):
    """Every place in a session document (keys of dicts, indices of lists)."""
    yield prefix
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for key, value in items:
        yield from _paths(value, prefix + (key,))


@given(st.data())
def test_any_change_to_a_session_file_opens_it_or_says_why(tmp_path_factory, data_):
    """Whatever one or two values of a good session file are replaced by, load gives a session or a
    one-line SessionError, never another exception."""
    doc = json.loads(json.dumps(good()))
    for _ in range(data_.draw(st.integers(1, 2))):
        where = data_.draw(st.sampled_from([p for p in _paths(doc) if p]))
        target = doc
        for key in where[:-1]:
            target = target[key]
        target[where[-1]] = data_.draw(HOSTILE)
    path = tmp_path_factory.mktemp("fuzz") / "s.json"
    path.write_text(json.dumps(doc))
    try:
        session = load(path)
    except SessionError as exc:
        assert "\n" not in str(exc)
    else:
        assert session.frame().ll  # it opened and can be drawn


@pytest.mark.parametrize("n, t", [(10_000_000, 1_000_000), (200, 3_000_000)])
def test_a_session_that_would_take_hours_to_reopen_is_refused_at_once(tmp_path, n, t):
    """Each count under its cap, but their product was days of EM before the first frame."""
    doc = good()
    doc.update(t=t, max_iterations=1_000_000, tol=0.0, data={"type": "simulated", "seed": 0, "n": n})
    path = write(tmp_path, doc)
    with pytest.raises(SessionError) as err:
        load(path)
    assert "more work than opening a session may take" in str(err.value)
    if t <= 1_000_000:
        assert f"with {n:,} points a session may be at iteration" in str(err.value)


def test_a_long_session_on_the_lesson_still_opens(tmp_path):
    doc = good()
    doc.update(t=400, max_iterations=1000, tol=0.0)
    session = load(write(tmp_path, doc))
    assert session.t == 400


# -- the run's settings: one key per field of FitConfig -------------------------------------------
def test_every_setting_of_the_run_is_saved_and_reopened(tmp_path):
    from dataclasses import fields

    from em_tui.core.config import FitConfig

    s = Session(Scenario.build(seed=5, max_iter=300, tol=1e-4, fault="divide-by-n"))
    s.set_start(3, "random", restarts=4)
    doc = session_dict(s)
    config = s.scenario.config
    assert config != FitConfig() and (config.init, config.restarts, config.k) == ("random", 4, 3)
    for f in fields(FitConfig):  # each under its own name, the cap as the file has always called it
        assert doc["max_iterations" if f.name == "max_iter" else f.name] == getattr(config, f.name)
    again = load(save(s, tmp_path / "c.json"))
    assert again.scenario.config == config
    same_screen(s, again)


def test_a_file_from_before_the_start_method_and_variance_opens_with_their_defaults(tmp_path):
    from em_tui.core.config import FitConfig

    doc = good()
    for key in ("init", "restarts", "variance"):
        del doc[key]
    config = load(write(tmp_path, doc)).scenario.config
    assert (config.init, config.restarts, config.variance) == (FitConfig.init, FitConfig.restarts, FitConfig.variance)
    doc.update(init=None, restarts=None)  # written out as null: the defaults too
    assert load(write(tmp_path, doc)).scenario.config == config


@pytest.mark.parametrize("change, message", [
    (lambda d: {k: v for k, v in d.items() if k != "seed"}, "'seed' is missing"),
    (lambda d: {k: v for k, v in d.items() if k != "max_iterations"}, "'max_iterations' is missing"),
    (lambda d: {**d, "restarts": "3"}, "'restarts' should be int, got str"),
    (lambda d: {**d, "restarts": 0}, "restarts must be"),
    (lambda d: {**d, "init": "best"}, "start method"),
    (lambda d: {**d, "variance": 1}, "'variance' should be str, got int"),
    (lambda d: {**d, "variance": "tied"}, "variance model"),
    (lambda d: {**d, "fault": 3}, "'fault' should be str or null, got int"),
])
def test_a_setting_of_the_wrong_kind_is_refused(tmp_path, change, message):
    with pytest.raises(SessionError) as err:
        load(write(tmp_path, change(good())))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_new_setting_is_written_and_read_with_no_change_to_the_file_code(monkeypatch):
    from dataclasses import dataclass

    from em_tui.core.config import FitConfig

    @dataclass(frozen=True)
    class Wider(FitConfig):
        lesson: str = "mixtures"
        shrink: float | None = None

    monkeypatch.setattr(sessionfile, "FitConfig", Wider)
    config = Wider(k=3, seed=2, lesson="bounds", shrink=0.5)
    doc = sessionfile.config_dict(config)
    assert (doc["lesson"], doc["shrink"], doc["k"], doc["max_iterations"]) == ("bounds", 0.5, 3, config.max_iter)
    assert sessionfile.read_config(doc) == config
    older = {k: v for k, v in doc.items() if k not in ("lesson", "shrink")}
    assert sessionfile.read_config(older) == Wider(k=3, seed=2)  # a file without them: their defaults
    with pytest.raises(SessionError, match="'shrink' should be float or null, got str"):
        sessionfile.read_config({**doc, "shrink": "half"})
