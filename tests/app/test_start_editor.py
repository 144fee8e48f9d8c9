"""The start editor (key i): K and every starting value, or k-means / random with restarts."""

from __future__ import annotations

import numpy as np
import pytest
from textual.widgets import Input, RadioButton

from em_tui.core.config import FitConfig
from em_tui.tui import create_app
from em_tui.tui.screens.start import StartScreen, suggested_start
from em_tui.core import data
from em_tui.core.init import multi_start
from em_tui.session.scenario import Scenario

SIZE = (120, 40)


async def open_editor(pilot) -> StartScreen:
    await pilot.press("i")
    await pilot.pause()
    assert isinstance(pilot.app.screen, StartScreen)
    return pilot.app.screen


def put(screen, selector: str, text: str) -> None:
    screen.query_one(selector, Input).value = text


def error(screen) -> str:
    return str(screen.query_one("#start-error").content)


async def set_k(pilot, screen, k: int) -> None:
    put(screen, "#start-k", str(k))
    screen.query_one("#start-k").focus()
    await pilot.press("enter")
    await pilot.pause()


async def test_three_components_with_the_suggested_values():
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right")
        screen = await open_editor(pilot)
        await set_k(pilot, screen, 3)
        assert [screen.query_one(f"#row-{i}").display for i in range(4)] == [True, True, True, False]
        await pilot.press("ctrl+s")
        s = app.session
        assert not isinstance(app.screen, StartScreen)
        assert s.k == 3 and s.t == 0
        want = suggested_start(s.data.x, 3)
        np.testing.assert_allclose(s.start.means, want.means, rtol=1e-5)
        np.testing.assert_allclose(s.start.sds, want.sds, rtol=1e-5)
        assert "K = 3" in app.frame.status
        assert not app.query_one("#row-mu1").display  # the two-mean fields are for K = 2


async def test_your_own_values_are_used_exactly():
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot)
        for i, (w, m, sd) in enumerate([("0.3", "-1", "0.5"), ("0.7", "5", "2")]):
            put(screen, f"#w-{i}", w)
            put(screen, f"#m-{i}", m)
            put(screen, f"#s-{i}", sd)
        await pilot.press("ctrl+s")
        start = app.session.start
        np.testing.assert_array_equal(start.weights, [0.3, 0.7])
        np.testing.assert_array_equal(start.means, [-1, 5])
        np.testing.assert_array_equal(start.sds, [0.5, 2])


@pytest.mark.parametrize(
    "edits, message",
    [
        ({"#w-0": "0.2"}, "weights sum to 0.7, not 1: press Ctrl+N"),
        ({"#s-1": "-1"}, "standard deviation of component 2 is -1"),
        ({"#s-0": "1e-9"}, "standard deviation of component 1 is 1e-09; on these data it must be at least"),
        ({"#m-0": "abc"}, "the mean of component 1 is not a number: 'abc'"),
        ({"#w-0": "-0.5", "#w-1": "1.5"}, "weight of component 1 is -0.5"),
        ({"#start-restarts": "0"}, "starts must be a whole number from 1 to 50"),
        ({"#start-k": "9"}, "K must be from 1 to 8, got 9"),
        ({"#start-k": "x"}, "K must be a whole number"),
    ],
)
async def test_bad_values_are_refused_and_nothing_changes(edits, message):
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right")
        before = (app.session.start, app.session.trajectory, app.session.t)
        screen = await open_editor(pilot)
        for sel, text in edits.items():
            put(screen, sel, text)
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, StartScreen) and message in error(screen)
        await pilot.press("escape")
        assert (app.session.start, app.session.trajectory, app.session.t) == before


async def test_normalise_then_use():
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot)
        put(screen, "#w-0", "1")
        put(screen, "#w-1", "3")
        await pilot.press("ctrl+n")
        assert screen.query_one("#w-0", Input).value == "0.25"
        await pilot.press("ctrl+s")
        np.testing.assert_allclose(app.session.start.weights, [0.25, 0.75])


async def test_equal_means_are_warned_about():
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot)
        put(screen, "#m-0", "2")
        put(screen, "#m-1", "2")
        await pilot.press("ctrl+s")
        assert "EM may not separate" in app.frame.status


@pytest.mark.parametrize("method, button", [("kmeans", "#m-kmeans"), ("random", "#m-random")])
async def test_best_of_several_k_means_or_random_starts(method, button):
    ds = data.load_dataset("galaxies")
    app = create_app(Scenario.build(dataset=ds, seed=2), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot)
        await set_k(pilot, screen, 3)
        screen.query_one(button, RadioButton).value = True
        put(screen, "#start-restarts", "5")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        best = multi_start(ds.values, FitConfig(k=3, restarts=5, seed=2, init=method)).best
        assert app.session.start == best.start
        assert "the best of 5" in app.frame.status


async def test_the_editor_opens_on_the_scenarios_method_and_restarts():
    ds = data.load_dataset("galaxies")
    app = create_app(Scenario.build(dataset=ds, seed=2), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot)
        assert screen.query_one("#m-kmeans", RadioButton).value  # the user's data start from k-means
        await set_k(pilot, screen, 3)
        screen.query_one("#m-random", RadioButton).value = True
        put(screen, "#start-restarts", "4")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.scenario.config.init == "random" and app.scenario.config.restarts == 4
        screen = await open_editor(pilot)
        assert screen.query_one("#m-random", RadioButton).value and not screen.query_one("#m-user", RadioButton).value
        assert screen.query_one("#start-restarts", Input).value == "4"
        assert screen.query_one("#start-k", Input).value == "3"


async def test_the_lesson_opens_on_your_values():
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot)
        assert screen.query_one("#m-user", RadioButton).value
        assert screen.query_one("#start-restarts", Input).value == "1"


async def test_restarts_are_fitted_in_a_worker_and_esc_stops_them(monkeypatch):
    """The restarts run off the UI thread (the dialog says it is fitting); Esc closes the dialog, the
    fit is cancelled and the start stays as it was."""
    import threading

    ds = data.load_dataset("galaxies")
    app = create_app(Scenario.build(dataset=ds, seed=2), pace=0.0)
    gate, stopped = threading.Event(), []
    real = app.session.prepare_start

    def gated(*args):  # the fit waits until the test has pressed Esc
        gate.wait()
        made = real(*args)
        stopped.append(made is None)
        return made

    monkeypatch.setattr(app.session, "prepare_start", gated)
    async with app.run_test(size=SIZE) as pilot:
        before = (app.session.start, app.session.trajectory, app.scenario)
        screen = await open_editor(pilot)
        put(screen, "#start-restarts", "20")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, StartScreen) and "fitting 20 kmeans" in error(screen)
        await pilot.press("escape")
        assert not isinstance(app.screen, StartScreen)
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert stopped == [True]
        assert (app.session.start, app.session.trajectory, app.scenario) == before


def test_a_stopped_fit_changes_nothing():
    from em_tui.session.session import Session

    s = Session(Scenario.build(dataset=data.load_dataset("galaxies"), k=3))
    before = (s.start, s.trajectory, s.scenario)
    assert s.prepare_start(3, "kmeans", 5, None, lambda: True) is None
    assert (s.start, s.trajectory, s.scenario) == before


async def test_a_value_typed_while_k_means_is_chosen_chooses_your_values():
    ds = data.from_text("1.1 1.3 0.9 5.2 4.8 5.0")
    app = create_app(Scenario.build(dataset=ds, k=2), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot)
        assert screen.query_one("#m-kmeans", RadioButton).value  # typed values start from k-means
        for i, (w, m, sd) in enumerate([("0.5", "1", "1"), ("0.5", "5", "1")]):
            put(screen, f"#w-{i}", w)
            put(screen, f"#m-{i}", m)
            put(screen, f"#s-{i}", sd)
        await pilot.pause()
        assert screen.query_one("#m-user", RadioButton).value and not screen.query_one("#m-kmeans", RadioButton).value
        assert "your values (below) chosen" in error(screen)
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        start = app.session.start
        np.testing.assert_array_equal(start.means, [1, 5])  # what was typed, not k-means' (1.1, 5)
        np.testing.assert_array_equal(start.sds, [1, 1])
        app.apply_fault("forgot-sqrt")  # a fault keeps the start, and the status says which it is
        await pilot.pause()
        assert app.session.start == start
        assert app.frame.status.startswith("restarted at iteration 0: typed values, start means (1, 5), fault")
