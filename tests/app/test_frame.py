"""The frame holds everything the screen draws, computed once by the view functions; the scenario
is one frozen value; the words come from the outcomes and the bindings."""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest

from em_tui.core import data
from em_tui.core.config import FitConfig
from em_tui.errors import Refused
from em_tui.session import outcomes as out
from em_tui.session.scenario import LESSON, LESSON_MEANS, START_SD, Scenario
from em_tui.session.session import Session
from em_tui.session.sessionfile import load, save
from em_tui.session.view import claim_cells, component_rows, table_rows
from em_tui.session import words
from em_tui.tui import create_app, keynames
from em_tui.tui.app import EmApp
from em_tui.tui.widgets.plots import numbered_cells

PACKAGE = Path(__file__).resolve().parents[2] / "em_tui"


def stepped(session: Session, keys: str) -> Session:
    for key in keys:
        {"n": session.step, "e": session.e_step, "m": session.m_step}[key]()
    return session


def test_the_curves_are_the_mixtures_densities_on_the_grid():
    s = stepped(Session(Scenario.build(means=(-2.0, 7.0))), "nnn")
    f = s.frame()
    grid = f.backdrop.grid
    order = np.argsort(f.params.means, kind="stable")
    np.testing.assert_array_equal(f.components, f.params.weighted_component_densities(grid)[order])
    np.testing.assert_allclose(f.estimate, f.params.density(grid), rtol=1e-12)
    np.testing.assert_array_equal(f.backdrop.true_density, data.TRUE_MODEL.density(grid))
    assert f.backdrop.y_top > f.histogram.heights.max()
    assert f.split is None


def test_the_e_step_split_shares_out_each_bin():
    f = stepped(Session(), "nne").frame()
    assert f.half and f.split.shape == (2, f.histogram.heights.size)
    np.testing.assert_allclose(f.split.sum(axis=0), f.histogram.heights, rtol=1e-9, atol=1e-12)


def test_the_strip_and_the_table_are_the_view_functions():
    s = stepped(Session(), "nn")
    f = s.frame(strip=(7, 60))
    assert f.strip_left == 7 and len(f.strip) == 60
    assert f.strip == claim_cells(f.params, f.backdrop.x_limits, 60)
    assert f.table == table_rows(f.params, f.nk, f.n, data.TRUE_MODEL, f.ll_now, f.backdrop.true_ll)
    assert f.summary[1] == "t    2" and f.summary[0].startswith("ΔLL ")  # LL is the table's, beside the truth's
    own = Session(Scenario.build(dataset=data.load_dataset("galaxies"), k=3, means=None)).frame()
    assert own.table == component_rows(own.params, own.nk) and own.backdrop.true_density is None


def test_the_banner_is_in_the_frame():
    s = Session(Scenario.build(means=(-2.0, 7.0), fault="divide-by-n"))
    s.goto(s.max_iter)
    f = s.frame()
    assert f.alarm is not None and f.banner.startswith("⚠ LL FELL at iteration")
    assert "divide-by-n" in f.banner
    assert Session().frame().banner == ""


def test_a_frame_cannot_be_changed():
    f = stepped(Session(), "ne").frame()
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.t = 3
    for array in (f.nk, f.components, f.estimate, f.split, f.backdrop.grid, f.histogram.heights):
        with pytest.raises(ValueError):
            array[0] = 1.0


async def test_the_app_draws_the_sessions_frame():
    app = create_app(pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "right")
        await pilot.pause()
        f = app.frame
        assert f.t == 2 and app.query_one("#mixture").frame is f and app.query_one("#table").frame is f
        mixture = app.query_one("#mixture")
        assert (f.strip_left, len(f.strip)) == mixture.canvas_at()
        numbered = numbered_cells(f.strip)  # the component's number in the middle of each stretch it claims
        cells = "".join(str(c.rank + 1) if i in numbered else c.char for i, c in enumerate(f.strip))
        assert app.query_one("#strip").plain == " " * f.strip_left + cells
        assert str(app.query_one("#status").content) == f.status


async def test_table_draws_the_frames_rows():
    """The one screen-text check of the table: every row of the frame is on screen, as it is."""
    from app_helpers import table_rows_shown

    for settings in ({}, {"dataset": data.load_dataset("galaxies"), "k": 3}):
        app = create_app(Scenario.build(**settings), pace=0.0)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("right", "e")
            await pilot.pause()
            shown = table_rows_shown(app)
            for row in app.frame.table:
                assert [cell for cell in row if cell] in shown
            for line in app.frame.summary:
                assert line.split() in shown


# -- the scenario -----------------------------------------------------------------
def test_the_scenario_is_frozen_and_checked():
    with pytest.raises(dataclasses.FrozenInstanceError):
        LESSON.start = (0.0, 1.0)
    with pytest.raises(Refused, match="the seed must be a whole number"):
        LESSON.but(seed=-1)
    with pytest.raises(Refused, match="K must be a whole number from 1 to 8"):
        LESSON.but(k=9)
    with pytest.raises(Refused, match="the lesson's data need start means"):
        Scenario.build(means=None)
    with pytest.raises(ValueError, match="unknown fault"):
        FitConfig(fault="nope")
    assert LESSON.but(seed=3).seed == 3 and LESSON.seed == data.DEFAULT_SEED


def test_a_change_of_seed_is_a_new_scenario_and_a_refusal_keeps_the_old():
    s = Session()
    before = s.scenario
    s.restart(seed=5)
    assert s.scenario is not before and s.scenario == before.but(seed=5)
    with pytest.raises(Refused):
        s.restart(seed=-1)
    assert s.scenario == before.but(seed=5)


@pytest.mark.parametrize("make", [
    lambda: Session(Scenario(config=FitConfig(seed=4, fault="divide-by-n", tol=1e-4), start=(-1.0, 5.0), n=300)),
    lambda: Session(Scenario.build(dataset=data.load_dataset("galaxies"), k=3, means=None, seed=2)),
])
def test_a_scenario_round_trips_through_the_session_file(tmp_path, make):
    s = make()
    s.goto(4)
    again = load(save(s, tmp_path / "s.json"))
    a, b = s.scenario, again.scenario
    assert b.config == a.config.but(init="user") or b.config == a.config
    assert b.n == a.n and b.simulated == a.simulated and again.start == s.start
    if not a.simulated:
        np.testing.assert_array_equal(b.dataset.values, a.dataset.values)
    assert again.t == 4
    doc = json.loads((tmp_path / "s.json").read_text())
    assert doc["variance"] == "unequal" and doc["init"] in ("user", "kmeans")


def test_the_lessons_defaults_are_written_once():
    """The start (1, 3), σ = 1.5, seed 0 and N = 200 are core/data.py's; everything else derives them."""
    assert LESSON_MEANS == tuple(data.DEFAULT_START.means) and START_SD == data.DEFAULT_START.sds[0]
    assert LESSON.seed == data.DEFAULT_SEED and LESSON.n == data.DEFAULT_N
    start = re.compile(r"\(\s*1\.0\s*,\s*3\.0\s*\)|\[\s*1\.0\s*,\s*3\.0\s*\]")
    found = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if start.search(p.read_text())]
    assert found == ["core/data.py"]


# -- one direction of flow ----------------------------------------------------------------
#: what computes EM, a density or a responsibility (the session's view functions call these, not the UI)
COMPUTING = {"density", "log_density", "weighted_component_densities", "e_step", "m_step", "responsibilities",
             "log_responsibilities", "prepare", "compare", "kmeans_fit", "shared_sd_responsibilities", "select_k",
             "explore", "find_anomalies", "multi_start", "run_em", "log_sum_exp", "kmeans_assign", "soft_curves"}

#: the app itself (its actions, its workers, its writes): it calls the session and reads the frame
APP_MODULES = ["tui/app.py", "tui/running.py", "tui/writing.py", "tui/lifecycle.py", "tui/commands.py"]


def _python(where: str):
    paths = [PACKAGE / where] if where.endswith(".py") else (PACKAGE / where).rglob("*.py")
    for path in paths:
        yield path, ast.parse(path.read_text())


def _on_session(node: ast.Attribute) -> bool:
    """``session.e_step`` or ``self.session.e_step``: the session's own method, not the engine's."""
    owner = node.value
    return (isinstance(owner, ast.Name) and owner.id == "session") or (
        isinstance(owner, ast.Attribute) and owner.attr == "session")


@pytest.mark.parametrize("folder", ["tui/widgets", "tui/screens", *APP_MODULES])
def test_no_widget_or_screen_computes_em(folder):
    for path, tree in _python(folder):
        names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        names |= {f"{n.module}.{a.name}" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
                  for a in n.names}
        engine = ("core.em", "core._kernels", "core.prepared", "core.init")  # the engine's modules
        assert not any(m.endswith(engine) for m in names), path
        used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and not _on_session(n)}
        used |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        assert not used & COMPUTING, (path, used & COMPUTING)


@pytest.mark.parametrize("module", APP_MODULES)
def test_the_app_decides_nothing_and_reads_the_frame(module):
    """The app reads what is drawn (parameters, iteration, half state) from its frame, not from the
    session's run, and leaves the choices (the next seed, which start a field means) to the session."""
    for path, tree in _python(module):
        for node in ast.walk(tree):
            assert not (isinstance(node, ast.Attribute) and node.attr == "trajectory"), f"{path}:{node.lineno}"
            if isinstance(node, ast.BinOp):
                names = {n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", "") for n in ast.walk(node)}
                assert not names & {"seed", "SEED_LIMIT", "start_means"}, f"{path}:{node.lineno}: arithmetic"
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
                assert node.value.attr != "start_means", f"{path}:{node.lineno}: a start mean picked out"


def test_the_session_takes_the_choices():
    s = Session()
    assert s.new_seed().seed == data.DEFAULT_SEED + 1 and s.seed == data.DEFAULT_SEED + 1
    s.set_field("mu2", 4.5)
    assert s.start_means == (1.0, 4.5) and s.t == 0
    s.set_field("mu1", -1.0)
    assert s.start_means == (-1.0, 4.5)
    assert s.set_field("t", 3).t == 3 and s.t == 3
    assert s.set_field("seed", 7).seed == 7 and s.start_means == (-1.0, 4.5)
    with pytest.raises(Refused):
        s.set_field("t", -1)
    assert s.t == 0 and s.seed == 7


def test_the_next_seed_wraps_and_the_users_data_get_a_new_k_means_start():
    from em_tui.core.limits import SEED_LIMIT

    s = Session(Scenario.build(seed=SEED_LIMIT))
    assert s.new_seed().seed == 0
    own = Session(Scenario.build(dataset=data.load_dataset("galaxies"), k=3))
    restarted = own.new_seed()
    assert restarted.means is None and own.seed == data.DEFAULT_SEED + 1 and own.scenario.config.init == "kmeans"


def test_nothing_outside_the_session_assigns_its_attributes():
    for folder in ("tui", "cli"):
        for path, tree in _python(folder):
            for node in ast.walk(tree):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
                    if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
                for t in targets:
                    if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Attribute):
                        assert t.value.attr != "session", f"{path}: session.{t.attr} assigned"
                    if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name):
                        assert t.value.id not in ("s", "session"), f"{path}: {t.value.id}.{t.attr} assigned"


def test_session_methods_return_outcomes():
    s = Session()
    assert isinstance(s.step(), out.Stepped) and isinstance(s.e_step(), out.EStepped)
    assert isinstance(s.m_step(), out.MStepped) and isinstance(s.back(), out.SteppedBack)
    assert isinstance(s.home(), out.Home) and isinstance(s.restart(seed=2), out.Restarted)
    with pytest.raises(words.NotNow) as refused:
        s.m_step()
    assert isinstance(refused.value.outcome, out.NeedE)


def test_key_names_in_the_words_come_from_the_bindings():
    keys = keynames.keys_of(EmApp.BINDINGS)
    assert keynames.key_for(EmApp.BINDINGS, "step", others=True) == "→ (or n, space)"
    assert words.describe(out.EStepped(1), keys).endswith("Press m.")
    assert words.describe(out.NeedE(), keys).startswith("press e first")

    class Other:  # the same binding table with the M step on another key
        def __init__(self, b, key):
            self.action, self.key, self.key_display = b.action, key, None

    rebound = [Other(b, "j") if b.action == "m_step" else b for b in EmApp.BINDINGS]
    assert words.describe(out.EStepped(1), keynames.keys_of(rebound)).endswith("Press j.")


async def test_the_claim_strip_follows_the_plot_when_the_terminal_is_resized():
    from em_tui.tui import create_app
    from em_tui.tui.widgets.plots import MixturePlot

    app = create_app(pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        wide = len(app.frame.strip)
        await pilot.resize_terminal(90, 30)
        await pilot.pause()
        await pilot.pause()
        left, width = app.query_one("#mixture", MixturePlot).canvas_at()
        assert (app.frame.strip_left, len(app.frame.strip)) == (left, width) and width < wide


# -- a change of the words alone, or of the strip's place, reuses the frame's parts ------------------
async def test_a_status_only_change_keeps_everything_else_of_the_frame():
    app = create_app(pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right")
        await pilot.pause()
        old = app.frame
        await pilot.press("m")  # refused: an M step needs the E step first
        await pilot.pause()
        new = app.frame
        assert new is not old and new.refused and "E step" in new.status
        for part in ("components", "estimate", "strip", "table", "summary", "params", "backdrop", "nk"):
            assert getattr(new, part) is getattr(old, part), part
        await pilot.press("right")  # a real change: new curves
        await pilot.pause()
        assert app.frame.components is not old.components and not app.frame.refused and app.frame.t == 2


async def test_a_move_of_the_strip_recomputes_only_its_cells():
    app = create_app(pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        old = app.frame
        await pilot.resize_terminal(90, 30)
        await pilot.pause()
        await pilot.pause()
        new = app.frame
        assert len(new.strip) < len(old.strip)
        assert new.components is old.components and new.table is old.table and new.status == old.status


async def test_the_fields_follow_the_frames_k_data_and_cap():
    """What the fields panel shows (μ₁/μ₂ for K = 2 only, what the seed does, the iteration's range)
    comes from the frame it is bound to."""
    from textual.widgets import Input, Label

    app = create_app(Scenario.build(dataset=data.load_dataset("galaxies"), k=3, max_iter=40), pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        controls = app.query_one("#controls")
        frame = app.frame
        assert (frame.k, frame.simulated, frame.cap) == (3, False, 40)
        assert controls.shown == ["seed", "t"] and not app.query_one("#row-mu1").display
        assert str(app.query_one("#label-seed", Label).content) == "start seed"
        field = app.query_one("#in-t", Input)
        assert not field.validate("41").is_valid and field.validate("40").is_valid
        field.focus()
        await pilot.pause()
        field.value = ""
        await pilot.press("4", "1", "enter")
        await pilot.pause()
        assert "from 0 to 40" in str(app.query_one("#err-t").content) and app.session.t == 0
    lesson = create_app(pace=0.0)
    async with lesson.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert lesson.query_one("#controls").shown == ["mu1", "mu2", "seed", "t"]
        assert str(lesson.query_one("#label-seed", Label).content) == "data seed"


# -- one wording per refusal ----------------------------------------------------------------
def test_a_session_files_replay_error_says_what_the_status_line_says(tmp_path):
    """A saved E step after the run's end is refused on opening with the words the status line gives e there."""
    from em_tui.errors import SessionError

    s = Session()
    s.goto(s.max_iter)
    assert s.at_end
    with pytest.raises(words.NotNow) as refused:
        s.e_step()
    status = words.refusal(refused.value, keynames.keys_of(EmApp.BINDINGS))
    path = save(s, tmp_path / "s.json")
    doc = json.loads(path.read_text())
    doc["half"] = True
    path.write_text(json.dumps(doc))
    with pytest.raises(SessionError) as bad:
        load(path)
    assert str(bad.value) == f"{path}: {status}"
    assert status.startswith("converged at iteration")


@pytest.mark.parametrize("outcome", [out.NeedE(), out.EAlreadyDone(3), out.NoPresets(),
                                     out.AtEnd(out.End(True, 9, 1e-6, 500), back=True)])
def test_a_refusal_without_key_names_is_the_status_lines_sentence_without_its_keys(outcome):
    plain = str(words.NotNow(outcome))
    worded = words.describe(outcome, keynames.keys_of(EmApp.BINDINGS))
    assert plain and "press" not in plain and plain != worded
    stem = plain.rstrip(".")
    assert stem[1:] in worded  # the same sentence (the keyed one may begin "press e first: t…")


@pytest.mark.parametrize("make", [lambda: Session(), lambda: Session(Scenario.build(dataset=data.load_dataset("galaxies"), k=3))])
def test_the_table_rows_carry_their_components_rank(make):
    s = make()
    f = stepped(s, "nne").frame()
    assert len(f.table_ranks) == len(f.table)
    if f.truth_columns:  # π, μ, σ and N of each component, in order of the means
        assert [int(row[0][1:]) - 1 if row[0] != "LL" else -1 for row in f.table] == list(f.table_ranks)  # -1: the LL row
    else:
        assert [int(row[0]) - 1 for row in f.table] == list(f.table_ranks)


def test_the_ll_panels_axes_are_in_the_frame():
    """The LL panel draws the frame's axes: 8 % beyond LL's range, ±max(1, 1e-3·|LL|) around a flat LL,
    and x a little past t (at least 10)."""
    from em_tui.session.view import ll_axes

    assert ll_axes((-110.0, -100.0), 1) == pytest.approx((-110.8, -99.2, 10))
    assert ll_axes((-5000.0,), 0) == pytest.approx((-5005.0, -4995.0, 10))
    assert ll_axes(tuple(float(v) for v in range(40)), 39)[2] == 42
    s = stepped(Session(), "nn")
    assert s.frame().ll_axes == ll_axes(s.frame().ll, 2)
