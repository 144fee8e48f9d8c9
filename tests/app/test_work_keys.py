"""The point mode (w), the responsibilities view's cursor, the worked screen's sections and its check
field, a fault's faulty line, 80×24 and a large N."""

from __future__ import annotations

import numpy as np
import pytest

from app_helpers import settle

from em_tui.core.data import from_text
from em_tui.core.model import Mixture
from em_tui.errors import Refused
from em_tui.session.scenario import Scenario
from em_tui.session.workview import FAULTY
from em_tui.tui import create_app
from em_tui.tui.screens.resp import ResponsibilityScreen, ResponsibilityTable
from em_tui.tui.screens.work import BLOCK, WorkScreen, WorkTable
from em_tui.core import work

SIX = "1.1 1.3 0.9 5.2 4.8 5.0"  # by x: 0.9 (point 3), 1.1 (1), 1.3 (2), 4.8 (5), 5.0 (6), 5.2 (4)


def six(fault=None):
    return create_app(Scenario.build(dataset=from_text(SIX), k=2, fault=fault), pace=0.0)


async def start(app, pilot):
    app.session.set_start(2, "user", start=Mixture.create([0.5, 0.5], [1.0, 5.0], [1.0, 1.0]))
    app.show(app.session.last)
    await pilot.pause()


def strip(app) -> str:
    return app.query_one("#strip").plain


async def test_point_mode_moves_the_mark_by_x_and_leaves():
    app = six()
    async with app.run_test(size=(100, 30)) as pilot:
        await start(app, pilot)
        assert "▲" not in strip(app)
        await pilot.press("w")
        assert app.pointing and app.session.marked == 4  # the middle by x: 4.8, point 5
        assert app.frame.status.startswith("point 5 (x = 4.8), 4 of 6 by x: Enter shows its E step, ←/→ move")
        assert "w leaves" in app.frame.status
        assert strip(app).count("▲") == 1 and app.frame.marked_x == 4.8
        await pilot.press("right")
        assert app.session.marked == 5 and app.frame.t == 0  # 5.0, point 6; EM did not step
        await pilot.press("left", "left")
        assert app.session.marked == 1  # 1.3, point 2
        await pilot.press("home")
        assert app.session.marked == 2 and app.frame.t == 0  # 0.9, point 3
        await pilot.press("left")
        assert app.session.marked == 2  # the first stays the first
        await pilot.press("end")
        assert app.session.marked == 3  # 5.2, point 4
        await pilot.press("pageup")
        assert app.session.marked == 2  # 10 back: clamped to the first
        await pilot.press("pagedown")
        assert app.session.marked == 3
        await pilot.press("escape")
        assert not app.pointing and app.session.marked is None and "▲" not in strip(app)
        await pilot.press("right")  # → steps EM again
        assert app.frame.t == 1
        await pilot.press("w")
        assert app.pointing
        await pilot.press("w")
        assert not app.pointing and app.frame.status == "no point marked"


async def test_the_other_step_keys_are_refused_and_other_em_keys_leave_first():
    app = six()
    async with app.run_test(size=(100, 30)) as pilot:
        await start(app, pilot)
        await pilot.press("w")
        for key in ("n", "space", "b", "0"):  # step keys the point mode does not use: refused, nothing moves
            await pilot.press(key)
            assert app.pointing and app.session.marked == 4 and app.frame.t == 0
            assert app.frame.refused and app.frame.status == ("✗ point mode: ←/→ move the mark, Enter works it "
                                                              "out; w or Esc leaves it, then the EM keys step again")
        await pilot.press("e")  # another EM key: the point mode is left, then the E step is done
        assert not app.pointing and app.session.marked is None and app.frame.half
        await pilot.press("w", "m")
        assert not app.pointing and app.frame.t == 1 and app.frame.status.startswith("M step: iteration 1 done")
        await pilot.press("w", "g")
        await settle(pilot)
        assert not app.pointing and app.frame.t > 1


async def test_the_footer_shows_the_point_keys_only_in_point_mode():
    app = six()
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await settle(pilot)
        footer = app.query_one("KeyFooter")
        assert "point_next" not in footer.shown and "step" in footer.shown and "work" in footer.shown
        await pilot.press("w")
        await settle(pilot)
        assert footer.shown[:3] == ["point_open", "point_next", "point_prev"] and "step" not in footer.shown


async def test_mark_point_api_refuses_a_bad_index_and_keeps_the_mark():
    app = six()
    async with app.run_test(size=(100, 30)) as pilot:
        s = app.session
        s.mark_point(2)
        app.show(s.last)
        await pilot.pause()
        assert app.frame.marked == 2 and app.frame.status == "point 3 (x = 0.9), 1 of 6 by x: marked ▲ on the strip"
        for bad in (-1, 6, 1.5, "2"):
            with pytest.raises(Refused, match="the point must be a whole number from 1 to 6"):
                s.mark_point(bad)
            assert s.marked == 2
        with pytest.raises(Refused, match="the point must be a whole number from 1 to 6, got 7"):
            s.mark_point(6)
        s.restart(seed=3)  # new start: the mark goes
        assert s.marked is None


async def test_the_responsibilities_cursor_opens_its_point():
    app = six()
    async with app.run_test(size=(100, 30)) as pilot:
        await start(app, pilot)
        await pilot.press("t", "down", "down")
        assert isinstance(app.screen, ResponsibilityScreen)
        table = app.screen.query_one(ResponsibilityTable)
        assert table.cursor == 2 and table.cursor_point == 1  # third by x: 1.3, point 2
        await pilot.press("up")
        assert table.cursor == 1
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, WorkScreen) and app.screen.index == 1
        assert "point 2 (x = 1.3)" in app.screen.query_one("#work-e-text").content.plain
        await pilot.press("escape")
        assert isinstance(app.screen, ResponsibilityScreen)


async def test_the_cursor_scrolls_with_it_on_many_points():
    app = create_app(Scenario.build(n=500), pace=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("t", "end")
        table = app.screen.query_one(ResponsibilityTable)
        assert table.cursor == 499 and table.render_line(table.size.height - 1).text.split()[0] == "500"
        await pilot.press("home", "pagedown")
        assert table.cursor == table.size.height and table.scroll_offset.y > 0


async def check(pilot, app, text: str) -> str:
    await pilot.press("c")
    field = app.screen.query_one("#work-check")
    field.value = ""
    await pilot.press(*text, "enter")
    await settle(pilot)
    return app.screen.verdict


@pytest.mark.parametrize("typed, verdict", [
    ("mu1 1.10", "✓ right: μ_1 after iteration 1 = 1.1 (to 6 digits: 1.1015)"),
    ("σ₂ 0.188", "✓ right: σ_2 after iteration 1 = 0.188 (to 6 digits: 0.188454)"),
    ("gamma1 0.0002", "✓ right: γ[point 4, component 1] at iteration 0 = 0.0002 (to 6 digits: 0.00015071)"),
    ("N1 3", "✓ right: N_1 after iteration 1 = 3 (to 6 digits: 2.99939)"),
    ("pi2 0.5", "✓ right: π_2 after iteration 1 = 0.5 (to 6 digits: 0.500101)"),
    ("LL -9.76", "✓ right: LL[0] = -9.76 (to 6 digits: -9.76444)"),  # LL: at the parameters shown
    ("LL1 -1.88", "✓ right: LL[1] = -1.88 (to 6 digits: -1.88427)"),
    ("LL -4.24", "✗ wrong: LL[0] = -4.24; the correct value is -9.76444 (log10, not the natural log)"),
    ("sigma2 0.0355", "✗ wrong: σ_2 after iteration 1 = 0.0355; the correct value is 0.188454 "
                      "(σ² for σ: the square root was forgotten)"),
    ("mu1 0.55", "✗ wrong: μ_1 after iteration 1 = 0.55; the correct value is 1.1015 (divided by N instead of N_k)"),
    ("mu1 3.30", "✗ wrong: μ_1 after iteration 1 = 3.3; the correct value is 1.1015 "
                 "(Σ_i γ_ik x_i not divided by N_k)"),
    ("pi1 3", "✗ wrong: π_1 after iteration 1 = 3; the correct value is 0.499899 (N_k, not divided by N)"),
    ("LL1 -9.76", "✗ wrong: LL[1] = -9.76; the correct value is -1.88427 (LL[0], at the parameters before the step)"),
    ("mu2 1.10", "✗ wrong: μ_2 after iteration 1 = 1.1; the correct value is 4.99771 (another component's value)"),
    ("gamma1 0.5", "✗ wrong: γ[point 4, component 1] at iteration 0 = 0.5; the correct value is 0.00015071"),
])
async def test_the_check_field_grades_and_names_the_slip(typed, verdict):
    app = six()
    async with app.run_test(size=(100, 30)) as pilot:
        await start(app, pilot)
        await pilot.press("w", "end", "enter")
        await settle(pilot)
        assert await check(pilot, app, typed) == verdict
        assert "right within ±1 in the 3rd significant digit" in app.screen.query_one("#work-note").content.plain


@pytest.mark.parametrize("typed, error", [
    ("mu1 abc", "✗ 'abc' is not a number"),
    ("mu1 [red]", "✗ '[red]' is not a number"),  # shown as typed, never as markup
    ("[red]x 1", "✗ not a quantity and a number"),
    ("x1 2", "✗ no quantity is called 'x'"),
    ("mu9 1", "✗ component 9 is not one of 1 to 2"),
    ("mu 1", "✗ which component?"),
    ("mu1", "✗ your number is missing: type it after the name, e.g. mu1 1.10"),
    ("LL5 1", "✗ this screen works out LL[0] and LL[1]"),
])
async def test_bad_input_in_the_check_field_is_said_and_changes_nothing(typed, error):
    app = six()
    async with app.run_test(size=(100, 30)) as pilot:
        await start(app, pilot)
        await pilot.press("w", "end", "enter")
        await settle(pilot)
        assert (await check(pilot, app, "N1 3")).startswith("✓ right: N_1 after iteration 1 = 3")
        await check(pilot, app, typed)
        assert app.screen.query_one(".dialog-error").content.plain.startswith(error)
        # the last verdict is taken away (it is not the answer to what was typed now)
        assert app.screen.verdict == "" and str(app.screen.query_one("#work-verdict").content) == ""
        assert app.session.t == 0 and isinstance(app.screen, WorkScreen)


@pytest.mark.parametrize("fault, section, faulty", [
    ("unnormalised", "#work-e-text", "γ1 = π1 N1, not divided by p(x)"),
    ("unnormalised", "#work-m-text", "N1 = Σ_i w_i1"),
    ("divide-by-n", "#work-m-text", "σ1² = Σ γ(x − μ1)² / N ="),
    ("forgot-sqrt", "#work-m-text", "σ1 = σ1² ="),
])
async def test_a_faults_worked_numbers_mark_its_faulty_line(fault, section, faulty):
    app = six(fault)
    async with app.run_test(size=(100, 30)) as pilot:
        await start(app, pilot)
        await pilot.press("w", "enter")
        await settle(pilot)
        text = app.screen.query_one(section).content.plain.replace("\u00a0", " ")
        marked = [ln.strip() for ln in text.splitlines() if ln.rstrip().endswith(FAULTY)]
        assert marked
        assert any(ln.startswith(faulty) for ln in marked), marked
        assert f"fault {fault}: its code's numbers, ✗ the wrong line" in app.screen.query_one("#work-title").content.plain


async def test_under_a_fault_the_faulty_codes_number_is_graded_wrong():
    app = six("forgot-sqrt")
    async with app.run_test(size=(100, 30)) as pilot:
        await start(app, pilot)
        await pilot.press("w", "enter")
        await settle(pilot)
        faulty_sd = app.screen.worked.step().components[0].sd  # the fault's σ1: the variance
        verdict = await check(pilot, app, f"sigma1 {faulty_sd:.4g}")
        assert verdict.startswith("✗ wrong") and "(σ² for σ: the square root was forgotten)" in verdict


async def test_the_worked_screen_fits_80x24():
    app = six()
    async with app.run_test(size=(80, 24)) as pilot:
        await start(app, pilot)
        await pilot.press("w", "enter")
        await settle(pilot)
        screen = app.screen
        for selector in ("#work-title", "#work-e", "#work-check", "#work-verdict", "#work-note"):
            region = screen.query_one(selector).region
            assert region.height >= 1 and region.right <= 80 and region.bottom <= 23, (selector, region)
        assert screen.query_one("#work-e").region.height >= 8
        for key, section in (("m", "m"), ("t", "t"), ("e", "e")):
            await pilot.press(key)
            assert screen.section == section


async def test_a_large_n_computes_only_the_table_rows_on_screen():
    app = create_app(Scenario.build(n=100_000), pace=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("w", "enter")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        table = app.screen.query_one(WorkTable)
        assert 0 < table.computed <= BLOCK
        await pilot.press("end")
        await pilot.pause()
        last = table.render_line(table.size.height - 2).text.split()  # the last line holds the column sums
        assert last[0] == "100000" and table.computed <= 3 * BLOCK
        w = app.screen.worked
        [row] = work.table_rows(w.data.x, w.model, 99_999, 100_000)
        assert float(last[1]) == float(f"{row.x:.6g}")
        sums = table.render_line(table.size.height - 1).text
        assert sums.split()[0] == "Σ"
        n1, n2 = (float(v) for v in sums.split()[-2:])
        assert abs(n1 + n2 - 100_000) < 1  # Σ_k N_k = N, from the chunked column sums
        assert np.isfinite(n1)


async def test_on_a_built_in_data_set_the_components_are_numbered_by_mean():
    from em_tui.core.data import load_dataset

    app = create_app(Scenario.build(dataset=load_dataset("galaxies"), k=3), pace=0.0)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("right", "right", "w", "enter")
        await settle(pilot)
        screen = app.screen
        text = screen.query_one("#work-e-text").content.plain.replace("\u00a0", " ")
        heads = [ln for ln in text.splitlines() if ln.startswith("component ")]
        means = [float(h.split("μ")[1].split("=")[1].split(",")[0]) for h in heads]
        assert len(means) == 3 and means == sorted(means)
        params = app.session.trajectory.params(2)
        assert means == [float(f"{v:.6g}") for v in np.sort(params.means)]
        index = screen.index
        pw = work.point_work(float(app.session.data.x[index]), index, params.sorted_by_mean())
        for k, c in enumerate(pw.components, start=1):
            assert f"γ{k} = π{k} N{k} / p(x) = {c.weighted:.6g} / {pw.density:.6g} = {c.responsibility:.6g}" in text
        verdict = await check(pilot, app, f"mu3 {screen.worked.step().components[2].mean:.4g}")
        assert verdict.startswith("✓ right: μ_3 after iteration 3")


def test_a_point_far_from_every_component_is_worked_out_in_the_log_domain():
    from em_tui.core.prepared import prepare
    from em_tui.session.workview import Worked, e_lines

    x = np.array([0.0, 0.1, 1.0, 1.1, 100.0])
    model = Mixture.create([0.5, 0.5], [0.0, 1.0], [0.1, 0.1])
    w = Worked(prepare(x), model, 0, False, None, lambda s: model)
    text = "\n".join(str(line) for line in e_lines(w, 4))
    # by hand: z = 1000 and 990, exponents −500000 and −490050: both densities are 0 in double precision;
    # l2 − l1 = 9950, so γ1 = exp(−9950) / (1 + exp(−9950)) = 0 and γ2 = 1
    assert "p(x) = Σ_k π_k N_k = 0 + 0 = 0" in text
    assert "γ_k = 0 / 0 in this form" in text and "gives each γ_k: γ1 = 0, γ2 = 1" in text
    assert "  shift s = max_k l_k = -490049" in text  # log 0.5 − log 0.1 − 0.918939 − 490050 = −490049.3
    assert "nan" not in text


async def test_a_wide_table_scrolls_sideways_with_its_head_and_sums():
    from em_tui.core.data import load_dataset

    app = create_app(Scenario.build(dataset=load_dataset("galaxies"), k=6), pace=0.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("w", "enter", "t")
        await settle(pilot)
        table = app.screen.query_one(WorkTable)
        head = table.render_line(0).text
        assert head.split()[:3] == ["point", "x", "π1N1"] and "γ6" not in head  # K = 6: wider than 80
        for _ in range(120):  # to the right edge
            await pilot.press("right")
        await pilot.pause()
        assert table.scroll_offset.x > 0
        moved = table.render_line(0).text
        assert "γ6" in moved and "point" not in moved
        last = table.render_line(table.size.height - 1).text.split()
        assert len(last) >= 3 and all(float(v) >= 0 for v in last[-6:])  # the Σγ columns: N_1..N_6


def test_equal_values_are_passed_in_the_datas_order():
    from em_tui.session.session import Session

    s = Session(Scenario.build(dataset=from_text("2 1 2 3 2"), k=2))
    s.move_mark(0)                     # the middle by x: sorted 1, 2, 2, 2, 3 → the second 2 (point 3)
    assert (s.marked, s.mark_place()) == (2, 3)
    assert s.move_mark(-1).index == 0  # the first 2 (point 1)
    assert s.move_mark(2).index == 4   # past point 3 to the last 2 (point 5)
    assert s.move_mark("last").index == 3 and s.move_mark("first").index == 1
    assert s.frame().marked == 1 and s.frame().marked_x == 1.0


async def test_in_the_half_state_the_worked_e_step_is_the_one_just_done():
    app = six()
    async with app.run_test(size=(100, 30)) as pilot:
        await start(app, pilot)
        await pilot.press("right", "e", "w", "enter")
        await settle(pilot)
        text = app.screen.query_one("#work-e-text").content.plain
        assert text.startswith("E step at point 5 (x = 4.8) with the parameters of iteration 1 (the E step just done)")
        assert app.session.half and "M step to 2" in app.screen.query_one("#work-title").content.plain


async def test_esc_in_the_check_field_leaves_the_field_and_esc_again_closes():
    app = six()
    async with app.run_test(size=(100, 30)) as pilot:
        await start(app, pilot)
        await pilot.press("w", "end", "enter")
        await settle(pilot)
        await pilot.press("c", *"mu1 1.1", "escape")
        await settle(pilot)
        assert isinstance(app.screen, WorkScreen) and app.focused is not app.screen.query_one("#work-check")
        assert app.screen.query_one("#work-check").value == "mu1 1.1"  # what was typed stays
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, WorkScreen)
