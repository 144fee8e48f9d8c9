"""Faults visible where they happen: the unnormalised E step's weights on every E-step view, the fall
marked on the LL panel, the banner's line on what the fault does wrong."""

from __future__ import annotations

import math

import numpy as np
import pytest

from em_tui.core.faults import FAULTS
from em_tui.core.model import Mixture
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
