"""The responsibilities view (key t): γ_ik sorted by x, computed only for the rows on screen."""

from __future__ import annotations

import numpy as np
from textual.widgets import Label

from app_helpers import settle, until

from em_tui.tui import create_app
from em_tui.tui.screens import resp
from em_tui.tui.screens.resp import ResponsibilityScreen, ResponsibilityTable
from em_tui.core import em
from em_tui.session.scenario import Scenario

SIZE = (120, 40)


def visible_rows(table: ResponsibilityTable) -> list[list[str]]:
    return [table.render_line(y).text.split() for y in range(table.size.height)]


async def test_rows_are_the_engines_responsibilities_sorted_by_x():
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", "right", "t")
        await pilot.pause()
        assert isinstance(app.screen, ResponsibilityScreen)
        table = app.screen.query_one(ResponsibilityTable)
        params = app.session.trajectory.params(3)
        order = np.argsort(app.session.data.x, kind="stable")
        gamma = em.responsibilities(app.session.data.x[order], params)[np.argsort(params.means)]
        rows = visible_rows(table)
        assert len(rows) > 10
        for i, row in enumerate(rows):
            assert row[0] == str(i + 1) and row[1] == str(order[i] + 1)
            assert float(row[2]) == float(f"{app.session.data.x[order[i]]:.5g}")
            np.testing.assert_allclose([float(v) for v in row[3:5]], gamma[:, i], atol=5e-5)
            assert row[5] == str(int(gamma[:, i].argmax()) + 1)
        await pilot.press("end")
        await pilot.pause()
        last = visible_rows(table)[-1]
        assert last[0] == "200"
        await pilot.press("escape")
        assert not isinstance(app.screen, ResponsibilityScreen)


async def test_after_the_e_step_the_title_says_so():
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "e", "t")
        await pilot.pause()
        assert "its E step" in str(app.screen.query_one("#resp-title", Label).content)


async def test_only_the_rows_on_screen_are_computed(monkeypatch):
    computed = []
    original = resp.row_texts

    def counting(x, order, model, lo, hi, **kwargs):
        computed.append(hi - lo)
        return original(x, order, model, lo, hi, **kwargs)

    monkeypatch.setattr(resp, "row_texts", counting)
    app = create_app(Scenario.build(n=100_000), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        assert 0 < sum(computed) <= 2 * resp.BLOCK
        await pilot.press("end")
        await pilot.pause()
        table = app.screen.query_one(ResponsibilityTable)
        assert visible_rows(table)[-1][0] == "100000"
        assert sum(computed) <= 4 * resp.BLOCK


async def test_opening_the_view_stops_a_run_at_the_iteration_it_shows():
    app = create_app(pace=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await until(pilot, lambda: app.session.t >= 2)
        await pilot.press("t")
        await settle(pilot)
        assert not app.running
        t = app.session.t
        assert f"iteration {t}" in str(app.screen.query_one("#resp-title", Label).content)
