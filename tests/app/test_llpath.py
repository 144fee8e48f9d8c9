"""The LL path as a table (key l): t, LL[t], ΔLL and where LL fell, scrollable, beside the LL panel."""

from __future__ import annotations

from app_helpers import agrees_to_digits_shown, engine_run, settle

from em_tui.core import data
from em_tui.core.faults import FAULTS
from em_tui.session.llpath import FELL_MARK
from em_tui.tui.screens.llpath import LLPathScreen, LLPathTable

SIZE = (120, 40)


def shown_rows(screen) -> list[list[str]]:
    """The table's rows on screen, split on spaces."""
    table = screen.query_one(LLPathTable)
    lines = [table.render_line(y).text for y in range(table.size.height)]
    return [line.split() for line in lines if line.strip()]


async def open_path(pilot, *keys: str) -> LLPathScreen:
    await pilot.press(*keys, "l")
    await settle(pilot)
    assert isinstance(pilot.app.screen, LLPathScreen)
    return pilot.app.screen


async def test_the_table_is_the_ll_path_of_the_run_shown(make_app):
    app = make_app(seed=3)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_path(pilot, *["right"] * 6)
        start = app.session.start
        ref = engine_run(3, start.means, None, 6, start=start, x=data.simulate(3)).ll
        rows = shown_rows(screen)
        assert [int(r[0]) for r in rows] == list(range(7))
        assert all(agrees_to_digits_shown(r[1], ref[t]) for t, r in enumerate(rows))
        assert len(rows[0]) == 2  # no ΔLL before the first iteration
        assert all(agrees_to_digits_shown(r[2], ref[t] - ref[t - 1]) and r[2].startswith("+")
                   for t, r in enumerate(rows) if t)
        assert FELL_MARK not in " ".join(" ".join(r) for r in rows)
        # the words name LL[t] literally (brackets are not markup)
        assert "LL[t] after t iterations" in str(screen.query_one("#llpath-title").render())
        assert "ΔLL = LL[t] − LL[t−1]" in str(screen.query_one(".dialog-note").render())
        await pilot.press("l")
        await settle(pilot)
        assert app.screen is app.screen_stack[0] and app.session.t == 6


async def test_the_iterations_where_a_fault_made_ll_fall_are_marked(make_app):
    fault = next(iter(FAULTS))
    app = make_app(seed=3, fault=fault)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_path(pilot, *["right"] * 12)
        first = app.frame.alarm.iteration  # where the banner says LL fell
        rows = shown_rows(screen)
        marked = [int(r[0]) for r in rows if " ".join(r).endswith(FELL_MARK)]
        assert marked and marked[0] == first
        assert all(float(rows[t][2]) < 0 for t in marked)
        assert f"LL fell first at iteration {first}" in str(screen.query_one("#llpath-title").render())


async def test_a_long_path_scrolls_to_its_last_iteration(make_app):
    app = make_app(seed=0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_path(pilot, "G")
        last = app.session.t
        assert last > 60 and int(shown_rows(screen)[-1][0]) < last  # more rows than fit
        await pilot.press("end")
        await settle(pilot)
        assert int(shown_rows(screen)[-1][0]) == last
        await pilot.press("q")
        await settle(pilot)
        assert app.screen is app.screen_stack[0]
