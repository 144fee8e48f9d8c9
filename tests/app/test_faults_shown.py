"""Faults visible where they happen: the unnormalised E step's weights on every E-step view, the fall
marked on the LL panel, the banner's line on what the fault does wrong, a run under a fault or with a
collapsed component never called "converged", and what to try next after EM converged."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app_helpers import banner, status, table_values

from em_tui.core import data
from em_tui.core.faults import FAULTS
from em_tui.core.model import Mixture
from em_tui.session import outcomes as out
from em_tui.session import words
from em_tui.session.scenario import Scenario
from em_tui.session.session import Session
from em_tui.tui import keynames
from em_tui.tui.app import EmApp
from em_tui.tui.screens.resp import ResponsibilityScreen, ResponsibilityTable

SIZE = (120, 40)
KEYS = keynames.keys_of(EmApp.BINDINGS)
SEED = 3


def weights_by_hand(x: np.ndarray, model: Mixture) -> np.ndarray:
    """w_ik = π_k N(x_i | μ_k, σ_k), (K, n), components by mean: the closed form, written out."""
    m = model.sorted_by_mean()
    z = (x[None, :] - m.means[:, None]) / m.sds[:, None]
    return m.weights[:, None] * np.exp(-0.5 * z * z) / (m.sds[:, None] * math.sqrt(2.0 * math.pi))


def unnormalised_session(steps: int = 2) -> Session:
    s = Session(Scenario.build(seed=SEED, fault="unnormalised"))
    for _ in range(steps):
        s.step()
    return s


# -- 1. the unnormalised E step, as its code computes it -------------------------------------------
def test_the_e_step_under_the_unnormalised_fault_shows_its_weights_and_their_sums():
    s = unnormalised_session()
    said = words.describe(s.e_step(), KEYS)
    f = s.frame()
    w = weights_by_hand(s.data.x, f.params)
    assert not f.e_normalised
    np.testing.assert_allclose(np.sort(f.nk), np.sort(w.sum(axis=1)), rtol=1e-10)  # N_k of the table: Σ_i w_ik
    assert abs(f.nk.sum() - f.n) > 0.5 * f.n  # far from N: the rows do not sum to 1
    assert f"Σ_k N_k = {w.sum():.4g}, not N = {f.n:,}" in said and "not 1" in said
    # the histogram's shares: each bin's points' w_ik, as a density (they do not add up to the bin)
    edges = f.histogram.edges
    idx = np.clip(((s.data.x - edges[0]) / f.histogram.width).astype(int), 0, edges.size - 2)
    by_bin = np.array([np.bincount(idx, weights=row, minlength=edges.size - 1) for row in w])
    np.testing.assert_allclose(f.split, by_bin / (f.n * f.histogram.width), rtol=1e-9, atol=1e-15)
    assert not np.allclose(f.split.sum(axis=0), f.histogram.heights)


def test_a_correct_e_step_still_shows_responsibilities_that_sum_to_n():
    s = Session(Scenario.build(seed=SEED))
    s.step()
    said = words.describe(s.e_step(), KEYS)
    f = s.frame()
    assert f.e_normalised and f.nk.sum() == pytest.approx(f.n, rel=1e-12)
    np.testing.assert_allclose(f.split.sum(axis=0), f.histogram.heights, rtol=1e-9, atol=1e-12)
    assert "Σ_k" not in said and "responsibilities computed" in said


def test_the_half_states_counts_are_those_the_faults_m_step_uses():
    s = unnormalised_session(0)
    s.e_step()
    nk = s.frame().nk.copy()
    s.m_step()  # the M step's weights are those counts over their sum
    np.testing.assert_allclose(np.sort(s.frame().params.weights), np.sort(nk / nk.sum()), rtol=1e-9)


async def test_the_responsibilities_screen_shows_the_faults_weights_and_each_rows_sum():
    from em_tui.tui import create_app

    app = create_app(Scenario.build(seed=SEED, fault="unnormalised"), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", "e", "t")
        await pilot.pause()
        assert isinstance(app.screen, ResponsibilityScreen)
        head = str(app.screen.query_one("#resp-head").content).split()
        assert head[3:] == ["w1", "w2", "Σ_k", "w", "best"]
        assert "not divided by p(x_i)" in str(app.screen.query_one("#resp-title").content)
        table = app.screen.query_one(ResponsibilityTable)
        order = np.argsort(app.session.data.x, kind="stable")
        w = weights_by_hand(app.session.data.x[order], app.frame.params)
        rows = [table.render_line(y).text.split() for y in range(table.size.height)]
        assert len(rows) > 10
        for i, row in enumerate(rows):
            np.testing.assert_allclose([float(v) for v in row[3:5]], w[:, i], rtol=1e-3, atol=5e-5)
            assert float(row[5]) == pytest.approx(w[:, i].sum(), rel=1e-3, abs=5e-5)  # p(x_i), not 1
            assert row[6] == str(int(w[:, i].argmax()) + 1)
        assert any(abs(float(row[5]) - 1) > 0.5 for row in rows)


# -- 2. the fall on the LL panel, the fault's wrong formula on the banner ---------------------------
@pytest.mark.parametrize("name", sorted(FAULTS))
def test_the_banner_names_the_wrong_formula_in_one_line_that_fits_80_columns(name):
    s = Session(Scenario.build(seed=SEED, fault=name))
    s.goto(30)
    lines = s.frame().banner.splitlines()
    assert len(lines) == 2 and lines[0].startswith("⚠ LL FELL at iteration")
    assert lines[1] == f"{name}: {FAULTS[name].summary}" and "=" in lines[1]
    assert all(len(line) <= 78 for line in lines)  # 80 columns less the banner's padding


def test_the_ll_panel_marks_the_fall_once_it_is_shown():
    s = Session(Scenario.build(seed=SEED, fault="divide-by-n"))
    s.goto(30)
    dec = s.trajectory.first_decrease(s.t)
    assert dec is not None and s.alarm == dec
    f = s.frame()
    assert f.ll_fell == (dec.iteration, f.ll[dec.iteration])
    s.home()
    assert s.frame().ll_fell is None  # iteration 0 shows no fall (the banner stays)
    assert Session(Scenario.build(seed=SEED)).frame().ll_fell is None


async def test_the_ll_panels_title_says_where_ll_fell(make_app):
    from em_tui.tui.widgets.plots import LLPlot

    app = make_app(seed=SEED, fault="forgot-sqrt")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(3):
            await pilot.press("right")
        await pilot.pause()
        dec = app.session.alarm
        assert dec is not None
        plot = app.query_one(LLPlot)
        shown = "\n".join(plot.render_line(y).text for y in range(plot.size.height))
        assert f"LL fell at t = {dec.iteration}" in shown


@pytest.mark.parametrize("fault, said", [("unnormalised", "data shared out by w (the fault's, not divided by p(x))"),
                                         (None, "data shared out by r")])
async def test_the_mixture_plots_e_step_title_names_the_weights_it_shares_the_data_by(make_app, fault, said):
    from em_tui.tui.widgets.plots import MixturePlot

    app = make_app(seed=SEED, fault=fault)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("right", "e")
        await pilot.pause()
        plot = app.query_one(MixturePlot)
        shown = "\n".join(plot.render_line(y).text for y in range(plot.size.height))
        assert said in shown and ("(the fault's" in shown) == (fault is not None)


# -- 3. never "converged" under a fault or after a collapse ------------------------------------------
@pytest.mark.parametrize("name", sorted(FAULTS))
def test_a_run_under_a_fault_is_never_called_converged(name):
    s = Session(Scenario.build(seed=SEED, fault=name))
    s.goto(s.max_iter)
    end = s.end()
    assert end.fault == name and end.verdict == "fault"
    said = words.describe(s.last, KEYS)
    assert "converged" not in said and f"under the fault “{name}”" in said and "not EM's answer" in said
    assert f"{KEYS('faults')} switches the fault off" in said
    assert s.frame().summary[-1] == "converged: no"
    assert "converged" not in str(words.NotNow(out.AtEnd(end)))


def tied_points() -> data.DataSet:
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0.0, 3.0, 200), [5.0] * 50])  # 50 ties: a component can sit on them
    return data.from_text(" ".join(repr(float(v)) for v in x))


def test_a_run_that_collapsed_onto_a_point_is_never_called_converged():
    s = Session(Scenario.build(dataset=tied_points(), k=2, means=(0.0, 5.0)))
    s.goto(s.max_iter)
    end = s.end()
    assert end.fault is None and end.collapsed and end.verdict == "collapsed"
    said = words.describe(s.last, KEYS)
    assert "converged" not in said and f"component {end.collapsed[0]} collapsed onto a point" in said
    assert "LL climbs without bound" in said and f"{KEYS('presets')} or {KEYS('start_editor')}" in said
    assert s.frame().summary[-1] == "converged: no"


@pytest.mark.parametrize("end, expected", [
    (out.End(True, 12, 1e-6, 1000), "converged"),
    (out.End(False, 1000, 1e-6, 1000), "cap"),
    (out.End(True, 12, 1e-6, 1000, collapsed=(1,)), "collapsed"),
    (out.End(False, 1000, 1e-6, 1000, collapsed=(1, 2)), "collapsed"),
    (out.End(True, 12, 1e-6, 1000, fault="divide-by-n"), "fault"),
    (out.End(True, 12, 1e-6, 1000, collapsed=(2,), fault="unnormalised"), "fault"),
])
def test_what_an_end_is_called(end, expected):
    assert end.verdict == expected
    said = words.end_words(end)
    assert said.startswith("converged at iteration 12") == (expected == "converged")
    if end.collapsed:
        assert "collapsed onto a point" in said
    if end.fault:
        assert "not EM's answer" in said and end.fault in said
    if not end.converged:
        assert "cap (1000)" in said


# -- 5. what to try next ------------------------------------------------------------------------------
async def test_after_em_converged_the_status_suggests_what_to_try_next(make_app):
    app = make_app(seed=SEED)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.session.at_end and table_values(app)["converged:"] == "yes"
        said = status(app)
        assert said.startswith("converged at iteration") and "Try next:" in said
        for action in ("presets", "start_editor", "faults", "choose_k", "optima", "compare"):
            assert f" {keynames.key_for(EmApp.BINDINGS, action)} " in said.split("Try next:")[1]
        await pilot.press("right")  # a refusal at the end says why, without the suggestions
        assert "Try next" not in status(app)


async def test_a_run_under_a_fault_suggests_switching_it_off_not_the_experiments(make_app):
    app = make_app(seed=SEED, fault="divide-by-n")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        said = status(app)
        assert app.session.at_end and "Try next" not in said and "converged" not in said
        assert f"{keynames.key_for(EmApp.BINDINGS, 'faults')} switches the fault off" in said
        assert banner(app) is not None
