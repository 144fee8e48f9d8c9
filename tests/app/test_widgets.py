"""The drawing helpers: axis ticks and the table's number formats."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from em_tui.session.session import Session
from em_tui.tui.widgets.plots import nice_ticks, tick_label
from em_tui.session.scenario import Scenario


@given(st.floats(-1e7, 1e7), st.floats(1e-3, 1e7), st.integers(1, 8))
def test_ticks_are_round_inside_the_range_and_not_too_many(lo, width, target):
    hi = lo + width
    ticks = nice_ticks(lo, hi, target)
    assert 1 <= len(ticks) <= target + 1
    # inside the range, up to a billionth of the range (a tick on the edge may round either way)
    assert all(lo - 1e-9 * (width + abs(lo)) <= t <= hi + 1e-9 * (width + abs(hi)) for t in ticks)
    if len(ticks) > 1:
        step = ticks[1] - ticks[0]
        scale = 10 ** math.floor(math.log10(step))
        mantissa = step / scale
        slack = 1e-6 + 1e-12 * (abs(lo) + abs(hi)) / scale  # the subtraction's own rounding
        assert any(abs(mantissa - m) < slack for m in (1, 2, 5, 10))


@pytest.mark.parametrize(
    "lo, hi, target, want",
    [(-540, -465, 3, [-540, -520, -500, -480]), (0, 0.25, 4, [0, 0.1, 0.2]), (0, 11, 6, [0, 2, 4, 6, 8, 10])],
)
def test_ticks_worked_examples(lo, hi, target, want):
    assert nice_ticks(lo, hi, target) == pytest.approx(want)


def test_tick_labels_carry_the_decimals_the_step_needs():
    assert tick_label(-470.5, 0.5) == "-470.5"
    assert tick_label(-2381676.6, 1000) == "-2,381,677"
    assert tick_label(0.1, 0.1) == "0.1"


def test_table_columns_hold_large_values():
    s = Session(Scenario.build(means=(1e6, 1.0)))
    rows = s.frame().table
    widths = {name: (len(est), len(true), len(err)) for name, est, true, err in rows}
    assert all(e <= 9 and t <= 8 and r <= 7 for e, t, r in widths.values()), widths
    big = Session(Scenario.build(n=1_000_000))
    assert all(len(est) <= 9 and len(true) <= 8 for _, est, true, _ in big.frame().table)


def test_claim_strip_colours_by_component_and_shades_by_certainty():
    from em_tui.core.model import Mixture
    from em_tui.session.view import claim_cells
    from em_tui.tui.colours import text_colour
    from em_tui.tui.widgets.plots import strip_text

    model = Mixture.create([0.5, 0.5], [4.0, 0.0], [1.0, 1.0])  # the engine's order is not the means' order
    cells = claim_cells(model, (-3.0, 7.0), 40)
    assert cells[0].rank == 0 and cells[-1].rank == 1  # numbered by mean, not in the engine's order
    strip = strip_text(cells)
    assert strip.cell_len == 40
    chars = strip.plain
    assert chars[0] == "█" and chars[-1] == "█"
    spans = {span.start: str(span.style) for span in strip.spans}
    assert spans[0] == text_colour(0) and spans[39] == text_colour(1)  # left: the component with the smaller mean
    middle = chars[19:21]  # columns 19 and 20 straddle x = 2, where both claim alike
    assert set(middle) <= set("░▒")


async def test_the_strip_spans_the_plot_canvas():
    from em_tui.tui import create_app

    app = create_app(pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right")
        await pilot.pause()
        mixture = app.query_one("#mixture")
        plain = app.query_one("#strip").plain
        assert plain.startswith(" " * mixture.canvas_left)
        assert len(plain) == mixture.size.width - 1
        assert set(plain.strip()) <= set("█▓▒░12")  # the shades, and each component's number


def test_a_large_sd_is_rounded_to_fit_its_column_never_cut_off():
    from em_tui.core import data as data_mod
    from em_tui.core.model import Mixture

    values = "0 1 2 3 60000 60001 60002 60003"
    start = Mixture.create([1.0], [30001.5], [26937.4])  # the galaxies' sd in km/s is of this size
    s = Session(Scenario.build(means=None, dataset=data_mod.from_text(values), k=1, start=start))
    (_, _, mu, sd, _), = s.frame().table
    assert sd.strip() == "26937.4" and len(sd) <= 7  # once shown as '2.694e+'
    assert mu.strip() == "30001.500" and len(mu) <= 9
