"""The table on the lesson's data: EM's LL beside the LL at the true parameters, and the counts beside
the ones the truth expects (π·N), so that a sample's best fit can be told apart from the truth."""

from __future__ import annotations

import numpy as np
import pytest
from app_helpers import rendered

from em_tui.core import data
from em_tui.session.scenario import Scenario
from em_tui.session.session import Session
from em_tui.session.view import TRUTH_HEAD
from em_tui.tui import create_app

SEED = 7


def ll_at_truth(x: np.ndarray) -> float:
    """Σ log Σ_k π_k N(x | μ_k, σ_k²) at the lesson's true model, written out."""
    t = data.TRUE_MODEL
    dens = sum(w * np.exp(-0.5 * ((x - m) / s) ** 2) / (s * np.sqrt(2 * np.pi))
               for w, m, s in zip(t.weights, t.means, t.sds))
    return float(np.log(dens).sum())


def converged(seed: int = SEED) -> Session:
    s = Session(Scenario.build(seed=seed))
    s.goto(s.max_iter)
    return s


def test_the_frame_has_ems_ll_beside_the_truths_and_the_expected_counts():
    s = converged()
    f = s.frame()
    x = data.simulate(SEED)
    truth_ll = ll_at_truth(x)
    assert f.backdrop.true_ll == pytest.approx(truth_ll, rel=1e-12)
    rows = {r[0]: r for r in f.table}
    name, est, true, err = rows["LL"]
    assert float(est) == pytest.approx(f.ll_now, abs=5e-4) and float(true) == pytest.approx(truth_ll, abs=5e-4)
    assert float(err) == pytest.approx(f.ll_now - truth_ll, abs=5e-4)
    assert f.ll_now > truth_ll  # the sample's best fit beats the model it was drawn from
    # N_k beside the truth's expected count π·N (not a count of the points each component drew)
    assert [rows[f"N{i}"][2] for i in (1, 2)] == [f"{w * x.size:.1f}" for w in data.TRUE_MODEL.weights]
    heads = dict(f.table_heads)
    assert heads[0] == TRUTH_HEAD and "expected" in heads[7] and "(π·N)" in heads[7]
    assert [r[0] for r in f.table[7:]] == ["N1", "N2"] and f.table[6][0] == "LL"
    assert not any(line.startswith("LL") for line in f.summary)  # once, in the table


def test_the_ll_row_follows_the_iteration_shown_and_the_truths_stays():
    s = Session(Scenario.build(seed=SEED))
    first = dict((r[0], r) for r in s.frame().table)["LL"]
    s.step()
    second = dict((r[0], r) for r in s.frame().table)["LL"]
    assert first[2] == second[2] and first[1] != second[1]
    assert float(first[1]) == pytest.approx(s.trajectory.ll[0], abs=5e-4)


def test_no_truth_no_truths_ll():
    own = Session(Scenario.build(dataset=data.load_dataset("galaxies"), k=3)).frame()
    assert own.backdrop.true_ll is None and own.table_heads == ()
    assert own.summary[0].startswith("LL ")
    other_k = Session(Scenario.build(k=3, means=(0.0, 2.0, 4.0))).frame()
    assert not other_k.truth_columns and other_k.summary[0].startswith("LL ")


async def test_the_table_shows_the_truths_ll_and_expected_counts():
    app = create_app(Scenario.build(seed=SEED), pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        lines = [ln.split() for ln in rendered(app.query_one("#table")).splitlines()]
        f = app.frame
        ll = dict((r[0], r) for r in f.table)["LL"]
        assert list(ll) in lines
        at = lines.index(list(ll))
        assert lines[at + 1] == ["N_k", "expected", "(π·N)"]
        assert lines[at + 2][:3] == ["N1", "100.0", "80.0"]  # 200 points, π = 0.5 at the start; 0.4 · 200
        assert lines[0] == ["est.", "true", "error"]
