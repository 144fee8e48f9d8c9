"""Key x: the parameters shown and every point's responsibilities as a new CSV, written whole."""

from __future__ import annotations

import asyncio
import errno
import os
import threading

import numpy as np

from em_tui.tui import create_app
from em_tui.core import export as export_mod
from em_tui.core import data, em
from em_tui.core.faults import FAULTS

from app_helpers import engine_run, status
from em_tui.session.scenario import Scenario


def read_export(path):
    """(comment lines, the table of x, gamma_1..gamma_K, component) of an export."""
    lines = path.read_text().splitlines()
    comments = [ln for ln in lines if ln.startswith("#")]
    return comments, np.loadtxt(path, delimiter=",", comments="#", skiprows=len(comments) + 1, ndmin=2)


async def test_export_writes_parameters_and_responsibilities(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ds = data.load_dataset("old-faithful-waiting")
    app = create_app(Scenario.build(dataset=ds), pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "right", "x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        path = tmp_path / "em-tui-old-faithful-waiting-k2-t2.csv"
        assert path.exists() and str(path) in status(app)
        params = app.session.trajectory.params(2)
    comments, table = read_export(path)
    assert "iteration 2" in comments[0] and "N = 272" in comments[0]
    comps = [ln[2:].split(",") for ln in comments[2:]]
    order = np.argsort(params.means)
    for (num, pi, mu, sd), j in zip(comps, order):
        assert float(pi) == params.weights[j] and float(mu) == params.means[j] and float(sd) == params.sds[j]
    assert table.shape == (272, 5)  # point, x, gamma_1, gamma_2, component
    assert path.read_text().splitlines()[len(comments)] == "point,x,gamma_1,gamma_2,component"
    np.testing.assert_array_equal(table[:, 0], np.arange(1, 273))  # 1 = the first value, as the app counts
    np.testing.assert_array_equal(table[:, 1], ds.values)
    gamma = em.responsibilities(ds.values, params)[order]
    np.testing.assert_allclose(table[:, 2:4], gamma.T, rtol=1e-12)
    np.testing.assert_array_equal(table[:, 4], gamma.argmax(axis=0) + 1)


class Gate:
    """Holds the export's writer thread before chunk ``at`` until released (or makes it fail there)."""

    def __init__(self, monkeypatch, at: int, fail: OSError | None = None) -> None:
        self.reached, self.release, self.at, self.fail, self.calls = threading.Event(), threading.Event(), at, fail, 0
        real = export_mod.export_rows

        def rows(*args):
            self.calls += 1
            if self.calls == self.at:
                if self.fail is not None:
                    raise self.fail
                self.reached.set()
                self.release.wait(30)  # a bound so that a failing test cannot hang the suite
            return real(*args)

        monkeypatch.setattr(export_mod, "export_rows", rows)
        monkeypatch.setattr(export_mod, "chunks", lambda n, k: (slice(lo, min(lo + 50, n)) for lo in range(0, n, 50)))  # 200 points: four chunks

    async def wait(self) -> None:
        assert await asyncio.to_thread(self.reached.wait, 30)


async def test_keys_pressed_while_an_export_is_written_do_not_reach_it(tmp_path, monkeypatch):
    """The issue's race: r (new data) while the file is half written gave seed 0's header over seed 1's rows."""
    monkeypatch.chdir(tmp_path)
    gate = Gate(monkeypatch, at=2)
    app = create_app(Scenario.build(seed=0), pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "right", "right", "x")
        await gate.wait()  # the first 50 rows are written, the rest are not
        await pilot.press("r", "right")  # new data (seed 1), another iteration
        assert app.session.seed == 1 and app.session.t == 1
        await pilot.press("x")
        assert "still writing em-tui-simulated-seed-0-k2-t3.csv" in status(app)
        gate.release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "iteration 3" in status(app) and "200 points" in status(app)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["em-tui-simulated-seed-0-k2-t3.csv"]
    comments, table = read_export(tmp_path / "em-tui-simulated-seed-0-k2-t3.csv")
    assert "data simulated (seed 0), N = 200, iteration 3" in comments[0]
    params = engine_run(0, (1.0, 3.0), None, 3).params(3)
    order = np.argsort(params.means)
    np.testing.assert_array_equal(table[:, 1], data.simulate(0))  # every row is seed 0's
    np.testing.assert_allclose(table[:, 2:4], em.responsibilities(data.simulate(0), params)[order].T, rtol=1e-12)


async def test_a_full_disk_leaves_nothing_behind_and_the_old_file_as_it_was(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    old = tmp_path / "em-tui-simulated-seed-0-k2-t0.csv"
    old.write_text("an earlier export\n")
    Gate(monkeypatch, at=3, fail=OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    app = create_app(pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert status(app).startswith("✗ could not write")
        assert "No space left on device (nothing was written)" in status(app)
        assert app.session.t == 0
    assert [p.name for p in tmp_path.iterdir()] == [old.name]  # no partial file, no temporary file
    assert old.read_text() == "an earlier export\n"


async def export_once() -> str:
    """Press x once in a new app (in the current folder) and return the status line it ends with."""
    app = create_app(Scenario.build(seed=0), pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        return status(app)


async def test_an_existing_file_or_a_planted_symlink_is_never_written_through(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "em-tui-simulated-seed-0-k2-t0.csv").write_text("an earlier export\n")
    victim = tmp_path / "victim"
    os.symlink(victim, tmp_path / "em-tui-simulated-seed-0-k2-t0-2.csv")  # someone's trap
    (tmp_path / "em-tui-simulated-seed-0-k2-t0-3.csv").mkdir()
    text = await export_once()
    written = tmp_path / "em-tui-simulated-seed-0-k2-t0-4.csv"
    assert str(written) in text and "(em-tui-simulated-seed-0-k2-t0.csv exists and was left as it was)" in text
    assert not victim.exists() and (tmp_path / "em-tui-simulated-seed-0-k2-t0-2.csv").is_symlink()
    assert (tmp_path / "em-tui-simulated-seed-0-k2-t0.csv").read_text() == "an earlier export\n"
    np.testing.assert_array_equal(read_export(written)[1][:, 1], data.simulate(0))


async def test_exports_of_other_scenarios_get_other_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = create_app(Scenario.build(seed=0), pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        for keys in (("x",), ("r", "x"), ("right", "x")):
            await pilot.press(*keys)
            await app.workers.wait_for_complete()
            await pilot.pause()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "em-tui-simulated-seed-0-k2-t0.csv", "em-tui-simulated-seed-1-k2-t0.csv", "em-tui-simulated-seed-1-k2-t1.csv"]


async def test_an_export_under_a_fresh_name_says_nothing_of_an_existing_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = await export_once()
    assert str(tmp_path / "em-tui-simulated-seed-0-k2-t0.csv") in text and "exists" not in text


async def test_a_failed_export_is_worded_by_the_one_worker_failure_handler(tmp_path, monkeypatch):
    """The export's worker raises; the app's on_worker_state_changed words it with failure_message, as
    every failed worker, and the reason the file could not be written comes through as it is."""
    import em_tui.tui.app as app_mod
    from em_tui.errors import Refused, failure_message

    monkeypatch.chdir(tmp_path)
    worded: list[BaseException] = []

    def recording(exc):
        worded.append(exc)
        return failure_message(exc)

    monkeypatch.setattr(app_mod, "failure_message", recording)
    Gate(monkeypatch, at=2, fail=OSError(errno.EACCES, os.strerror(errno.EACCES)))
    said = await export_once()
    assert len(worded) == 1 and isinstance(worded[0], Refused)
    assert said == f"✗ {worded[0]}" and "Permission denied (nothing was written)" in said
    assert list(tmp_path.iterdir()) == []


def sections(comments: list[str], name: str) -> list[list[str]]:
    """The comment lines of one section of an export ("start", "ll"), split at the commas."""
    return [ln[2:].split(",")[1:] for ln in comments if ln.startswith(f"# {name},")]


async def test_the_export_has_the_start_and_the_ll_path_up_to_the_iteration_shown(tmp_path, monkeypatch, make_app):
    monkeypatch.chdir(tmp_path)
    app = make_app(seed=3)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*["right"] * 5, "x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        start = app.session.start
    run = engine_run(3, start.means, None, 5, start=start, x=data.simulate(3))
    comments, _ = read_export(tmp_path / "em-tui-simulated-seed-3-k2-t5.csv")
    order = np.argsort(start.means)
    assert [[float(v) for v in row] for row in sections(comments, "start")] == [
        [i + 1, start.weights[j], start.means[j], start.sds[j]] for i, j in enumerate(order)]
    path = sections(comments, "ll")
    assert [int(t) for t, *_ in path] == list(range(6))
    np.testing.assert_array_equal([float(ll) for _, ll, _, _ in path], run.ll[:6])
    assert path[0][2] == "" and all(float(d) == run.ll[t] - run.ll[t - 1] for t, (_, _, d, _) in enumerate(path) if t)
    assert {fell for *_, fell in path} == {"0"}  # a correct EM: LL never fell
    assert "# point: its place in the data (1 = the first value)" in comments


async def test_the_ll_path_of_the_export_marks_where_a_fault_made_ll_fall(tmp_path, monkeypatch, make_app):
    from em_tui.core.trajectory import find_decrease

    monkeypatch.chdir(tmp_path)
    fault = next(iter(FAULTS))
    app = make_app(seed=3, fault=fault)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*["right"] * 12, "x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        start, t = app.session.start, app.session.t
    run = engine_run(3, start.means, fault, t, start=start, x=data.simulate(3))
    fell = [int(f) for *_, f in sections(read_export(next(tmp_path.iterdir()))[0], "ll")]
    want = [0] + [int(find_decrease(run.ll[s - 1:s + 1]) is not None) for s in range(1, t + 1)]
    assert fell == want and 1 in fell
