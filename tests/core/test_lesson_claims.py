"""What the lesson claims, true on its default scenario."""

from __future__ import annotations

import numpy as np
import pytest

from em_tui.core import data
from em_tui.core.model import Mixture
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
