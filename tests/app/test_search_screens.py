"""The choice of K (key k) and the local optima (key o): fits in a worker, a plot and a table, Enter opens
a fit in the main view. What the screens show is checked against independent engine runs."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest
from app_helpers import agrees_to_digits_shown, settle, status, until

from em_tui.core.config import DEFAULT_MAX_ITER, FitConfig
from em_tui.session import dialogs
from em_tui.tui import create_app
from em_tui.tui.screens.optima import OptimaScreen
from em_tui.tui.screens.selectk import RESTARTS, SelectKScreen
from em_tui.core import data
from em_tui.core.init import seeded_start
from em_tui.core.model import Mixture
from em_tui.core.optima import LL_TOL
from em_tui.core.select import aic, bic
from em_tui.core.trajectory import Trajectory
from em_tui.session.scenario import Scenario

SIZE = (120, 40)


async def finished(pilot, screen_type):
    """The search screen on top, once its worker is done and its result shown."""
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, screen_type) and not screen.running
    return screen


def table_rows(screen) -> list[list[str]]:
    table = screen.query_one("DataTable")
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def screen_status(screen) -> str:
    """The words of the screen's status line (test_the_status_line_shows_its_words checks they are shown)."""
    return screen.status_text


def best_of_kmeans(x, k: int, seed: int, cap: int = DEFAULT_MAX_ITER) -> tuple[Trajectory, bool]:
    """An independent choice of K row: the best of RESTARTS k-means starts (seeded as multi_start)
    among those where no sd fell to 1/1000 of the data's sd (the first start within rounding noise of
    the highest LL); whether all of them collapsed."""
    runs = [Trajectory(x, seeded_start(x, k, "kmeans", seed, i), FitConfig(max_iter=cap)).run() for i in range(RESTARTS)]
    sound = [r for r in runs if r.final.sds.min() > 1e-3 * np.std(x)]
    top = max(r.ll[-1] for r in sound or runs)
    return next(r for r in sound or runs if r.ll[-1] >= top - 1e-12 * (1 + abs(top))), not sound


async def test_choose_k_table_matches_engine_and_enter_opens_that_k():
    ds = data.load_dataset("galaxies")
    app = create_app(Scenario.build(dataset=ds, k=2, seed=0), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k")
        screen = await finished(pilot, SelectKScreen)
        rows = table_rows(screen)
        assert [r[0] for r in rows] == [str(k) for k in range(1, 9)]
        found = {k: best_of_kmeans(ds.values, k, 0) for k in range(1, 9)}
        refs = {k: run for k, (run, _) in found.items()}
        for r in rows:
            k = int(r[0])
            ll = float(refs[k].ll[-1])
            assert ("collapsed" in r[4]) == found[k][1]
            assert agrees_to_digits_shown(r[1].replace(",", ""), ll)
            assert agrees_to_digits_shown(r[2].replace(",", ""), bic(ll, k, ds.n))
            assert agrees_to_digits_shown(r[3].replace(",", ""), aic(ll, k))
        usable = [k for k in refs if not found[k][1]]
        best_bic = min(usable, key=lambda k: bic(refs[k].ll[-1], k, ds.n))
        best_aic = min(usable, key=lambda k: aic(refs[k].ll[-1], k))
        assert "← BIC" in rows[best_bic - 1][4] and "← AIC" in rows[best_aic - 1][4]
        assert sum("← BIC" in r[4] for r in rows) == 1 and "(now)" in rows[1][4]
        assert f"BIC picks K = {best_bic}, AIC picks K = {best_aic}" in screen_status(screen)
        # the main view's keys do nothing here
        await pilot.press("right", "e", "g")
        assert app.session.t == 0 and not app.session.half and app.screen is screen
        # Enter on K = 4
        table = screen.query_one("DataTable")
        table.move_cursor(row=3)
        chosen = next(r for r in screen.result if r.k == 4).run
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        s = app.session
        assert s.k == 4 and s.at_end
        assert s.trajectory is chosen  # the search's finished run is taken over, not computed again
        ref = refs[4]
        np.testing.assert_allclose(s.trajectory.final.means, ref.final.means, rtol=1e-9)
        assert s.trajectory.ll[-1] == pytest.approx(ref.ll[-1], abs=1e-9)
        assert "K = 4 from the choice of K" in status(app)


def held_choice_of_k(monkeypatch):
    """The app on 20,000 points, its choice of K's search held after the first fit of K = 2 until the
    test releases it: (app, the data, under way, release)."""
    under_way, release = threading.Event(), threading.Event()
    select_k = dialogs.select_k

    def held(*args, progress, **options):
        def step(done: int, total: int) -> None:
            progress(done, total)
            if done == RESTARTS + 1:
                under_way.set()
                release.wait(60)
        return select_k(*args, progress=step, **options)

    monkeypatch.setattr(dialogs, "select_k", held)
    x = data.simulate(1, 20_000)
    app = create_app(Scenario.build(dataset=data.DataSet(x, "big", {"type": "values"}), k=2), pace=0.0)
    return app, x, under_way, release


async def choosing_k(pilot, under_way: threading.Event) -> SelectKScreen:
    """k pressed, once its search is under way (K = 1 done, K = 2 started): the screen."""
    await pilot.press("k")
    assert await asyncio.to_thread(under_way.wait, 60)
    screen = pilot.app.screen
    assert isinstance(screen, SelectKScreen) and screen.running
    return screen


def search_workers(app, screen) -> list:
    return [w for w in app.workers if w.group == "search" and w.node is screen]


async def test_choose_k_can_be_stopped_and_keeps_what_it_finished(monkeypatch):
    app, x, under_way, release = held_choice_of_k(monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        before = (app.session.k, app.session.t, app.session.start)
        screen = await choosing_k(pilot, under_way)
        await until(pilot, lambda: (screen.query_one("ProgressBar").progress or 0) > RESTARTS)
        stop, close = screen.key("stop"), screen.key("close")
        assert screen_status(screen) == (f"fitting… {stop} stops (the fits finished so far are kept), "
                                         f"{close} goes back.")
        assert (stop, close) == ("s", "Esc")
        await pilot.press("s")
        assert not screen.running and all(w.is_cancelled for w in search_workers(app, screen))
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen  # stopping keeps the screen
        text = screen_status(screen)
        assert text.startswith("cancelled")
        kept = table_rows(screen)
        assert len(kept) == 1 and [r.k for r in screen.result] == [1]  # only finished K are listed
        for r in kept:
            run, _ = best_of_kmeans(x, int(r[0]), app.session.seed)
            assert agrees_to_digits_shown(r[1].replace(",", ""), run.ll[-1])
        await pilot.press("s")  # nothing to stop: the key does nothing
        await pilot.pause()
        assert screen_status(screen) == text
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert (app.session.k, app.session.t, app.session.start) == before


async def test_escape_leaves_a_search_at_once_and_cancels_it(monkeypatch):
    app, _, under_way, release = held_choice_of_k(monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        before = (app.session.k, app.session.t, app.session.start)
        screen = await choosing_k(pilot, under_way)
        workers = search_workers(app, screen)
        assert workers
        await pilot.press("escape")  # while the search is going on: one Esc goes back
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert all(w.is_cancelled for w in workers)  # the screen's search went with it
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert (app.session.k, app.session.t, app.session.start) == before


async def test_optima_lists_every_start_and_opens_a_solution():
    ds = data.load_dataset("galaxies")
    app = create_app(Scenario.build(dataset=ds, k=3), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        current = app.session.start
        await pilot.press("o")
        screen = await finished(pilot, OptimaScreen)
        # independently: EM from the current start, 10 random and 10 k-means starts
        starts = [current] + [seeded_start(ds.values, 3, m, 0, i) for m in ("random", "kmeans") for i in range(10)]
        finals = [Trajectory(ds.values, st).run() for st in starts]
        lls = np.array([f.ll[-1] for f in finals])
        rows = table_rows(screen)
        assert sum(int(r[2].split(" of ")[0]) for r in rows) == len(starts) == 21
        shown = [float(r[1].replace(",", "")) for r in rows]
        assert shown == sorted(shown, reverse=True)
        assert agrees_to_digits_shown(rows[0][1].replace(",", ""), lls.max())
        # every distinct end point (LLs further apart than the grouping's tolerance) has its own row
        distinct = []
        for v in sorted(lls, reverse=True):
            if not distinct or distinct[-1] - v > LL_TOL:
                distinct.append(v)
        assert len(rows) >= len(distinct) >= 2
        for v in distinct:
            assert any(agrees_to_digits_shown(r[1].replace(",", ""), v) for r in rows)
        assert f"{len(rows)} distinct solutions from 21 runs" in screen_status(screen)
        assert "your start reached #1 (the best)" in screen_status(screen)
        # open the worse solution
        screen.query_one("DataTable").move_cursor(row=1)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert app.session.trajectory.ll[-1] == pytest.approx(screen.solutions[1].ll, abs=1e-9)
        assert app.session.at_end and "solution #2 of the local optima" in status(app)


async def test_optima_more_starts_and_odd_keys():
    app = create_app(Scenario.build(means=(-2.0, 7.0)), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        screen = await finished(pilot, OptimaScreen)
        assert "from 21 runs" in screen_status(screen)
        await pilot.press("plus")
        screen = await finished(pilot, OptimaScreen)
        assert screen.starts == 20 and "from 41 runs" in screen_status(screen)
        assert "20 random starts" in screen.heading()
        await pilot.press("minus", "minus", "minus", "minus", "minus", "minus")
        screen = await finished(pilot, OptimaScreen)
        assert screen.starts == 1
        await pilot.press("x", "d", "i", "left", "home", "end", "tab")  # nothing here; no error
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0] and app.session.t == 0
        assert app.session.start.means.tolist() == [-2.0, 7.0]


async def test_open_fit_turns_a_fault_off_and_refuses_cleanly(monkeypatch):
    app = create_app(Scenario.build(fault="divide-by-n"), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        start = Mixture.create([0.5, 0.5], [0.0, 4.0], [1.0, 1.5])
        before = (app.session.k, app.session.start, app.session.fault)
        await pilot.press("k")
        screen = await finished(pilot, SelectKScreen)
        screen.query_one("DataTable").move_cursor(row=1)  # K = 2
        # a start with the wrong K: refused on the screen, which stays; nothing changes
        monkeypatch.setattr(SelectKScreen, "open_row", lambda self, key: (3, start, "test", None))
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and screen_status(screen).startswith("✗ ") and "3 components" in screen_status(screen)
        assert (app.session.k, app.session.start, app.session.fault) == before
        monkeypatch.setattr(SelectKScreen, "open_row", lambda self, key: (2, start, "test", None))
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert app.session.fault is None and "Fault 'divide-by-n' is off" in status(app)
        assert app.session.start == start and app.session.at_end


async def test_fits_stopped_at_the_cap_are_marked_and_r_takes_the_next_seed():
    ds = data.load_dataset("galaxies")
    app = create_app(Scenario.build(dataset=ds, k=2, max_iter=3, seed=0), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k")
        screen = await finished(pilot, SelectKScreen)
        rows = table_rows(screen)
        capped = [r for r in rows if "at the cap" in r[4]]
        assert capped and "'at the cap': stopped after 3 iterations" in screen_status(screen)
        for r in rows:  # independently: is the best sound run of that K short of converging?
            run, _ = best_of_kmeans(ds.values, int(r[0]), 0, cap=3)
            assert ("at the cap" in r[4]) == (not run.converged)
        assert "(seed 0)" in screen.heading()
        await pilot.press("r")
        screen = await finished(pilot, SelectKScreen)
        assert "(seed 1)" in screen.heading()


@pytest.mark.parametrize("key", ["k", "o", "a", "t"])
async def test_opening_a_screen_during_a_run_stops_it_visibly(key):
    app = create_app(Scenario.build(means=(-2.0, 7.0)), pace=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await until(pilot, lambda: app.session.t >= 2)
        assert app.running
        await pilot.press(key)
        await settle(pilot)
        await pilot.press("escape")  # one Esc leaves every screen, a search going on or not
        await settle(pilot)
        assert app.screen is app.screen_stack[0] and not app.running
        t = app.session.t
        assert "running" not in status(app)
        if key != "a":  # the anomaly dialog leaves its own message
            assert f"stopped at iteration {t}" in status(app)
        assert not any(w.group == "run" and w.is_running for w in app.workers)
        assert app.session.t == t  # nothing moves on behind the status


async def test_an_error_while_showing_a_result_is_said_on_screen(monkeypatch):
    def broken(self, rows, cancelled):
        raise ValueError("boom")

    monkeypatch.setattr(SelectKScreen, "show_result", broken)
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k")
        screen = await finished(pilot, SelectKScreen)
        text = screen_status(screen)
        assert "internal error (ValueError: boom)" in text and not screen.running
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]


async def test_one_component_and_few_distinct_values():
    ds = data.from_text("1, 1, 1, 2, 2, 3, 3, 3")
    app = create_app(Scenario.build(dataset=ds, k=1), pace=0.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("o")
        screen = await finished(pilot, OptimaScreen)
        assert "1 distinct solution from 21 runs" in screen_status(screen)
        assert "with K = 1 every start ends at the same fit" in screen.heading()
        await pilot.press("escape", "k")
        screen = await finished(pilot, SelectKScreen)
        rows = table_rows(screen)
        assert [r[0] for r in rows] == ["1", "2", "3"]  # three distinct values: K stops at 3
        assert "K stops at 3: the data have only 3 distinct values" in screen_status(screen)
        for r in rows[1:]:  # two or three components on three values: each collapses onto one
            assert "collapsed" in r[4]
        assert "BIC picks K = 1, AIC picks K = 1" in screen_status(screen)


async def test_collapsed_solutions_and_a_falling_ll_are_explained():
    ds = data.from_text("1, 1, 1, 1, 2, 2, 2, 3, 3, 3")
    app = create_app(Scenario.build(dataset=ds, k=3), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        screen = await finished(pilot, OptimaScreen)
        rows = table_rows(screen)
        assert rows and all("collapsed (σ ≈ 0)" in r[2] for r in rows)  # three components on three values
        assert "'collapsed'" in screen_status(screen)
    app = create_app(Scenario.build(seed=0), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k")
        screen = await finished(pilot, SelectKScreen)
        lls = [r.log_likelihood for r in screen.result]  # the rows the table shows, K = 1, 2, ...
        fell = [k for k in range(2, len(lls) + 1) if lls[k - 1] < lls[k - 2]]
        text = screen_status(screen)
        assert fell  # on the lesson's data, seed 0, K = 4 and 8 are left short by their five starts
        assert f"LL fell at K = {', '.join(map(str, fell))}" in text and "local optimum" in text


async def test_the_status_line_shows_its_words():
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        screen = await finished(pilot, OptimaScreen)
        assert screen.status_text and str(screen.query_one(".search-status").render()) == screen.status_text
        assert str(screen.query_one(".search-title").render()) == screen.heading()
