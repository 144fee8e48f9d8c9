"""Data far beyond 1e±153 on the screens that read the data's sd themselves (the start editor's suggested
start, the local optima's collapse marks): the figures are those at scale 1, moved, with no NumPy warning."""

from __future__ import annotations

import math

import numpy as np
import pytest

from em_tui.tui import create_app
from em_tui.tui.screens.optima import OptimaScreen
from em_tui.tui.screens.start import StartScreen, suggested_start
from em_tui.core.data import DataSet, simulate
from em_tui.session.scenario import Scenario

pytestmark = pytest.mark.filterwarnings("error")  # a NumPy RuntimeWarning, on any thread, fails the test

SIZE = (120, 40)
C = 1e200


def app_on(scale: float):
    return create_app(Scenario.build(dataset=DataSet(scale * simulate(0), "scaled", {"type": "values"}), k=2), pace=0.0)


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("c", [1e-200, C])
def test_the_suggested_start_is_moved_with_the_data(c):
    x = simulate(0)
    moved, base = suggested_start(c * x, 3), suggested_start(x, 3)
    np.testing.assert_allclose(moved.means / c, base.means, rtol=1e-12)
    np.testing.assert_allclose(moved.sds / c, base.sds, rtol=1e-12)


async def test_the_start_editor_at_1e200():
    app = app_on(C)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StartScreen)
        screen.query_one("#m-user").value = True  # the editor opens on the data's k-means start: your values
        screen.query_one("#start-k").value = "3"
        screen.query_one("#start-k").focus()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        s = app.session
        assert not isinstance(app.screen, StartScreen) and s.k == 3
        base = suggested_start(simulate(0), 3)
        np.testing.assert_allclose(s.start.sds / C, base.sds, rtol=1e-6)  # as typed in the fields (8 digits)
        np.testing.assert_allclose(s.start.means / C, base.means, rtol=1e-6)


async def test_the_local_optima_at_1e200_are_those_at_scale_1():
    seen = {}
    for scale in (1.0, C):
        app = app_on(scale)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("o")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, OptimaScreen) and not screen.running
            table = screen.query_one("DataTable")
            seen[scale] = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
    n = simulate(0).size
    assert len(seen[C]) == len(seen[1.0]) >= 1
    for moved, base in zip(seen[C], seen[1.0]):
        assert moved[2] == base[2]  # reached by the same starts
        ll = float(moved[1].replace(",", "").split()[0])
        assert ll == pytest.approx(float(base[1].replace(",", "").split()[0]) - n * math.log(C), abs=2e-3)
