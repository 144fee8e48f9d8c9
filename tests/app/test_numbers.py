"""Colour is never the only way to tell the components apart: each curve's number at its peak, the
legend, the strip's numbers; and what is drawn is drawn in the palette (tui/colours.py)."""

from __future__ import annotations

import numpy as np
import pytest
from rich.color import Color

from em_tui.core import data as data_mod
from em_tui.core.model import Mixture
from em_tui.session.scenario import Scenario
from em_tui.session.view import claim_cells
from em_tui.tui import create_app
from em_tui.tui.colours import ESTIMATE, plot_colour, text_colour
from em_tui.tui.widgets.plots import numbered_cells, spread_labels, strip_text


def triplet(style) -> tuple[int, int, int] | None:
    colour = None if style is None else style.color
    return None if colour is None or colour.triplet is None else tuple(colour.triplet)


def drawn(widget) -> list[list[tuple[str, tuple[int, int, int] | None, int]]]:
    """Each line of a widget as (text, foreground RGB, first column) runs."""
    lines = []
    for y in range(widget.size.height):
        col, runs = 0, []
        for seg in widget.render_line(y):
            runs.append((seg.text, triplet(seg.style), col))
            col += len(seg.text)
        lines.append(runs)
    return lines


def numbers_on(plot) -> dict[int, tuple[int, int]]:
    """{component number: (row, column)} of the numbers written in a component's colour."""
    found = {}
    for row, runs in enumerate(drawn(plot)):
        for text, rgb, col in runs:
            for i, ch in enumerate(text):
                if ch.isdigit() and 1 <= int(ch) <= 8 and rgb == plot_colour(int(ch) - 1):
                    found.setdefault(int(ch), (row, col + i))
    return found


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_each_component_curve_carries_its_number_over_its_peak(size):
    app = create_app(Scenario.build(seed=5, means=(-1.0, 5.0)), pace=0.0)
    async with app.run_test(size=size) as pilot:
        await pilot.press("right", "right")
        await pilot.pause()
        plot, frame = app.query_one("#mixture"), app.frame
        marks = numbers_on(plot)
        assert set(marks) == {1, 2}, marks
        left, columns = plot.canvas_at()
        lo, hi = frame.backdrop.x_limits
        for number, (row, col) in marks.items():
            comp = frame.components[number - 1]
            peak_x = frame.backdrop.grid[int(np.argmax(comp))]
            assert abs(col - (left + (peak_x - lo) / (hi - lo) * columns)) <= 2
            assert 1 <= row < plot.size.height - 2  # inside the canvas, above the x axis
        assert marks[1][1] < marks[2][1]  # numbered by mean, left to right


async def test_the_legend_names_each_component_by_its_number():
    app = create_app(Scenario.build(seed=5, means=(-1.0, 5.0)), pace=0.0)
    async with app.run_test(size=(120, 45)) as pilot:
        await pilot.pause()
        text = "\n".join("".join(t for t, _, _ in runs) for runs in drawn(app.query_one("#mixture")))
        assert "π1·N1" in text and "π2·N2" in text


async def test_eight_components_each_have_a_number_and_their_palette_colour():
    app = create_app(Scenario.build(dataset=data_mod.load_dataset("galaxies"), k=8), pace=0.0)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press(*["right"] * 5)
        await pilot.pause()
        plot = app.query_one("#mixture")
        colours = {rgb for runs in drawn(plot) for _, rgb, _ in runs}
        assert {plot_colour(i) for i in range(8)} | {ESTIMATE} <= colours
        assert len(numbers_on(plot)) >= 6  # numbers of components whose peaks share a cell are joined ("2,3")
        table = app.query_one("#table").content
        shown = {Color.parse(str(span.style)).triplet for span in table.spans if str(span.style).startswith("#")}
        assert {plot_colour(i) for i in range(8)} <= {tuple(t) for t in shown}


def test_the_strip_writes_each_components_number_in_the_stretch_it_claims():
    model = Mixture.create([0.5, 0.5], [4.0, 0.0], [1.0, 1.0])
    cells = claim_cells(model, (-3.0, 7.0), 40)
    text = strip_text(cells)
    chars = text.plain
    assert chars.count("1") == 1 and chars.count("2") == 1
    one, two = chars.index("1"), chars.index("2")
    assert one < 19 < 21 < two  # each in its own half, left of x = 2 the component with the smaller mean
    styles = {span.start: span.style for span in text.spans}
    for col, rank in ((one, 0), (two, 1)):
        style = styles[col]
        assert tuple(Color.parse(str(style).split(" on ")[1]).triplet) == plot_colour(rank)
    assert set(chars) - {"1", "2"} <= set("█▓▒░")


def test_a_stretch_too_short_for_a_number_keeps_its_shade():
    from em_tui.session.frame import Cell

    cells = (tuple(Cell("█", r) for r in (0, 0, 1, 1, 1, 1, 0)) + (Cell("!", -1),)
             + tuple(Cell("▓", 2) for _ in range(3)))
    assert numbered_cells(cells) == {4, 9}


def test_numbers_that_would_meet_share_a_label_or_move_apart():
    # 40 columns over 0..40: one column per unit
    assert spread_labels([10.0, 10.2, 30.0], 0.0, 40.0, 40) == [("1,2", 9.5, 0), ("3", 30.5, 2)]
    labels = spread_labels([10.0, 11.5], 0.0, 40.0, 40)
    assert [t for t, _, _ in labels] == ["1", "2"] and labels[1][1] - labels[0][1] >= 2  # a space between
    assert spread_labels([39.9], 0.0, 40.0, 40, numbers=[4]) == [("5", 39.5, 4)]  # the right edge holds it


async def test_the_table_names_components_by_number_in_their_colour():
    app = create_app(Scenario.build(seed=5, means=(-1.0, 5.0)), pace=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        content = app.query_one("#table").content
        for span in content.spans:
            name = content.plain[span.start:span.end]
            if name.startswith(("π", "μ", "σ", "N")):
                assert str(span.style) == text_colour(int(name[1]) - 1)
