"""The decrease detector's margin follows the size of the terms LL sums, not |LL|: it never fires on a
correct run, even where LL ≈ 0 while the terms are not, and every teaching fault still fires."""

from __future__ import annotations

import math

import numpy as np
import pytest

from em_tui.core import data
from em_tui.core.config import FitConfig
from em_tui.core.faults import FAULTS
from em_tui.core.model import Mixture
from em_tui.core.trajectory import DECREASE_REL_TOL, Decrease, find_decrease, run_em, term_size


def scaled_lesson(seed: int, n: int, c: float) -> tuple[np.ndarray, Mixture]:
    """The lesson's mixture drawn with ``seed``, times ``c``, and the lesson's start (1, 3), σ = 1.5, scaled too."""
    return data.simulate(seed, n) * c, Mixture.create([0.5, 0.5], [c, 3 * c], [1.5 * c, 1.5 * c])


def ll_zero_scale(x: np.ndarray, start: Mixture) -> float:
    """The c for which EM's fit of c·x has LL ≈ 0: LL(c·x) = LL(x) − N log c (closed form)."""
    return math.exp(run_em(x, start).ll[-1] / x.size)


def test_term_size_bounds_the_sum_of_the_absolute_log_densities():
    rng = np.random.default_rng(3)
    for c in (1.0, 0.1114, 1e-3, 1e4):
        x = np.concatenate([rng.normal(0.0, 1.0, 300), rng.normal(4.0, 0.2, 200)]) * c
        model = Mixture.create([0.6, 0.4], [0.1 * c, 4.0 * c], [1.1 * c, 0.25 * c])
        log_p = model.log_density(x)
        size = term_size(x.size, float(log_p.sum()), model)
        assert x.size + np.abs(log_p).sum() <= size <= 4 * (x.size + np.abs(log_p).sum())


def test_the_verdict_is_the_same_at_every_scale():
    for fault in (None, "divide-by-n", "unnormalised"):
        verdicts = set()
        for c in (1.0, 0.1114, 1e-3, 1e4, 1e-150):
            x, start = scaled_lesson(2, 400, c)
            dec = run_em(x, start, FitConfig(tol=0.0, max_iter=40, fault=fault)).decrease
            verdicts.add(None if dec is None else dec.iteration)
        assert len(verdicts) == 1 and (None in verdicts) == (fault is None)


def test_a_drop_below_the_terms_rounding_is_not_a_decrease_even_where_ll_is_near_zero():
    # 10⁶ terms of size about 1 that cancel to LL ≈ 0: LL's rounding is about 10⁶ · 1e-16, far above 1e-9 · |LL|
    sizes = [3e6] * 4
    assert find_decrease([-5.0, -1e-3, 2e-9, 8e-10], sizes) is None
    assert find_decrease([-5.0, -1e-3, 2e-9, 8e-10]) == Decrease(3, pytest.approx(1.2e-9))  # |LL| alone: fires
    assert find_decrease([-5.0, -1e-3, 2e-9, -1.0], sizes) == Decrease(3, pytest.approx(1.0 + 2e-9))
    # the larger of the two iterations' sizes sets the margin
    assert find_decrease([0.0, -2e-3], [1e3, 3e6]) is None and find_decrease([0.0, -2e-3], [1e3, 1e3]) is not None


def test_correct_em_on_a_million_points_with_ll_near_zero_never_fires():
    # 10⁶ points of the lesson's mixture (seed 4) times c, chosen so that the fit's LL is 0 to 1e-5
    # (ll_zero_scale), started at the scaled (1, 3): measured with the margin 1e-9 · (1 + |LL|), this run
    # "fell" at t = 142 by 1.16e-9 (5 units in the last place of its sums of size 10⁶); LL's terms are of
    # size 3 · 10⁶, so its rounding is about 10⁻⁹, a million times below the margin they give.
    x, start = scaled_lesson(4, 1_000_000, 0.11134278954469035)
    run = run_em(x, start, FitConfig(tol=0.0, max_iter=150))
    assert abs(run.ll[-1]) < 1e-3
    assert run.decrease is None
    drops = -np.diff(run.ll)
    margin = DECREASE_REL_TOL * run.term_sizes()[1:]
    assert (drops < 1e-3 * margin).all()


@pytest.mark.parametrize("name", sorted(FAULTS))
@pytest.mark.parametrize("ll_near_zero", [False, True])
def test_every_fault_still_fires_within_30_iterations(name, ll_near_zero):
    x, start = scaled_lesson(1, 2000, 1.0)
    if ll_near_zero:
        c = ll_zero_scale(x, start)
        x, start = scaled_lesson(1, 2000, c)
    run = run_em(x, start, FitConfig(tol=0.0, max_iter=30, fault=name))
    dec = run.decrease
    assert dec is not None and 1 <= dec.iteration <= 30
    assert dec.amount > DECREASE_REL_TOL * run.term_sizes()[dec.iteration]


def test_a_decrease_seen_so_far_is_the_first_up_to_that_iteration():
    x, start = scaled_lesson(0, 200, 1.0)
    run = run_em(x, start, FitConfig(tol=0.0, max_iter=20, fault="divide-by-n"))
    first = run.decrease
    assert first is not None and run.first_decrease(first.iteration - 1) is None
    assert run.first_decrease(first.iteration) == first == run.first_decrease(20)
