"""The k-means vs EM screen (key c): what it shows, against the core, as a shared σ shrinks."""

from __future__ import annotations

import re
import threading

import numpy as np
import pytest
from app_helpers import settle as settle_workers, until
from textual.widgets import Static

from em_tui.tui.screens.compare import CompareScreen, SoftPlot
from em_tui.core import hardsoft
from em_tui.core.data import DataSet, load_dataset, simulate
from em_tui.session.scenario import Scenario

SIZE = (120, 40)


def shown(app, selector: str) -> str:
    """The text a Static of the screen on top shows."""
    return str(app.screen.query_one(selector, Static).content)


def sigma_shown(app) -> tuple[float, str]:
    line = shown(app, "#cmp-sigma")
    sigma = float(re.search(r"σ = ([-0-9.e+]+)", line).group(1))
    ratio = re.search(r"σ ?/ ?sd = ([0-9./e+-]+[0-9])", line).group(1)
    return sigma, ratio


def disagreement_shown(app) -> tuple[int, int, float]:
    line = shown(app, "#cmp-agree")
    m = re.search(r"points assigned differently: ([0-9,]+) of ([0-9,]+)", line)
    tv = re.search(r"\|: (\S+)$", line).group(1)
    return int(m.group(1).replace(",", "")), int(m.group(2).replace(",", "")), float(tv)


def table_shown(app) -> list[list[str]]:
    """The rows under the heading: [#, k-means centre, points, │, EM mean, weight, soft count]."""
    return [line.split() for line in shown(app, "#cmp-table").splitlines()[1:]]


def reference(x, k: int, seed: int, rung: int) -> hardsoft.Comparison:
    sd = hardsoft.sd_ladder(hardsoft.prepare(x).spread)[rung]
    return hardsoft.compare(x, k, seed, sd)


async def settle(app, pilot) -> None:
    await settle_workers(pilot)


async def open_compare(app, pilot) -> CompareScreen:
    await pilot.press("c")
    await settle(app, pilot)
    assert isinstance(app.screen, CompareScreen)
    return app.screen


async def test_c_opens_the_screen_with_the_same_seeds_as_the_core(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_compare(app, pilot)
        x, s = app.session.data.x, app.session
        assert "K = 2 · N = 200" in shown(app, "#cmp-title")
        ref = reference(x, s.k, s.seed, 0)
        sd = hardsoft.prepare(x).spread
        sigma, ratio = sigma_shown(app)
        assert sigma == float(f"{1.5 * sd:.4g}") and ratio == "1.5"
        rows = table_shown(app)
        assert [r[0] for r in rows] == ["1", "2"]
        assert [float(r[1]) for r in rows] == [float(f"{c:.3f}") for c in ref.kmeans.centres]
        assert [int(r[2]) for r in rows] == ref.kmeans.sizes.tolist()
        assert [float(r[4]) for r in rows] == [float(f"{m:.3f}") for m in ref.em.means]
        assert [float(r[5]) for r in rows] == [float(f"{w:.3f}") for w in ref.em.weights]
        m, n, tv = disagreement_shown(app)
        assert (m, n) == (ref.agreement.different, 200) and m > 0
        assert tv == pytest.approx(ref.agreement.mean_tv, abs=5e-5)
        # the right panel's title names the same σ
        soft = app.screen.query_one(SoftPlot)
        assert f"σ = {1.5 * sd:.4g}" in soft.render_line(0).text


@pytest.mark.parametrize("dataset, k", [(None, None), ("galaxies", 3)])
async def test_shrinking_sigma_turns_em_into_kmeans_on_screen(make_app, dataset, k):
    app = make_app() if dataset is None else make_app(dataset=load_dataset(dataset), k=k)
    async with app.run_test(size=SIZE) as pilot:
        await open_compare(app, pilot)
        x, s = app.session.data.x, app.session
        sd = hardsoft.prepare(x).spread
        seen = [sigma_shown(app)]
        disagree = [disagreement_shown(app)]
        for key in ["down", "minus", "down", "down", "minus", "down", "down", "down", "down", "down", "down", "end"]:
            await pilot.press(key)
            await settle(app, pilot)
            seen.append(sigma_shown(app))
            disagree.append(disagreement_shown(app))
        # σ halves at each step from 1.5 sd, and σ / sd is shown beside it; End goes to the smallest
        rungs = list(range(12)) + [hardsoft.LADDER_STEPS - 1]
        assert [r for _, r in seen] == [f"{1.5 / 2 ** j:.3g}" for j in rungs]
        for rung, (sigma, _) in zip(rungs, seen):
            assert sigma == float(f"{1.5 * sd / 2 ** rung:.4g}")
        # the points assigned differently: some at first, none at the end; the distance falls to 0
        assert disagree[0][0] > 0 and [d[0] for d in disagree[-4:]] == [0, 0, 0, 0]
        assert disagree[0][2] > 0.1 and disagree[-1][2] == 0.0
        # EM's means shown are the k-means centres shown, and its soft counts the cluster sizes
        for row in table_shown(app):
            assert row[4] == row[1]
            assert float(row[6]) == float(row[2])
        # and every figure agrees with the core at the smallest σ
        ref = reference(x, s.k, s.seed, hardsoft.LADDER_STEPS - 1)
        assert disagree[-1][0] == ref.agreement.different == 0


async def test_grow_reset_and_the_ends_of_the_ladder(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_compare(app, pilot)
        sd = app.session.data.spread

        async def press(*keys):
            for key in keys:
                await pilot.press(key)
            await settle(app, pilot)
            return sigma_shown(app)[1]

        smallest = f"{1.5 / 2 ** (hardsoft.LADDER_STEPS - 1):.3g}"
        assert await press("up", "plus") == "1.5"  # already the largest: nothing changes
        assert await press("end") == smallest
        assert await press("down", "minus") == smallest  # already the smallest
        assert await press("up") == f"{1.5 / 2 ** (hardsoft.LADDER_STEPS - 2):.3g}"
        assert await press("plus", "equals_sign") == f"{1.5 / 2 ** (hardsoft.LADDER_STEPS - 4):.3g}"
        assert await press("0") == "1.5"
        assert await press("down", "down") == "0.375"
        assert await press("home") == "1.5"
        assert sigma_shown(app)[0] == float(f"{1.5 * sd:.4g}")
        # going back to a σ seen before shows the same figures
        first = disagreement_shown(app)
        await press("end")
        await press("home")
        assert disagreement_shown(app) == first


async def test_escape_and_q_return_to_the_simulator_unchanged(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", "right")
        main = app.screen
        s = app.session
        before = (s.t, s.half, s.seed, s.k, s.trajectory.params(s.t), s.data.x.copy())
        status = app.frame.status
        for close in ("escape", "q"):
            await open_compare(app, pilot)
            await pilot.press("down", "down", "end", "up")
            await settle(app, pilot)
            await pilot.press(close)
            await pilot.pause()
            assert app.screen is main and app.is_running
            assert (s.t, s.half, s.seed, s.k) == before[:4]
            assert s.trajectory.params(s.t) == before[4]
            np.testing.assert_array_equal(s.data.x, before[5])
            assert app.frame.status == status
        await pilot.press("right")  # the simulator goes on from where it was
        assert s.t == 4


async def test_opening_the_screen_stops_a_run(make_app):
    app = make_app(pace=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await until(pilot, lambda: app.session.t >= 2)  # the run is going on
        assert app.running
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, CompareScreen) and not app.running
        t = app.session.t
        await pilot.pause()
        assert app.session.t == t  # and it stays stopped


async def test_other_keys_do_nothing_harmful(make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an export or a save would write here
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_compare(app, pilot)
        s = app.session
        before = (s.t, s.seed, s.k, s.fault)
        screen = app.screen
        await pilot.press("down", "down")
        await settle(app, pilot)
        shown_before = (shown(app, "#cmp-sigma"), shown(app, "#cmp-table"), shown(app, "#cmp-agree"))
        for key in ["g", "r", "d", "t", "c", "x", "s", "i", "k", "o", "a", "e", "m", "f", "p", "n", "b",
                    "right", "left", "space", "enter", "tab", "pageup", "pagedown", "question_mark", "f1",
                    "z", "1", "9", "ctrl+s", "delete", "backspace", "shift+tab"]:
            await pilot.press(key)
        await settle(app, pilot)
        assert app.screen is screen and app.is_running
        assert (s.t, s.seed, s.k, s.fault) == before
        assert (shown(app, "#cmp-sigma"), shown(app, "#cmp-table"), shown(app, "#cmp-agree")) == shown_before
        assert list(tmp_path.iterdir()) == []


async def test_one_component_owns_every_point(make_app):
    app = make_app(dataset=load_dataset("galaxies"), k=1)
    async with app.run_test(size=SIZE) as pilot:
        await open_compare(app, pilot)
        for key in ["down"] * 3 + ["end", "home"]:
            rows = table_shown(app)
            assert len(rows) == 1 and rows[0][2] == "82" and float(rows[0][5]) == 1.0
            assert rows[0][1] == rows[0][4] == f"{app.session.data.x.mean():,.0f}"
            assert disagreement_shown(app) == (0, 82, 0.0)
            await pilot.press(key)
            await settle(app, pilot)


async def test_at_80x24_everything_is_on_screen(make_app):
    app = make_app(dataset=load_dataset("galaxies"), k=3)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compare(app, pilot)
        await pilot.press("down", "down")
        await settle(app, pilot)
        for widget in screen.query("Static"):
            if widget.display:
                region = widget.region
                assert region.height >= 1 and region.bottom <= 24 and region.right <= 80
        assert len(table_shown(app)) == 3
        assert screen.query_one("#cmp-hard").region.height >= 8
        assert sigma_shown(app)[1] == "0.375"
        keys = screen.query_one("#cmp-keys")  # the footer: the screen's keys, from its bindings
        assert keys.region.height == 1 and keys.region.bottom <= 24 and keys.region.right <= 80
        shown_keys = {b.binding.description for b in screen.active_bindings.values() if b.binding.show}
        assert {"σ ÷ 2", "σ × 2", "σ = 1.5 sd", "smallest σ", "close"} <= shown_keys
        on_screen = {k.description for k in keys.query("FooterKey") if k.region.width and k.region.right <= 80}
        assert {"σ ÷ 2", "σ × 2", "σ = 1.5 sd", "smallest σ", "close"} <= on_screen


async def test_a_newer_key_press_supersedes_a_long_computation(make_app, monkeypatch):
    compare = hardsoft.compare
    inside, release, results = threading.Event(), threading.Event(), []

    def long_at_the_second_rung(data, k, seed, sd, *, should_stop=None, **options):
        """EM at σ = 0.75 sd is long: it goes on only when the test says so (then sees the newer key)."""
        if sd != hardsoft.sd_ladder(hardsoft.prepare(data).spread)[1]:
            return compare(data, k, seed, sd, should_stop=should_stop, **options)

        def stop_asked() -> bool:
            inside.set()
            release.wait(10)
            return should_stop()

        results.append(compare(data, k, seed, sd, should_stop=stop_asked, **options))
        return results[-1]

    monkeypatch.setattr(hardsoft, "compare", long_at_the_second_rung)
    app = make_app(n=3_000)
    async with app.run_test(size=SIZE) as pilot:
        await open_compare(app, pilot)
        x, s = app.session.data.x, app.session
        await pilot.press("down")  # σ = 0.75 sd
        await until(pilot, inside.is_set)
        assert sigma_shown(app)[1] == "0.75"  # σ shown at once, while EM works
        assert "computing" in shown(app, "#cmp-sigma")
        await pilot.press("end")
        release.set()
        await settle(app, pilot)
        assert sigma_shown(app)[1] == f"{1.5 / 2 ** (hardsoft.LADDER_STEPS - 1):.3g}"
        ref = reference(x, s.k, s.seed, hardsoft.LADDER_STEPS - 1)
        assert disagreement_shown(app)[:2] == (ref.agreement.different, x.size)
        # the superseded run at σ = 0.75 sd stopped before it was done: nothing kept for it
        assert results == [None] and 1 not in app.screen.results


async def test_closing_while_computing_is_harmless(make_app, monkeypatch):
    kmeans_fit = hardsoft.kmeans_fit
    release, finished = threading.Event(), threading.Event()

    def held(*args, **kwargs):  # k-means that finishes only when the test says so
        release.wait(10)
        try:
            return kmeans_fit(*args, **kwargs)
        finally:
            finished.set()

    monkeypatch.setattr(hardsoft, "kmeans_fit", held)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = app.screen
        await pilot.press("c")
        closed = app.screen
        assert "computing" in shown(app, "#cmp-sigma")
        await pilot.press("down", "escape")
        assert app.screen is main
        release.set()  # the thread finishes k-means after the screen has gone
        await until(pilot, finished.is_set)  # (then it posts its result to a screen that is gone)
        assert closed.results == {}
        await pilot.pause()
        assert app.screen is main and app.is_running
        await open_compare(app, pilot)  # a new screen computes afresh
        assert disagreement_shown(app)[1] == 200


async def test_data_the_components_cannot_split_are_explained_not_raised(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(CompareScreen(np.array([1.0, 1.0, 2.0, 2.0]), Scenario.build(means=(1.0, 2.0, 3.0)), (0.5, 2.5)))
        await settle(app, pilot)
        assert "✗ the data have 2 distinct values; K = 3 needs at least 3" in shown(app, "#cmp-sigma")
        await pilot.press("down", "end", "up", "home")
        await settle(app, pilot)
        assert isinstance(app.screen, CompareScreen) and "✗" in shown(app, "#cmp-sigma")
        await pilot.press("escape")
        assert not isinstance(app.screen, CompareScreen)


async def test_tied_data_say_why_they_stay_apart_at_the_smallest_sigma(make_app):
    """Old Faithful's waiting times are whole minutes: with seed 7 and K = 3 a point sits exactly halfway
    between two centres on the way, so EM and k-means end apart; the screen says why."""
    app = make_app(dataset=load_dataset("old-faithful-waiting"), k=3, seed=7)
    async with app.run_test(size=SIZE) as pilot:
        await open_compare(app, pilot)
        await pilot.press("end")
        await settle(app, pilot)
        x, s = app.session.data.x, app.session
        ref = reference(x, s.k, s.seed, hardsoft.LADDER_STEPS - 1)
        assert ref.agreement.different > 0  # the core agrees that they stay apart
        line = shown(app, "#cmp-agree")
        assert f"points assigned differently: {ref.agreement.different:,} of {x.size:,}" in line
        assert "still apart at the smallest σ" in line and "halfway between two centres" in line
        await pilot.press("up")
        await settle(app, pilot)
        assert "still apart" not in shown(app, "#cmp-agree")  # said only at the bottom of the ladder


async def test_a_key_at_the_end_of_the_ladder_does_not_restart_the_work(make_app, monkeypatch):
    compare, calls = hardsoft.compare, []

    def counted(*args, **kwargs):
        calls.append(args[3])
        return compare(*args, **kwargs)

    monkeypatch.setattr(hardsoft, "compare", counted)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_compare(app, pilot)
        assert len(calls) == 1  # EM at the top of the ladder
        await pilot.press("up", "plus", "home", "0")  # already at the top
        await settle(app, pilot)
        assert len(calls) == 1


async def test_a_failing_computation_is_said_on_screen_and_the_app_goes_on(make_app, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(hardsoft, "compare", broken)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_compare(app, pilot)
        assert "internal error (ValueError: boom)" in shown(app, "#cmp-sigma")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("right")
        assert app.is_running and app.session.t == 1


@pytest.mark.filterwarnings("error")  # a NumPy RuntimeWarning, on the app's thread or the worker's, fails
async def test_data_at_1e200_are_compared_as_at_scale_one(make_app):
    """Squares of such values overflow: the screen's figures are those at scale 1, times 1e200."""
    x, c = simulate(0), 1e200
    seen = {}
    for scale in (1.0, c):
        app = make_app(dataset=DataSet(scale * x, "scaled", {"type": "values"}))
        async with app.run_test(size=SIZE) as pilot:
            await open_compare(app, pilot)
            views = []
            for key in (None, "down", "end"):
                if key:
                    await pilot.press(key)
                    await settle(app, pilot)
                assert "✗" not in shown(app, "#cmp-sigma") and "converged" in shown(app, "#cmp-sigma")
                views.append((sigma_shown(app), table_shown(app), disagreement_shown(app)))
            ref = reference(scale * x, 2, app.session.seed, hardsoft.LADDER_STEPS - 1)
            soft = app.screen.query_one(SoftPlot).render_line(0).text
        seen[scale] = views
    (sigma, _), rows, _ = seen[c][-1]
    assert sigma == float(f"{ref.em.sd:.4g}") and f"σ = {ref.em.sd:.4g}" in soft
    assert [r[1] for r in rows] == [f"{v:.3e}" for v in ref.kmeans.centres] == [r[4] for r in rows]
    for (s1, rows1, agree1), (s2, rows2, agree2) in zip(seen[1.0], seen[c]):
        assert s2[1] == s1[1] and s2[0] == pytest.approx(c * s1[0], rel=1e-3)  # σ / sd, and σ
        for r1, r2 in zip(rows1, rows2):
            assert float(r2[1]) == pytest.approx(c * float(r1[1]), rel=2e-3)  # k-means centres
            assert float(r2[4]) == pytest.approx(c * float(r1[4]), rel=2e-3)  # EM means
            assert (r2[2], r2[5], r2[6]) == (r1[2], r1[5], r1[6])  # points, weights and soft counts
        assert agree2 == agree1
    assert seen[c][-1][2][0] == 0  # hard at the smallest σ


async def test_the_curves_are_computed_once_per_result_and_width(make_app, monkeypatch):
    """Redraws (going back to a σ, a repaint at the same size) draw the result's view as kept; only a
    new result or a new panel width asks the view functions again."""
    from em_tui.session import dialogs

    calls: list[tuple[str, float | None]] = []
    for name in ("soft_curves", "hard_curves"):
        real = getattr(dialogs, name)

        def counted(*args, _real=real, _name=name):
            calls.append((_name, float(args[0].sd) if _name == "soft_curves" else None))
            return _real(*args)

        monkeypatch.setattr(dialogs, name, counted)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(app, pilot)
        top = float(screen.results[0].em.sd)
        assert calls.count(("soft_curves", top)) == 1
        view = screen.views[0]
        assert view.em is screen.results[0].em
        await pilot.press("down")
        await settle(app, pilot)
        await pilot.press("up")  # back to the top: its result and its curves are kept
        await settle(app, pilot)
        for plot in screen.query(SoftPlot):
            plot.replot()
        await pilot.pause()
        assert screen.views[0] is view and calls.count(("soft_curves", top)) == 1
        await pilot.resize_terminal(100, 36)  # another width: the curves for it, once
        await settle(app, pilot)
        assert calls.count(("soft_curves", top)) == 2


async def test_a_result_is_kept_whatever_its_sigma_and_a_stopped_workers_progress_is_not_said(make_app):
    from textual.worker import Worker

    from em_tui.tui.messages import CompareDone, CompareProgress

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(app, pilot)
        before = shown(app, "#cmp-sigma")
        kept = screen.results[0]
        stopped = Worker(screen, lambda: None, group="compare", thread=True)  # a stopped computation's
        stopped.cancel()
        screen.post_message(CompareProgress(stopped, 0, 50))
        await pilot.pause()
        assert shown(app, "#cmp-sigma") == before  # not "computing… iteration 50"
        screen.post_message(CompareDone(3, kept))  # a result for another σ than the one on screen
        await pilot.pause()
        assert screen.results[3] is kept and screen.views[3].em is kept.em
        assert shown(app, "#cmp-sigma") == before  # kept, not drawn: σ on screen is still the top's


async def test_the_long_title_and_sigma_line_follow_the_wide_breakpoint(make_app):
    """The stylesheet picks the long or the short title and σ line (the app's "-wide" class), on resize too."""
    from em_tui.tui.app import WIDE_FROM

    app = make_app()
    async with app.run_test(size=(WIDE_FROM, 40)) as pilot:
        screen = await open_compare(app, pilot)
        await settle(app, pilot)
        shown_ids = lambda: {w.id for w in screen.query("Static") if w.id and w.id.startswith(
            ("cmp-title", "cmp-sigma")) and w.display}  # noqa: E731
        assert shown_ids() == {"cmp-title", "cmp-sigma"}
        assert "hard assignments and soft responsibilities" in shown(app, "#cmp-title")
        assert "sd of the data" in shown(app, "#cmp-sigma")
        await pilot.resize_terminal(WIDE_FROM - 1, 40)
        await pilot.pause()
        assert shown_ids() == {"cmp-title-short", "cmp-sigma-short"}
        assert "hard assignments" not in shown(app, "#cmp-title-short")
        sigma_line = shown(app, "#cmp-sigma-short")
        assert "σ/sd = " in sigma_line and "sd of the data" not in sigma_line
        assert screen.query_one("#cmp-title-short").region.right <= WIDE_FROM - 1
