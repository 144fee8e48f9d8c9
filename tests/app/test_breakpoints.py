"""The layout follows the terminal's size through the stylesheet's breakpoints (no sizes set in Python)."""

from __future__ import annotations

import pytest

from em_tui.tui import create_app
from em_tui.tui.app import MIN_HEIGHT, MIN_WIDTH, TALL_FROM, WIDE_FROM


@pytest.mark.parametrize("size, side, status", [
    ((MIN_WIDTH, MIN_HEIGHT), 35, 2),
    ((WIDE_FROM - 1, TALL_FROM - 1), 35, 2),
    ((WIDE_FROM, TALL_FROM), 40, 3),
    ((160, 50), 40, 3),
])
async def test_side_panel_and_status_line_follow_the_size(size, side, status):
    app = create_app(pace=0.0)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert app.query_one("#side").outer_size.width == side
        assert app.query_one("#status").outer_size.height == status


async def test_a_resize_moves_the_breakpoint_both_ways():
    app = create_app(pace=0.0)
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        assert app.screen.has_class("-narrow") and app.query_one("#side").outer_size.width == 35
        await pilot.resize_terminal(130, 40)
        await pilot.pause()
        assert app.screen.has_class("-wide", "-tall") and app.query_one("#side").outer_size.width == 40
        await pilot.resize_terminal(90, 26)
        await pilot.pause()
        assert app.screen.has_class("-narrow", "-short") and app.query_one("#status").outer_size.height == 2
