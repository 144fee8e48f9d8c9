"""The app on the user's own data: no truth, K components, a k-means start like `em-tui fit`'s."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from app_helpers import agrees_to_digits_shown, banner
from textual.widgets import Input

from em_tui.tui import create_app
from em_tui.core import data
from em_tui.core.init import seeded_start
from em_tui.core.trajectory import Trajectory
from em_tui.session.scenario import Scenario
from em_tui.errors import Refused

SIZE = (120, 40)


def table_text(app) -> str:
    from app_helpers import rendered

    return rendered(app.query_one("#table"))


def shown_components(app) -> list[list[str]]:
    """Rows 'k π μ σ N' of the table."""
    rows = []
    for line in table_text(app).splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[0].isdigit():
            rows.append(parts)
    return rows


def engine(dataset, k: int, seed: int, t: int) -> Trajectory:
    """An independent run: the same k-means start as `em-tui fit --init kmeans --seed S`."""
    run = Trajectory(dataset.values, seeded_start(dataset.values, k, "kmeans", seed))
    while run.iterations < t and not run.done:
        run.step()
    return run


def assert_components_match(app, dataset, k: int) -> None:
    s = app.session
    run = engine(dataset, k, s.seed, s.t)
    p = run.params(s.t)
    order = np.argsort(p.means, kind="stable")
    rows = shown_components(app)
    assert len(rows) == k
    for (num, pi, mu, sd, nk), j in zip(rows, order):
        assert agrees_to_digits_shown(pi, p.weights[j]) and agrees_to_digits_shown(mu, p.means[j])
        assert agrees_to_digits_shown(sd, p.sds[j]) and agrees_to_digits_shown(nk, p.weights[j] * dataset.n)


async def test_old_faithful_has_no_truth_and_names_the_data():
    ds = data.load_dataset("old-faithful-waiting")
    app = create_app(Scenario.build(dataset=ds), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = table_text(app)
        assert "old-faithful-waiting" in text and "N 272 · 43 to 96" in text
        assert "true" not in text and "error" not in text
        assert app.frame.backdrop.true_density is None
        assert app.session.means is None  # k-means start
        assert_components_match(app, ds, 2)
        await pilot.press("right", "right", "right")
        assert_components_match(app, ds, 2)


async def test_run_to_convergence_agrees_with_em_tui_fit():
    ds = data.load_dataset("old-faithful-waiting")
    app = create_app(Scenario.build(dataset=ds), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        final = app.session.trajectory.final.sorted_by_mean()
    out = subprocess.run(
        [sys.executable, "-m", "em_tui", "fit", "--dataset", "old-faithful-waiting", "--init", "kmeans", "--seed", "0", "--json"],
        capture_output=True, text=True, check=True,
    )
    fit = json.loads(out.stdout)
    np.testing.assert_allclose(final.means, fit["means"], rtol=1e-10)
    np.testing.assert_allclose(final.sds, fit["sds"], rtol=1e-10)
    np.testing.assert_allclose(final.weights, fit["weights"], rtol=1e-10)
    assert app.session.t == fit["iterations"]


async def test_three_components_on_the_galaxies():
    ds = data.load_dataset("galaxies")
    app = create_app(Scenario.build(dataset=ds, k=3), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right")
        assert_components_match(app, ds, 3)
        assert not app.query_one("#row-mu1").display  # the two-mean fields are for K = 2 only
        await pilot.press("e")
        assert len(shown_components(app)) == 3
        await pilot.press("m")
        assert app.session.t == 3
        assert_components_match(app, ds, 3)


async def test_r_gives_a_new_k_means_start_on_the_same_data():
    ds = data.load_dataset("old-faithful-eruptions")
    app = create_app(Scenario.build(dataset=ds, seed=0), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "r")
        s = app.session
        assert s.seed == 1 and s.t == 0 and s.means is None
        assert np.array_equal(s.data.x, ds.values)
        assert_components_match(app, ds, 2)


async def test_presets_are_offered_on_any_data():
    """Each preset opens its own data, so the list opens on the user's data too."""
    from em_tui.session.session import PRESETS
    from em_tui.tui.screens.choice import ChoiceScreen

    app = create_app(Scenario.build(dataset=data.load_dataset("galaxies")), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("1")
        await pilot.pause()
        assert app.session.simulated and app.session.start_means == PRESETS[next(iter(PRESETS))].means


def test_a_preset_by_name_is_one_of_the_lessons_or_refused():
    """The palette names presets; a name that is not one of them is refused, nothing changed."""
    from em_tui.session.session import Session
    session = Session(Scenario.build())
    session.step()
    with pytest.raises(Refused, match="no preset is called 'nope'; the presets are: "):
        session.preset("nope")
    assert session.t == 1


def test_a_scenario_refuses_means_that_do_not_fit_its_k_in_its_callers_words():
    from em_tui.core.config import FitConfig
    with pytest.raises(Refused, match=r"^K is 3 but 2 values were given for the start means$"):
        Scenario(config=FitConfig(k=3), start=(1.0, 2.0))
    with pytest.raises(Refused, match=r"^--k is 2 but 1 value was given for --means$"):
        Scenario.build(k=2, means=[1.0], names={"k": "--k", "means": "--means"})
    with pytest.raises(Refused, match=r"^the lesson's data start from the start means; give one mean per component$"):
        Scenario.build(k=3)
    with pytest.raises(Refused, match=r"^the start means must each be a number within ±1e\+06, got nan$"):
        Scenario.build(means=[float("nan"), 1.0])
    assert Scenario.build(k=3, means=[1, 2, 3]).start == (1.0, 2.0, 3.0)
    # em-tui fit's own start is not bounded (data of any scale), only checked for its count
    assert Scenario(config=FitConfig(k=2), start=(1e9, 2e9)).start == (1e9, 2e9)


async def test_typed_means_on_the_users_data():
    ds = data.load_dataset("old-faithful-waiting")
    app = create_app(Scenario.build(dataset=ds), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        inp = app.query_one("#in-mu1", Input)
        inp.focus()
        await pilot.pause()
        inp.value = "50"
        await pilot.press("enter")
        s = app.session
        assert s.means[0] == 50.0 and s.t == 0
        np.testing.assert_allclose(s.start.sds, [ds.values.std()] * 2)  # as em-tui fit's --means start
        assert s.start.means[1] == pytest.approx(float(np.sort(seeded_start(ds.values, 2, "kmeans", 0).means)[1]))


async def test_a_fault_fires_the_banner_on_real_data_too():
    app = create_app(Scenario.build(dataset=data.load_dataset("old-faithful-waiting"), fault="forgot-sqrt"), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(10):
            await pilot.press("right")
        assert banner(app) is not None


def test_component_rows_fit_the_narrow_side_panel():
    from em_tui.session.session import Session

    for ds, k in [(data.load_dataset("galaxies"), 6), (data.from_text("1e9, 2e9, 3e9, 4e9, 5e9"), 2)]:
        rows = Session(Scenario.build(dataset=ds, k=k, means=None)).frame().table
        assert all(len(" ".join(r)) <= 32 for r in rows), rows
