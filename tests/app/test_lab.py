"""The lab mode in the app (key L): predict, then reveal, driven by the pilot through whole runs.

The right answers are computed here from an independent engine run, not read from the question."""

from __future__ import annotations

import csv
import json

import numpy as np

from em_tui.core import data, em
from em_tui.core.config import FitConfig
from em_tui.core.model import Mixture
from em_tui.core.trajectory import Trajectory
from em_tui.tui.app import open_session
from em_tui.tui.commands import palette_entries
from em_tui.tui.screens.question import QuestionScreen

from app_helpers import assert_table_matches_engine, rendered, settle, status

LEAVE = "lab mode: predict each step — L leaves it"


def engine_answer(engine: Trajectory, question) -> str:
    """The right answer to ``question`` from the engine's own run (components numbered by mean at θ^t)."""
    t = question.t
    now = engine.params(t)
    order = np.argsort(now.means, kind="stable")
    if question.kind in ("gamma", "claims"):
        x = engine.data.x[question.point]
        gamma = em.responsibilities(np.array([x]), now)[order, 0]
        return repr(float(gamma[question.component - 1])) if question.kind == "gamma" else str(int(gamma.argmax()) + 1)
    if question.kind == "ll":
        return "y" if engine.ll_at(t + 1) >= engine.ll_at(t) else "n"
    j, new = order[question.component - 1], engine.params(t + 1)
    if question.kind == "direction":
        return "r" if new.means[j] > now.means[j] else "l"
    return repr(float(new.means[j] if question.kind == "mean" else new.weights[j]))


def wrong(question, right: str) -> str:
    """A wrong answer of the right kind."""
    if question.kind in ("direction", "ll"):
        return {"l": "r", "r": "l", "y": "n", "n": "y"}[right]
    if question.kind == "claims":
        return str(3 - int(right))  # K = 2
    value = float(right)
    if question.kind == "mean":
        return repr(value + 2 * question.tolerance)
    return repr(value + 0.3 if value < 0.5 else value - 0.3)


async def answer(pilot, text: str) -> None:
    for ch in text:
        await pilot.press(ch)
    await pilot.press("enter")
    await settle(pilot)


async def test_a_whole_run_to_convergence_in_lab_mode(make_app):
    app = make_app(tol=1e-3)
    s = app.session
    engine = Trajectory(data.simulate(s.seed), Mixture.create([0.5, 0.5], [1.0, 3.0], [1.5, 1.5]), FitConfig(tol=1e-3))
    engine.run()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("L")
        await settle(pilot)
        assert "lab mode on" in status(app) and "lab: 0 of 0 right, L leaves" in status(app)
        n_right = asked = 0
        kinds = set()
        while not (s.at_end and not s.half):
            t, half = s.t, s.half
            await pilot.press("right")
            await settle(pilot)
            assert isinstance(app.screen, QuestionScreen) and (s.t, s.half) == (t, half)  # not stepped yet
            q = app.screen.question
            kinds.add(q.kind)
            right = engine_answer(engine, q)
            ok = asked % 3 != 1
            await answer(pilot, right if ok else wrong(q, right))
            asked += 1
            n_right += ok
            assert not isinstance(app.screen, QuestionScreen)
            assert (s.t, s.half) == ((t, True) if not half else (t + 1, False))  # the step, taken after the answer
            assert status(app).startswith("✓ right" if ok else "✗ wrong")
            assert f"lab: {n_right} of {asked} right" in status(app)
            assert_table_matches_engine(app)
        assert s.t == engine.iterations and asked == 2 * engine.iterations
        assert kinds == {"gamma", "claims", "direction", "mean", "weight", "ll"}
        assert f"Converged at iteration {engine.iterations}" in status(app)
        await pilot.press("right")  # at the end: no question, the end's own words
        await settle(pilot)
        assert not isinstance(app.screen, QuestionScreen) and s.lab.score == (n_right, asked)
        await pilot.press("L")
        await settle(pilot)
        assert status(app).startswith(f"lab mode off (the record is kept: {n_right} of {asked} right)")
        assert "lab:" not in status(app).split(")", 1)[1]


async def test_e_and_m_keys_ask_and_a_wrong_key_at_the_wrong_time_is_refused_as_usual(make_app):
    app = make_app()
    s = app.session
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("L", "m")  # the M step before the E step: the usual refusal, no question
        await settle(pilot)
        assert not isinstance(app.screen, QuestionScreen) and "first" in status(app) and app.frame.refused
        await pilot.press("e")
        await settle(pilot)
        q = app.screen.question
        assert not q.half
        await answer(pilot, "0.5" if q.kind == "gamma" else "1")
        assert s.half
        await pilot.press("e")  # the E step again: the usual refusal
        await settle(pilot)
        assert not isinstance(app.screen, QuestionScreen) and "is done" in status(app)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, QuestionScreen) and app.screen.question.half


async def test_esc_puts_the_question_away_without_a_step_or_a_score(make_app):
    app = make_app()
    s = app.session
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("L", "right")
        await settle(pilot)
        first = app.screen.question
        await pilot.press("0", "escape")
        await settle(pilot)
        assert not isinstance(app.screen, QuestionScreen)
        assert (s.t, s.half, s.lab.record) == (0, False, [])
        assert status(app).startswith("question put away: no E step taken, nothing scored")
        await pilot.press("right")
        await settle(pilot)
        assert app.screen.question == first  # the same question again


async def test_jumps_are_refused_and_going_back_scores_nothing(make_app):
    app = make_app()
    s = app.session
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("L")
        for _ in range(4):  # two whole iterations, answered
            await pilot.press("right")
            await settle(pilot)
            await answer(pilot, {"direction": "l", "ll": "y"}.get(app.screen.question.kind, "1"))
        assert (s.t, s.half, s.lab.score[1]) == (2, False, 4)
        for key in ("g", "G", "end"):
            await pilot.press(key)
            await settle(pilot)
            assert not app.running and s.t == 2 and app.frame.refused
            assert status(app).startswith(f"✗ {LEAVE}") and "lab: " in status(app)
        field = app.query_one("#in-t")
        field.focus()
        field.value = "9"
        await pilot.press("enter")
        await settle(pilot)
        assert s.t == 2 and status(app).startswith(f"✗ {LEAVE}")
        app.set_focus(None)
        await pilot.press("left", "home")
        await settle(pilot)
        assert (s.t, s.lab.score[1]) == (0, 4) and not isinstance(app.screen, QuestionScreen)
        await pilot.press("L", "g")  # out of lab mode the run goes again
        await settle(pilot)
        assert s.at_end and s.lab.score[1] == 4


async def test_the_question_fits_80x24_under_the_plot_and_shows_markup_plain(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("L", "right")
        await settle(pilot)
        box = app.screen.query_one("#question")
        assert box.region.y + box.region.height <= 23 and box.region.x >= 0 and box.region.right <= 80
        plot = app.screen_stack[0].query_one("#mixture").region
        assert box.region.y >= plot.y + 8  # the plot's top part stays in sight above the box
        text = rendered(app.screen.query_one("#question-text"), 78)
        assert "0 of 0 right" in text and "E step next" in text
        for ch in "[red]x[/]":
            await pilot.press(ch)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, QuestionScreen) and app.session.lab.record == []
        error = rendered(app.screen.query_one("#question-error"), 78)
        assert "'[red]x[/]' is not an answer here: type " in error
        assert app.screen.query_one("#question-answer").value == "[red]x[/]"


async def test_the_session_file_and_the_export_keep_the_record(make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("L")
        typed = []
        for _ in range(3):
            await pilot.press("right")
            await settle(pilot)
            q = app.screen.question
            typed.append({"direction": "r", "ll": "yes", "claims": "2"}.get(q.kind, "0.5"))
            await answer(pilot, typed[-1])
        right, asked = app.session.lab.score
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
    saved = json.loads(next(tmp_path.glob("em-tui-session-*.json")).read_text())
    assert saved["lab"]["on"] is True and [e["answer"] for e in saved["lab"]["record"]] == typed
    lines = next(tmp_path.glob("em-tui-*.csv")).read_text().splitlines()
    assert f"# lab (predict, then reveal): {right} of {asked} right" in lines
    rows = [row for row in csv.reader(ln[2:] for ln in lines if ln.startswith("# lab,"))]
    assert rows[0] == ["lab", "t", "step", "kind", "question", "answer", "correct", "tolerance", "right"]
    assert [row[5] for row in rows[1:]] == typed and [row[2] for row in rows[1:]] == ["E", "M", "E"]
    again = open_session(next(tmp_path.glob("em-tui-session-*.json")))
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert again.session.lab.on and f"lab: {right} of {asked} right" in status(again)
        assert (again.session.t, again.session.half) == (1, True)
        await pilot.press("right")
        await settle(pilot)
        assert isinstance(again.screen, QuestionScreen) and again.screen.question.half


async def test_the_palette_has_the_lab_mode(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        entry = next(e for e in palette_entries(app) if e.text.startswith("lab mode on/off"))
        assert entry.text.endswith("(L)")
        await entry.run()  # what the palette runs (the action of key L)
        await settle(pilot)
        assert app.session.lab.on and "lab mode on" in status(app)


def footer_key(app, action: str) -> str:
    """The key the footer shows for ``action`` (as drawn: its key display)."""
    keys = [w for w in app.screen.query("*") if type(w).__name__ == "FooterKey" and w.action == action]
    return keys[0].key_display


async def test_the_footer_shows_the_mode_and_its_score(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert footer_key(app, "lab") == "L"
        await pilot.press("L")
        await settle(pilot)
        assert footer_key(app, "lab") == "L 0/0 "
        await pilot.press("right")
        await settle(pilot)
        q = app.screen.question
        await answer(pilot, repr(q.correct) if q.kind == "gamma" else str(int(q.correct)))
        assert footer_key(app, "lab") == "L 1/1 "
        await pilot.press("L")
        await settle(pilot)
        assert footer_key(app, "lab") == "L" and "lab:" not in status(app)


async def test_lab_mode_on_typed_values(make_app):
    values = [1.0, 1.4, 2.0, 2.2, 5.1, 5.5, 6.0, 9.5]
    app = make_app(dataset=data.DataSet(data.validate_data(values), "typed", {"type": "values"}), k=2)
    s = app.session
    engine = Trajectory(np.array(values), s.start, FitConfig())
    engine.run()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("L")
        for _ in range(6):
            await pilot.press("right")
            await settle(pilot)
            q = app.screen.question
            if q.point is not None:
                assert f"point {q.point + 1} (x = {values[q.point]:g}, marked ▲ on the strip)" in q.text
                assert app.frame.marked == q.point  # the point asked about is marked on the strip above the box
            await answer(pilot, engine_answer(engine, q))
        assert (s.t, s.lab.score) == (3, (6, 6)) and "lab: 6 of 6 right" in status(app)


async def test_the_views_that_show_the_next_answer_are_refused_in_lab_mode(make_app):
    from em_tui.tui.screens.resp import ResponsibilityScreen
    from em_tui.tui.screens.work import WorkScreen

    peek = "lab mode: this view would show the next step's answer before you predict it — L leaves it."
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("L", "right", "escape")  # a question, put away: the student may not look it up
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert not isinstance(app.screen, ResponsibilityScreen) and status(app).startswith(f"✗ {peek}")
        await pilot.press("w", "enter")  # the point mode marks a point, but its worked screen is refused
        await settle(pilot)
        assert not isinstance(app.screen, WorkScreen) and status(app).startswith(f"✗ {peek}")
        await pilot.press("w", "L", "t")  # out of the lab mode the view opens
        await settle(pilot)
        assert isinstance(app.screen, ResponsibilityScreen)
