"""The Unicode minus sign (U+2212) typed in the simulator: the fields, the start editor, the data box."""

from __future__ import annotations

import numpy as np
from textual.widgets import Input, TextArea

from em_tui.session.scenario import Scenario
from em_tui.tui import create_app
from em_tui.tui.screens.data import DataScreen
from em_tui.tui.screens.start import StartScreen

SIZE = (120, 40)


async def submit(pilot, selector: str, text: str) -> None:
    field = pilot.app.query_one(selector, Input)
    field.focus()
    field.value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_a_start_mean_typed_with_a_minus_sign():
    app = create_app(Scenario.build(seed=3), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, "#in-mu1", "−2")
        assert app.frame.start_means == (-2.0, 3.0)
        await submit(pilot, "#in-mu2", "−1e−1")
        assert app.frame.start_means == (-2.0, -0.1)
        await submit(pilot, "#in-mu1", "−2e9")  # read, then refused for its size, as "-2e9" is
        assert "within ±" in str(app.query_one("#err-mu1").content)
        assert app.frame.start_means == (-2.0, -0.1)


async def test_a_seed_typed_with_a_minus_sign_is_refused_as_negative_not_as_text():
    app = create_app(Scenario.build(seed=3), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await submit(pilot, "#in-seed", "−1")
        assert "whole number from 0" in str(app.query_one("#err-seed").content)
        assert app.frame.seed == 3


async def test_the_start_editor_reads_minus_signs():
    app = create_app(Scenario.build(seed=3), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StartScreen)
        screen.query_one("#m-0", Input).value = "−2.5"
        screen.query_one("#m-1", Input).value = "−0.5"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, StartScreen)
        np.testing.assert_array_equal(np.sort(app.session.start.means), [-2.5, -0.5])


async def test_the_data_box_reads_minus_signs():
    app = create_app(Scenario.build(seed=3), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DataScreen)
        app.screen.query_one("#data-text", TextArea).text = "−1.5, −1.0 −0.5\n2.0 2.5; 3.0"
        await pilot.press("ctrl+s")
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, DataScreen)
        np.testing.assert_array_equal(app.session.data.x, [-1.5, -1.0, -0.5, 2.0, 2.5, 3.0])
