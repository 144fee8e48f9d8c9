"""The lab mode's questions (session/lab.py): made from the state shown, scored against the engine's next
step within the tolerance they state, varied and reproducible, and kept through the session file."""

from __future__ import annotations

import csv
import io
import json
import math
import re

import numpy as np
import pytest

from em_tui.core import data
from em_tui.core.config import FitConfig
from em_tui.core.model import Mixture
from em_tui.core.trajectory import Trajectory
from em_tui.errors import Refused, SessionError
from em_tui.session import sessionfile
from em_tui.session.lab import E_KINDS, GAMMA_TOL, M_KINDS, Lab, Question
from em_tui.session.scenario import Scenario
from em_tui.session.session import Session

LESSON_START = Mixture.create([0.5, 0.5], [1.0, 3.0], [1.5, 1.5])


def first_with(kind: str, half: bool = False, fault: str | None = None, seeds=range(60)):
    """A lesson session (at t = 0, after the E step if ``half``) whose first question is of ``kind``."""
    for seed in seeds:
        s = Session(Scenario.build(seed=seed, fault=fault))
        if half:
            s.e_step()
        q = s.lab.ask(s)
        if q.kind == kind:
            return s, q
    raise AssertionError(f"no seed asks {kind}")


def answer_right(q: Question) -> str:
    return q.correct if isinstance(q.correct, str) else repr(q.correct)


def answer_wrong(q: Question) -> str:
    """An answer of the right kind that is wrong: the other word, another component, a number off by
    more than the tolerance."""
    if isinstance(q.correct, str):
        return {"l": "r", "r": "l", "y": "n", "n": "y"}[q.correct]
    if q.kind == "claims":
        return str(1 + int(q.correct) % q.k)
    if q.kind in ("gamma", "weight"):
        return repr(q.correct + 0.3 if q.correct < 0.5 else q.correct - 0.3)
    return repr(q.correct + 2 * q.tolerance)


def test_gamma_question_is_the_hand_computed_responsibility():
    s, q = first_with("gamma")
    x = float(s.data.x[q.point])
    # the lesson's start: equal π and σ = 1.5, μ 1 and 3, so
    # log(N1/N2) = −((x−1)² − (x−3)²)/(2·1.5²) = −(4x − 8)/4.5
    gamma1 = 1.0 / (1.0 + math.exp((4 * x - 8) / 4.5))
    want = gamma1 if q.component == 1 else 1.0 - gamma1
    assert q.correct == pytest.approx(want, abs=1e-12)
    assert (q.t, q.half, q.tolerance) == (0, False, GAMMA_TOL)
    assert f"point {q.point + 1} (x = {x:.6g}, marked ▲ on the strip)" in q.text and f"γ{q.component}" in q.text
    assert "±0.05" in q.hint
    assert 0.15 < want < 0.85  # a point that is not all one component's


def test_claims_question_names_the_component_with_the_largest_gamma():
    s, q = first_with("claims")
    x = float(s.data.x[q.point])
    assert q.correct == (1.0 if x < 2.0 else 2.0)  # equal π and σ: the nearer mean claims it (midpoint 2)
    assert q.tolerance is None and "1 to 2" in q.hint


@pytest.mark.parametrize("kind", ["mean", "weight", "direction"])
def test_m_questions_are_the_engines_next_parameters(kind):
    s, q = first_with(kind, half=True)
    engine = Trajectory(data.simulate(s.seed), LESSON_START, FitConfig())
    engine.step()
    now, new = engine.params(0), engine.params(1)
    j = int(np.argsort(now.means)[q.component - 1])  # numbered by mean at θ^0
    if kind == "mean":
        assert q.correct == pytest.approx(new.means[j], rel=1e-12)
        assert q.tolerance == pytest.approx(0.1 * 1.5)  # 10 % of σ at θ^0
    elif kind == "weight":
        nk = s.trajectory.half(0).nk[j]  # π' = N_k / N, from the E step's soft count
        assert q.correct == pytest.approx(nk / s.data.n, rel=1e-12) == pytest.approx(new.weights[j], rel=1e-12)
    else:
        assert q.correct == ("r" if new.means[j] > now.means[j] else "l")
    assert q.half and q.t == 0 and "M step next" in q.text


def test_ll_question_under_a_fault_that_makes_ll_fall():
    s, q = first_with("ll", half=True, fault="forgot-sqrt")
    ll = s.trajectory.ll
    assert ll[1] < ll[0] and q.correct == "n"
    s2, q2 = first_with("ll", half=True)
    assert q2.correct == "y"


@pytest.mark.parametrize("typed, right", [("0.35", True), ("0.25", True), ("0.3", True), (".3499", True),
                                          ("0.3501", False), ("0.2499", False), ("1", False), ("0", False)])
def test_a_number_is_right_within_its_tolerance_boundaries_included(typed, right):
    q = Question(0, False, "gamma", 1, 3, "γ?", "a number", 0.3, 0.05, 2)
    lab = Lab()
    assert lab.answer(q, typed).right is right
    assert lab.score == (int(right), 1)


def test_a_mean_is_right_within_a_tenth_of_its_sd():
    q = Question(0, True, "mean", 2, None, "μ2?", "a number", -2.0, 0.15, 2)
    assert [Lab().answer(q, v).right for v in ("-2.15", "−1.85", "-2.16", "-1.84")] == [True, True, False, False]


@pytest.mark.parametrize("kind, correct, typed, right", [
    ("direction", "l", "l", True), ("direction", "l", "LEFT", True), ("direction", "l", "-", True),
    ("direction", "l", "r", False), ("direction", "r", "+", True), ("ll", "y", "yes", True),
    ("ll", "y", "n", False), ("ll", "n", "N", True), ("claims", 2.0, "2", True), ("claims", 2.0, "1", False),
])
def test_words_and_component_numbers_are_exact(kind, correct, typed, right):
    q = Question(1, kind != "claims", kind, 1, None, "?", "?", correct, None, 3)
    assert Lab().answer(q, typed).right is right


@pytest.mark.parametrize("kind, typed, says", [
    ("gamma", "abc", "type a number"), ("gamma", "1.2", "γ is from 0 to 1"), ("weight", "-0.1", "π is from 0 to 1"),
    ("mean", "[red]x", "type a number"), ("mean", "nan", "type a number"), ("claims", "0", "from 1 to 3"),
    ("claims", "1.5", "from 1 to 3"), ("claims", "4", "from 1 to 3"), ("direction", "up", "l (left) or r"),
    ("ll", "maybe", "y (yes) or n"), ("gamma", "", "type a number"),
])
def test_an_answer_of_the_wrong_kind_is_refused_and_not_recorded(kind, typed, says):
    q = Question(0, kind in M_KINDS, kind, 1, None, "?", "?", 0.5 if kind != "direction" else "l", 0.05, 3)
    lab = Lab()
    with pytest.raises(Refused, match=re.escape(says)):
        lab.answer(q, typed)
    assert lab.record == [] and lab.score == (0, 0)


def run_with_answers(session: Session, wrong_every: int = 3) -> list[Question]:
    """Ask and answer every half step to the end (every ``wrong_every``-th answer wrong); the questions."""
    asked = []
    while not (session.at_end and not session.half):
        q = session.lab.ask(session)
        session.lab.answer(q, answer_wrong(q) if len(asked) % wrong_every == 0 else answer_right(q))
        asked.append(q)
        session.m_step() if session.half else session.e_step()
    return asked


def test_a_whole_run_varies_its_questions_and_keeps_the_score():
    s = Session()
    asked = run_with_answers(s)
    assert s.trajectory.converged and len(asked) == 2 * s.t
    kinds = [q.kind for q in asked]
    assert set(kinds[0::2]) == set(E_KINDS) and set(kinds[1::2]) == set(M_KINDS)
    for before in (kinds[0::2], kinds[1::2]):  # never the same kind twice in a row before the same half step
        assert all(a != b for a, b in zip(before, before[1:]))
    right = [e.right for e in s.lab.record]
    assert right == [i % 3 != 0 for i in range(len(asked))]
    assert s.lab.score == (sum(right), len(asked))


def test_the_same_session_asks_the_same_questions_and_esc_asks_again():
    one, two = Session(Scenario.build(seed=5)), Session(Scenario.build(seed=5))
    assert run_with_answers(one) == run_with_answers(two)
    s = Session(Scenario.build(seed=5))
    assert s.lab.ask(s) == s.lab.ask(s)  # not answered (Esc): the same question again
    assert Session(Scenario.build(seed=6)).lab.ask(Session(Scenario.build(seed=6))) != s.lab.ask(s)


def test_questions_on_a_data_set_with_three_components():
    s = Session(Scenario.build(dataset=data.load_dataset("galaxies"), k=3))
    asked = run_with_answers(s, wrong_every=2)
    assert {q.kind for q in asked} == set(E_KINDS + M_KINDS)
    for q in asked:
        if q.kind == "claims":
            assert "1 to 3" in q.hint
        if q.point is not None:
            assert f"point {q.point + 1} " in q.text


def test_the_record_round_trips_through_the_session_file(tmp_path):
    s = Session()
    s.lab.toggle()
    for typed in ("0.5", "[red]x"):
        q = s.lab.ask(s)
        try:
            s.lab.answer(q, typed)
        except Refused:
            s.lab.answer(q, answer_right(q))
        s.m_step() if s.half else s.e_step()
    path = sessionfile.save(s, tmp_path / "lab.json")
    back = sessionfile.load(path)
    assert back.lab.on and back.lab.record == s.lab.record and back.lab.score == s.lab.score


def test_an_old_file_without_a_lab_record_opens(tmp_path):
    path = sessionfile.save(Session(), tmp_path / "old.json")
    doc = json.loads(path.read_text())
    del doc["lab"]
    path.write_text(json.dumps(doc))
    lab = sessionfile.load(path).lab
    assert not lab.on and lab.record == []


ENTRY = {"t": 0, "half": False, "kind": "gamma", "question": "γ1?", "answer": "0.5", "correct": "0.244",
         "tolerance": "±0.05", "right": False}


@pytest.mark.parametrize("lab, says", [
    ("x", "'lab' should be an object"), ({"on": "yes"}, "lab: 'on' should be true or false"),
    ({"record": {"a": 1}}, "'record' should be a list"), ({"record": [7]}, "answer 1: should be an object"),
    ({"record": [ENTRY | {"t": -1}]}, "'t' should be a whole number from 0"),
    ({"record": [ENTRY | {"kind": "evil"}]}, "'kind' should be one of"),
    ({"record": [ENTRY, ENTRY | {"right": 1}]}, "answer 2: 'right' should be true or false"),
    ({"record": [ENTRY | {"question": "a\nb"}]}, "'question' should be one line"),
    ({"record": [ENTRY | {"question": "a\u202eb"}]}, "'question' should be one line"),  # a bidi override
    ({"record": [ENTRY | {"answer": "a\x9bb"}]}, "'answer' should be one line"),  # a C1 control (CSI)
    ({"record": [ENTRY | {"answer": "x" * 401}]}, "'answer' should be one line of text of at most 400"),
    ({"record": [ENTRY | {"half": True}]}, "a gamma question is not asked before the M step"),
])
def test_a_hostile_lab_record_is_refused_clearly(tmp_path, lab, says):
    path = sessionfile.save(Session(), tmp_path / "bad.json")
    doc = json.loads(path.read_text())
    doc["lab"] = lab
    path.write_text(json.dumps(doc))
    with pytest.raises(SessionError, match=f"bad.json: .*{re.escape(says)}"):
        sessionfile.load(path)


def test_the_export_has_the_record_and_score_as_comment_lines():
    s = Session()
    q = s.lab.ask(s)
    s.lab.answer(q, answer_right(q))
    s.e_step()
    q2 = s.lab.ask(s)
    s.lab.answer(q2, answer_wrong(q2))
    buf = io.StringIO()
    s.export_snapshot().write(buf)
    lines = buf.getvalue().splitlines()
    at = lines.index("# lab (predict, then reveal): 1 of 2 right")
    assert lines[at + 1] == "# lab,t,step,kind,question,answer,correct,tolerance,right"
    assert lines[at + 2].startswith(f"# lab,0,E,{q.kind},") and lines[at + 2].endswith(",1")
    assert lines[at + 3].startswith(f"# lab,0,M,{q2.kind},") and lines[at + 3].endswith(",0")
    assert lines[at + 4].startswith("# ") and not lines[at + 4].startswith("# lab")


def test_under_a_fault_without_the_division_by_p_x_the_e_step_asks_which_component_claims():
    s = Session(Scenario.build(fault="unnormalised"))
    asked = run_with_answers(s)
    assert {q.kind for q in asked[0::2]} == {"claims"}  # its w_ik are no γ from 0 to 1
    engine = Trajectory(data.simulate(s.seed), LESSON_START, FitConfig(fault="unnormalised"))
    engine.run()
    falls = [engine.ll_at(q.t + 1) < engine.ll_at(q.t) for q in asked[1::2] if q.kind == "ll"]
    assert [q.correct == "n" for q in asked[1::2] if q.kind == "ll"] == falls and any(falls)


def test_one_component_asks_its_trivial_gamma():
    ds = data.DataSet(data.validate_data([1.0, 2.0, 2.5, 3.0, 7.0]), "five", {"type": "values"})
    s = Session(Scenario.build(dataset=ds, k=1))
    q = s.lab.ask(s)
    assert q.kind == "gamma" and q.correct == 1.0 and "γ1" in q.text


def test_a_text_a_spreadsheet_would_take_for_a_formula_is_exported_inert(tmp_path):
    path = sessionfile.save(Session(), tmp_path / "f.json")
    doc = json.loads(path.read_text())
    doc["lab"] = {"on": False, "record": [ENTRY | {"answer": '=cmd|" /C calc"!A0', "correct": "-0.25"}]}
    path.write_text(json.dumps(doc))
    buf = io.StringIO()
    sessionfile.load(path).export_snapshot().write(buf)
    row = next(ln for ln in buf.getvalue().splitlines() if ln.startswith("# lab,0,"))
    cells = next(csv.reader([row[2:]]))
    assert cells[5] == '\'=cmd|" /C calc"!A0' and cells[6] == "-0.25"  # a number stays a number


def test_a_session_file_with_an_unpaired_surrogate_or_a_long_name_is_refused(tmp_path):
    path = sessionfile.save(Session(), tmp_path / "s.json")
    text = path.read_text()
    bad = tmp_path / "bad.json"
    bad.write_text(text.replace('"on": false', '"on": false, "x": "q\\ud800"', 1) if '"on": false' in text
                   else text.replace('"format"', '"x": "q\\ud800", "format"', 1))
    with pytest.raises(SessionError, match="unpaired surrogate"):
        sessionfile.load(bad)
    doc = json.loads(text)
    doc["data"] = {"type": "values", "name": "n" * 201, "values": [1.1, 1.3, 0.9, 5.2, 4.8, 5.0]}
    bad.write_text(json.dumps(doc))
    with pytest.raises(SessionError, match="'name' should be one line of text of at most 200"):
        sessionfile.load(bad)
