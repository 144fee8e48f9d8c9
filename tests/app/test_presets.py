"""The presets (key p): each opens its own data, K and start, and EM run from it ends where its label says."""

from __future__ import annotations

import numpy as np
import pytest
from app_helpers import settle, status
from sklearn.mixture import GaussianMixture

from em_tui.core import data
from em_tui.core.model import Mixture
from em_tui.core.trajectory import run_em
from em_tui.session.scenario import PRESETS, Scenario
from em_tui.session.session import Session
from em_tui.tui import create_app
from em_tui.tui.screens.choice import ChoiceScreen

SIZE = (120, 40)
NAMES = list(PRESETS)
CLEAN, BOTH, FAR, BUNCHED, SPREAD = NAMES


def lesson_run(means) -> object:
    """EM on the lesson's default data from ``means``, run apart from the app."""
    start = data.DEFAULT_START
    return run_em(data.simulate(data.DEFAULT_SEED), Mixture.create(start.weights, list(means), start.sds))


def galaxies_best_ll() -> float:
    """The highest LL of K = 3 on the galaxies, by scikit-learn from many starts."""
    x = data.load_dataset("galaxies").values.reshape(-1, 1)
    gm = GaussianMixture(3, n_init=20, tol=1e-10, max_iter=5000, reg_covar=0.0, random_state=0).fit(x)
    return float(gm.score(x) * x.shape[0])


async def opened_and_run(name: str, scenario: Scenario | None = None):
    """The app (on ``scenario``, else the lesson's) with the preset ``name`` chosen by its number key in
    the presets list, then run to its end with g: (app, its session)."""
    app = create_app(scenario or Scenario.build(), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press(str(NAMES.index(name) + 1))
        await settle(pilot)
        s = app.session
        assert s.t == 0 and s.fault is None and f"preset “{name}” ({PRESETS[name].shows})" in status(app)
        await pilot.press("g")
        await settle(pilot)
        assert s.at_end and s.trajectory.converged
        return app, s


async def test_the_clean_start_ends_near_the_true_model():
    _, s = await opened_and_run(CLEAN)
    assert s.simulated and s.seed == data.DEFAULT_SEED and s.means == tuple(data.DEFAULT_START.means)
    fit, truth = s.trajectory.final.sorted_by_mean(), data.TRUE_MODEL.sorted_by_mean()
    np.testing.assert_array_less(np.abs(fit.means - truth.means), 0.3)
    assert abs(fit.weights[0] - truth.weights[0]) < 0.08
    assert "ends near the true model" in PRESETS[CLEAN].shows


async def test_both_at_2_stay_identical():
    _, s = await opened_and_run(BOTH)
    fit = s.trajectory.final
    assert fit.means[0] == fit.means[1] and fit.sds[0] == fit.sds[1] and fit.weights[0] == fit.weights[1]
    assert "stay identical" in PRESETS[BOTH].shows


async def test_the_far_start_reaches_the_same_peak_only_more_slowly():
    _, s = await opened_and_run(FAR)
    clean = lesson_run(data.DEFAULT_START.means)
    assert s.simulated and s.means == (-2.0, 7.0)
    assert s.trajectory.ll[-1] == pytest.approx(clean.ll[-1], abs=1e-5)
    np.testing.assert_allclose(s.trajectory.final.sorted_by_mean().means, clean.final.sorted_by_mean().means,
                               atol=1e-3)
    assert s.trajectory.iterations > clean.iterations
    assert "same peak as the clean start, only more slowly" in PRESETS[FAR].shows


async def test_the_bunched_galaxies_start_ends_at_a_worse_peak_and_the_spread_one_at_the_best():
    best = galaxies_best_ll()
    _, bunched = await opened_and_run(BUNCHED, Scenario.build(dataset=data.load_dataset("old-faithful-waiting")))
    _, spread = await opened_and_run(SPREAD)
    for s in (bunched, spread):
        assert s.label == "galaxies" and s.k == 3 and s.truth is None
    assert spread.trajectory.ll[-1] == pytest.approx(best, abs=1e-6)
    assert bunched.trajectory.ll[-1] < best - 5  # a peak of its own, not the best one stopped short
    assert np.all(np.diff(bunched.trajectory.ll) >= -1e-9)  # EM climbed there: a local optimum
    assert "worse peak" in PRESETS[BUNCHED].shows and "best peak" in PRESETS[SPREAD].shows


def test_a_preset_opens_its_own_data_with_correct_em():
    theirs = Session(Scenario.build(dataset=data.load_dataset("iris-petal-length")))
    theirs.step()
    theirs.preset(FAR)
    assert theirs.simulated and theirs.means == (-2.0, 7.0) and theirs.t == 0
    assert Session(Scenario.build(fault="forgot-sqrt")).preset(CLEAN).restarted.fault is None  # correct EM


async def test_the_help_says_what_each_preset_shows():
    """No second peak on the lesson's data: the help says the far start reaches the same one, more slowly,
    and sends the student to the galaxies for a worse peak."""
    from em_tui.tui.screens.help import HelpScreen

    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(app.screen.text.split())
    assert "both at 2.0" in text and "EM can never split them" in text
    assert "same peak as the clean start, only more slowly" in text and "no second peak" in text
    assert "galaxies" in text and "worse peak" in text
