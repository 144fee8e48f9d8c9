"""The layout follows the terminal's size through the stylesheet's breakpoints (no sizes set in Python)."""

from __future__ import annotations

import pytest
from app_helpers import rendered
from textual.widgets import Static

from em_tui.core.data import load_dataset
from em_tui.session.scenario import Scenario
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


# -- the claim strip follows the plot's canvas through every resize ---------------------------------
async def strip_matches_the_canvas(app) -> None:
    from em_tui.session.view import claim_cells
    from em_tui.tui.widgets.plots import strip_text

    mixture, frame = app.query_one("#mixture"), app.frame
    left, columns = mixture.canvas_at()
    assert (frame.strip_left, len(frame.strip)) == (left, columns)
    want = claim_cells(frame.params, frame.backdrop.x_limits, columns, None)
    drawn = app.query_one("#strip").render_line(0).text
    assert drawn == (" " * left + strip_text(want).plain).ljust(mixture.size.width)


async def test_the_claim_strip_is_drawn_again_at_every_size():
    app = create_app(Scenario.build(seed=4), pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "right")
        await pilot.pause()
        await strip_matches_the_canvas(app)
        for size in [(90, 30), (MIN_WIDTH, MIN_HEIGHT), (160, 50), (100, 26)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            await strip_matches_the_canvas(app)
        await pilot.press("question_mark")  # resized under a dialog: drawn again once it closes
        await pilot.pause()
        await pilot.resize_terminal(130, 36)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await strip_matches_the_canvas(app)
        await pilot.resize_terminal(60, 20)  # too small, then large again
        await pilot.pause()
        await pilot.resize_terminal(110, 32)
        await pilot.pause()
        await strip_matches_the_canvas(app)


# -- 80×24: the smallest terminal keeps everything on screen --------------------------------------------
#: The fewest rows each plot keeps at 80×24 (a canvas of 6 rows for the mixture, 2 for the LL path)
MIXTURE_ROWS, LL_ROWS = 10, 6


def lines_shown(widget) -> int:
    return len(rendered(widget, widget.content_region.width).rstrip("\n").splitlines())


@pytest.mark.parametrize("scenario", [
    lambda: Scenario.build(seed=4, fault="unnormalised"),
    lambda: Scenario.build(dataset=load_dataset("galaxies"), k=8, fault="unnormalised"),
], ids=["lesson", "eight-components"])
async def test_at_80x24_with_the_banner_on_the_table_keeps_its_last_row(scenario):
    app = create_app(scenario(), pace=0.0)
    async with app.run_test(size=(MIN_WIDTH, MIN_HEIGHT)) as pilot:
        await pilot.press(*["right"] * 6)
        await pilot.pause()
        banner, table, side = (app.query_one(s) for s in ("#banner", "#table", "#side"))
        assert app.frame.banner and banner.region.height >= 1
        assert table.region.bottom <= side.region.bottom <= app.query_one("#status").region.y
        assert table.region.height >= lines_shown(table)  # every line, the last summary line included
        shown = rendered(table, table.content_region.width).rstrip("\n").splitlines()
        assert shown[-1].split()[0] == app.frame.summary[-1].split()[0]
        assert app.query_one("#mixture").region.height >= MIXTURE_ROWS
        assert app.query_one("#llplot").region.height >= LL_ROWS


def on_screen(screen) -> None:
    """Every part of ``screen`` shown whole, above its footer."""
    from textual.widgets import DataTable, Footer

    footer = screen.query_one(Footer).region
    assert footer.height == 1 and footer.bottom <= screen.size.height
    for widget in screen.children:
        if not widget.display or isinstance(widget, Footer):
            continue
        region = widget.region
        assert region.height >= 1 and region.bottom <= footer.y and region.right <= screen.size.width, widget
        if isinstance(widget, DataTable):
            assert region.height >= widget.row_count + 1  # the header and every row
        elif isinstance(widget, Static):
            assert region.height >= lines_shown(widget), widget  # no line of the words cut off


@pytest.mark.parametrize("key, scenario", [
    ("k", lambda: Scenario.build(seed=4, fault="unnormalised")),
    ("k", lambda: Scenario.build(dataset=load_dataset("galaxies"), k=3)),
    ("o", lambda: Scenario.build(dataset=load_dataset("galaxies"), k=3, fault="unnormalised")),
    ("c", lambda: Scenario.build(dataset=load_dataset("galaxies"), k=8)),
], ids=["choose-k-lesson", "choose-k-galaxies", "optima-galaxies", "compare-eight"])
async def test_the_search_screens_fit_80x24(key, scenario):
    app = create_app(scenario(), pace=0.0)
    async with app.run_test(size=(MIN_WIDTH, MIN_HEIGHT)) as pilot:
        await pilot.press(key)
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert screen is not app.screen_stack[0]
        on_screen(screen)
        plots = [w for w in screen.query(".search-plot, .cmp-plot")]
        assert plots and all(p.region.height >= 6 for p in plots)
