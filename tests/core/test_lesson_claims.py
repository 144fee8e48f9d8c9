"""What the lesson claims, true on its default scenario, and when BIC or AIC cannot decide K."""

from __future__ import annotations

import math

import numpy as np
import pytest

from em_tui.core import data
from em_tui.core.model import Mixture
from em_tui.core.select import DECISIVE_GAP, SelectionRow, best_k, choice, select_k
from em_tui.core.trajectory import run_em

#: The lesson says 30 iterations are enough.
ENOUGH = 30


def lesson_run(means):
    """EM on the lesson's default data from ``means`` (the lesson's σ and equal weights)."""
    start = data.DEFAULT_START
    x = data.simulate(data.DEFAULT_SEED, data.DEFAULT_N)
    return run_em(x, Mixture.create(start.weights, list(means), start.sds))


def test_the_default_sample_is_representative():
    """From the lesson's start EM ends within 0.3 of the true means and 0.08 of π₁, and at t = 30 it is
    within 0.01 of its final LL."""
    run = lesson_run(data.DEFAULT_START.means)
    assert run.converged
    fit, truth = run.final.sorted_by_mean(), data.TRUE_MODEL.sorted_by_mean()
    np.testing.assert_array_less(np.abs(fit.means - truth.means), 0.3)
    assert abs(fit.weights[0] - truth.weights[0]) < 0.08
    assert run.iterations > ENOUGH and run.ll[-1] - run.ll[ENOUGH] < 0.01


def test_the_far_start_reaches_the_same_peak_only_more_slowly():
    """What the far-start preset says: the same final LL and estimates as the lesson's start, in more
    iterations, and at t = 30 not yet as close to its end as the lesson's start is."""
    clean, far = lesson_run(data.DEFAULT_START.means), lesson_run((-2.0, 7.0))
    assert far.converged and far.ll[-1] == pytest.approx(clean.ll[-1], abs=1e-5)
    np.testing.assert_allclose(far.final.sorted_by_mean().means, clean.final.sorted_by_mean().means, atol=1e-3)
    assert far.iterations > clean.iterations
    assert far.ll[-1] - far.ll[ENOUGH] > 0.01 > clean.ll[-1] - clean.ll[ENOUGH]


def row(k: int, bic: float, aic: float, collapsed: bool = False) -> SelectionRow:
    model = Mixture.create([1.0 / k] * k, list(range(k)), [1.0] * k)
    return SelectionRow(k, 0.0, bic, aic, model, collapsed=collapsed)


def test_a_choice_is_decisive_when_the_next_best_k_is_2_or_more_above():
    rows = [row(1, 110.0, 100.0), row(2, 100.0, 98.5), row(3, 102.0, 97.0), row(4, 90.0, 80.0, collapsed=True)]
    by_bic, by_aic = choice(rows, "bic"), choice(rows, "aic")
    assert (by_bic.best, by_bic.next_k, by_bic.gap, by_bic.decisive) == (2, 3, 2.0, True)
    assert (by_aic.best, by_aic.next_k, by_aic.gap, by_aic.decisive) == (3, 2, 1.5, False)  # a collapsed K is never next
    assert best_k(rows, "bic") == 2 and best_k(rows, "aic") == 3
    assert by_aic.as_dict() == {"best_k": 3, "next_k": 2, "gap": 1.5, "decisive": False}
    assert DECISIVE_GAP == 2.0


def test_a_single_k_is_decisive_and_no_usable_k_is_no_choice():
    alone = choice([row(1, 10.0, 9.0), row(2, 1.0, 1.0, collapsed=True)], "bic")
    assert (alone.best, alone.next_k, alone.gap, alone.decisive) == (1, None, None, True)
    none = choice([row(1, 10.0, 9.0, collapsed=True)], "aic")
    assert none.best is None and none.next_k is None


def test_old_faithful_waiting_bic_decides_k_and_aic_does_not():
    """K = 2 by both; BIC's next best (K = 3) is 12 above it, AIC's only 1.3 (values from the LL of each
    K's fit, by the formulas)."""
    x = data.load_dataset("old-faithful-waiting").values
    rows = select_k(x, 4)
    n = x.size
    for r in rows:  # the criteria as the formulas give them from each K's LL
        p = 3 * r.k - 1
        assert r.bic == pytest.approx(-2 * r.log_likelihood + p * math.log(n))
        assert r.aic == pytest.approx(-2 * r.log_likelihood + 2 * p)
    by_bic, by_aic = choice(rows, "bic"), choice(rows, "aic")
    assert (by_bic.best, by_bic.next_k, by_bic.decisive) == (2, 3, True) and by_bic.gap > 10
    assert (by_aic.best, by_aic.next_k, by_aic.decisive) == (2, 3, False) and 1 < by_aic.gap < 1.5
    ll = {r.k: r.log_likelihood for r in rows}
    assert by_aic.gap == pytest.approx(-2 * (ll[3] - ll[2]) + 2 * 3)
