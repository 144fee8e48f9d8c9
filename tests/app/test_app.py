"""The simulator driven with the keyboard: every key, the fields, the banner, the run."""

from __future__ import annotations

import pytest
from app_helpers import assert_table_matches_engine, banner, engine_run, settle, status, table_values, until

from em_tui.tui.screens.choice import ChoiceScreen
from em_tui.tui.screens.help import HelpScreen
from em_tui.core import data

SIZE = (120, 40)


async def test_start_screen_shows_the_default_scenario(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        s = app.session
        assert (s.seed, s.means, s.t, s.half, s.fault) == (data.DEFAULT_SEED, (1.0, 3.0), 0, False, None)
        assert_table_matches_engine(app)
        shown = table_values(app)
        assert shown["π1"] == "0.500" and shown["μ1"] == "1.000" and shown["σ2"] == "1.500"
        assert banner(app) is None
        assert app.query_one("#in-seed").value == str(data.DEFAULT_SEED) and app.query_one("#in-t").value == "0"


@pytest.mark.parametrize("key", ["right", "n", "space"])
async def test_forward_keys_run_one_iteration(make_app, key):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key, key)
        assert app.session.t == 2
        assert_table_matches_engine(app)
        assert app.query_one("#in-t").value == "2"


@pytest.mark.parametrize("key", ["left", "b"])
async def test_back_keys_go_back_from_the_record(make_app, key):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", "right", key)
        assert app.session.t == 2
        assert app.session.trajectory.iterations == 3  # nothing recomputed or thrown away
        assert_table_matches_engine(app)


async def test_back_at_iteration_0_is_refused_and_changes_nothing(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("left")
        assert app.session.t == 0
        assert "already at iteration 0" in status(app)
        assert_table_matches_engine(app)


@pytest.mark.parametrize("key", ["home", "0"])
async def test_home_keys_return_to_iteration_0(make_app, key):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", "right", "right", key)
        assert app.session.t == 0
        assert_table_matches_engine(app)


async def test_e_then_m_is_one_iteration_in_two_halves(make_app):
    app = make_app(seed=0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", "e")
        s = app.session
        assert (s.t, s.half) == (2, True)
        shown = table_values(app)
        run = engine_run(0, (1.0, 3.0), None, 3)
        # the parameters have not moved ...
        assert_table_matches_engine(app)
        # ... but N_k are the E step's soft counts at the parameters of t = 2, which the M step turns into pi(3) * N
        nk = run.nk(2)
        order = run.params(2).means.argsort()
        assert shown["N1"] == f"{nk[order[0]]:.1f}"
        assert shown["t"] == "2"
        assert "press m" in status(app).lower()
        assert app.frame.split is not None
        await pilot.press("m")
        assert (s.t, s.half) == (3, False)
        assert_table_matches_engine(app)
        p3 = run.params(3)
        assert table_values(app)["π1"] == f"{p3.weights[p3.means.argsort()[0]]:.3f}"


async def test_m_before_e_and_e_twice_are_refused(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        assert app.session.t == 0 and not app.session.half
        assert "press e first" in status(app)
        await pilot.press("e", "e")
        assert app.session.t == 0 and app.session.half
        assert "already" in status(app) or "is done" in status(app)
        await pilot.press("left")  # undo the E step
        assert app.session.t == 0 and not app.session.half
        assert_table_matches_engine(app)


async def test_run_to_convergence_matches_the_engine(make_app):
    app = make_app(seed=0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        ref = engine_run(0, (1.0, 3.0), None, 10_000)
        assert ref.converged
        assert app.session.t == ref.iterations
        assert table_values(app)["converged:"] == "yes"
        assert_table_matches_engine(app)
        assert not app.running
        await pilot.press("right")  # nothing after convergence
        assert app.session.t == ref.iterations
        assert "converged at iteration" in status(app)


@pytest.mark.parametrize("stop_key", ["g", "escape"])
async def test_run_to_convergence_can_be_interrupted(make_app, stop_key):
    app = make_app(pace=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await until(pilot, lambda: app.session.t >= 2)  # the run is under way
        assert app.running
        await pilot.press(stop_key)
        await pilot.pause()
        assert not app.running
        t = app.session.t
        assert 0 < t < engine_run(0, (1.0, 3.0), None, 10_000).iterations
        await settle(pilot)  # the run's worker has ended: nothing can move t any more
        assert all(w.is_finished for w in app.workers) and app.session.t == t
        assert_table_matches_engine(app)
        assert "stopped at iteration" in status(app)


async def test_keys_answer_while_running(make_app):
    app = make_app(pace=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await until(pilot, lambda: app.session.t >= 2)
        await pilot.press("home")  # any move stops the run first
        await settle(pilot)
        assert not app.running and app.session.t == 0
        assert_table_matches_engine(app)


async def test_banner_fires_with_a_teaching_fault_and_stays_until_reset(make_app):
    app = make_app(seed=0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("2")  # forgot-sqrt
        assert app.session.fault == "forgot-sqrt" and app.session.t == 0
        ref = engine_run(0, (1.0, 3.0), "forgot-sqrt", 30)
        dec = ref.decrease
        assert dec is not None
        for _ in range(dec.iteration - 1):
            await pilot.press("right")
        assert banner(app) is None  # not yet: LL has not fallen so far
        await pilot.press("right")
        text = banner(app)
        assert text is not None and f"iteration {dec.iteration}" in text and f"{dec.amount:.4g}" in text
        await pilot.press("home")
        assert banner(app) is not None  # stays while the run is the same
        await pilot.press("f", "1")  # back to correct EM: a new run
        assert app.session.fault is None and banner(app) is None


async def test_banner_never_fires_without_a_fault(make_app):
    for means in [(1.0, 3.0), (2.0, 2.0), (-2.0, 7.0)]:
        app = make_app(means=means)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("g")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.session.at_end
            assert banner(app) is None


async def test_new_seed_draws_new_data_and_restarts(make_app):
    app = make_app(seed=0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", "r")
        assert app.session.seed == 1 and app.session.t == 0
        assert (app.session.data.x == data.simulate(1)).all()
        assert app.query_one("#in-seed").value == "1"
        assert_table_matches_engine(app)


@pytest.mark.parametrize("choice, means", [("1", (1.0, 3.0)), ("2", (2.0, 2.0)), ("3", (-2.0, 7.0))])
async def test_presets(make_app, choice, means):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "p", choice)
        assert app.session.means == means and app.session.t == 0
        assert_table_matches_engine(app)
        assert app.query_one("#in-mu1").value == f"{means[0]:g}"


async def test_choice_screens_cancel_with_escape(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "p", "escape", "f", "9", "escape")
        assert not isinstance(app.screen, ChoiceScreen)
        assert app.session.t == 1 and app.session.means == (1.0, 3.0) and app.session.fault is None


async def type_into(pilot, field: str, text: str) -> None:
    app = pilot.app
    inp = app.query_one(f"#in-{field}")
    inp.focus()
    await pilot.pause()
    inp.value = ""
    for ch in text:
        await pilot.press(ch if ch != "-" else "minus")
    await pilot.press("enter")
    await pilot.pause()


async def test_typed_start_means_restart_the_run(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right")
        await type_into(pilot, "mu1", "-2")
        await type_into(pilot, "mu2", "7.5")
        assert app.session.means == (-2.0, 7.5) and app.session.t == 0
        assert app.focused is None  # keys step again at once
        await pilot.press("right")
        assert app.session.t == 1
        assert_table_matches_engine(app)


@pytest.mark.parametrize(
    "field, text, message",
    [
        ("mu1", "abc", "not a number"),
        ("mu2", "1e9", "within ±1e+06"),
        ("seed", "-1", "whole number from 0 to 4294967295"),
        ("seed", "2.5", "whole number from 0 to 4294967295"),
        ("t", "5000", "from 0 to 1000"),
        ("t", "x", "from 0 to 1000"),
    ],
)
async def test_invalid_input_is_marked_and_the_previous_state_stays(make_app, field, text, message):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", "right")
        before = (app.session.seed, app.session.means, app.session.t, app.session.trajectory)
        await type_into(pilot, field, text)
        err = app.query_one(f"#err-{field}")
        assert err.has_class("shown") and message in str(err.content)
        assert (app.session.seed, app.session.means, app.session.t, app.session.trajectory) == before
        assert_table_matches_engine(app)
        # a good value afterwards clears the message
        await type_into(pilot, field, "2")
        assert not err.has_class("shown")


async def test_typed_seed_and_iteration(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "seed", "7")
        assert app.session.seed == 7 and app.session.t == 0
        await type_into(pilot, "t", "12")
        assert app.session.t == 12
        assert_table_matches_engine(app)
        await type_into(pilot, "t", "999")  # beyond convergence: shows the last iteration and says so
        ref = engine_run(7, (1.0, 3.0), None, 999)
        assert app.session.t == ref.iterations < 999
        assert "converged at iteration" in status(app)


async def test_help_opens_with_question_mark_and_f1(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for key in ["question_mark", "f1"]:
            await pilot.press(key)
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)
        await pilot.press("right")  # keys reach the simulator again
        assert app.session.t == 1


async def test_too_small_terminal_says_so(make_app):
    app = make_app()
    async with app.run_test(size=(70, 20)) as pilot:
        await pilot.pause()
        assert app.screen.has_class("too-small")
        assert "terminal too small — need 80×24" in str(app.query_one("#too-small").content)
        assert not app.query_one("#main").display and app.query_one("#too-small").display
        assert {k.key for k in app.query("FooterKey") if not k.disabled} == {"q"}  # only q works now
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not app.screen.has_class("too-small")
        footer = {k.key for k in app.query("FooterKey")}  # the footer lists the keys that work again
        assert {"right", "e", "m", "g", "q"} <= footer


async def test_q_quits(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_dialogs_take_arrow_keys_at_once(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p", "down", "down", "enter")
        assert app.session.means == (-2.0, 7.0)
        await pilot.press("f", "down", "enter")
        assert app.session.fault == "forgot-sqrt"


async def test_help_scrolls_with_page_down(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        scroller = app.screen.query_one("#help")
        assert scroller.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert scroller.scroll_y > 0


async def test_keys_do_nothing_while_the_terminal_is_too_small(make_app):
    app = make_app()
    async with app.run_test(size=(70, 20)) as pilot:
        await pilot.press("right", "p", "g")
        assert app.session.t == 0 and not isinstance(app.screen, ChoiceScreen) and not app.running


async def test_end_key_shows_the_last_computed_iteration(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", "right", "right", "home", "end")
        assert app.session.t == 4
        assert_table_matches_engine(app)


async def test_leaving_a_field_without_enter_restores_it(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        inp = app.query_one("#in-mu1")
        inp.focus()
        await pilot.pause()
        inp.value = "q?"
        await pilot.press("enter")
        assert app.query_one("#err-mu1").has_class("shown")
        await pilot.press("escape")
        assert app.focused is None
        assert inp.value == "1" and not app.query_one("#err-mu1").has_class("shown")
        assert app.session.means == (1.0, 3.0)


async def test_iteration_field_shows_where_the_run_really_is(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "t", "999")
        assert app.query_one("#in-t").value == str(app.session.t) != "999"


@pytest.mark.parametrize(
    "kwargs, note",
    [
        ({"means": (2.0, 2.0)}, "components are identical"),
        ({"means": (1e6, 1.0)}, "is empty"),
        ({"fault": "unnormalised", "seed": 0}, "collapsed onto a point"),  # a sample where it collapses one
    ],
)
async def test_a_degenerate_end_is_explained(make_app, kwargs, note):
    app = make_app(**kwargs)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.session.at_end
        assert note in status(app)


async def test_g_pressed_twice_at_once_leaves_no_run_behind(make_app):
    from textual import events

    from em_tui.tui.workers import going_on

    # a pause of a second between iterations: the second run cannot reach its end (73 iterations) while
    # the test looks at it, however slowly a loaded machine lets the test go on
    app = make_app(pace=1.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await until(pilot, lambda: app.session.t >= 1)
        (first,) = going_on(app, "run")
        app.post_message(events.Key("g", "g"))  # stop ...
        app.post_message(events.Key("g", "g"))  # ... and start again, in one batch
        # the second goes in once the first has landed: a new run, the first one stopped
        await until(pilot, lambda: app.typing_ahead == 0 and going_on(app, "run") not in ([], [first]))
        assert first.is_cancelled and len(going_on(app, "run")) == 1
        t = app.session.t
        await until(pilot, lambda: app.session.t > t)  # the new run goes on
        assert app.running, (t, app.session.t, status(app), [(w.group, w.state.name, w.is_cancelled) for w in app.workers])
        await pilot.press("home")  # any move stops the run, the new one included
        await settle(pilot)
        assert not app.running and app.session.t == 0
        assert all(w.is_finished for w in app.workers)


async def test_shrinking_under_a_dialog_still_hides_the_simulator(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.resize_terminal(70, 20)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.has_class("too-small")
        await pilot.press("right")
        assert app.session.t == 0
