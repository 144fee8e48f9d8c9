"""The local optima come in an order that does not depend on the last digits of the LLs (which differ
between machines and NumPy builds): solutions by their best LL rounded to the grouping tolerance,
runs within a solution by start."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from em_tui.core.config import FitConfig
from em_tui.core.data import load_dataset
from em_tui.core.init import MultiStart, kmeans_start, multi_start
from em_tui.core.optima import LL_TOL, explore, group_runs, runs_in_order


@pytest.fixture(scope="module")
def runs():
    x = load_dataset("galaxies").values
    return explore(x, FitConfig(k=3, restarts=5, seed=0), current=kmeans_start(x, 3, 0))


def order(solutions):
    return [[(r.method, r.index) for r in sol.runs] for sol in solutions]


def jittered(runs, seed: int):
    """The same runs with every final LL moved by rounding-sized noise, listed in a shuffled order."""
    rng = np.random.default_rng(seed)
    moved = [dataclasses.replace(r, ll=r.ll * (1.0 + 1e-14 * rng.standard_normal())) for r in runs]
    return [moved[i] for i in rng.permutation(len(moved))]


def test_rounding_noise_in_the_lls_changes_nothing(runs):
    expected = group_runs(runs)
    assert len(expected) >= 2 and max(sol.count for sol in expected) >= 3  # ties to break
    for seed in range(5):
        got = group_runs(jittered(runs, seed))
        assert order(got) == order(expected)
        assert [(s.best_run.method, s.best_run.index) for s in got] == [(s.best_run.method, s.best_run.index)
                                                                       for s in expected]


def test_solutions_best_first_and_runs_by_start(runs):
    solutions = group_runs(runs)
    lls = [round(sol.ll / LL_TOL) for sol in solutions]
    assert lls == sorted(lls, reverse=True)
    for sol in solutions:
        keys = [r.start_key for r in sol.runs]
        assert keys == sorted(keys)
        assert sol.ll == sol.best_run.ll and sol.final is sol.best_run.final
    # your start first, then random, then k-means
    assert [r.method for r in runs_in_order(solutions) if r.method == "current"] == ["current"]
    assert runs_in_order(solutions) == [r for sol in solutions for r in sol.runs]


def test_the_best_of_several_starts_does_not_depend_on_rounding_noise():
    """Starts that reach the same fit end with LLs a few units in the last digit apart: the first of
    them is the best, whatever the noise (the app shows that start, em-tui fit prints it)."""
    x = load_dataset("galaxies").values
    ms = multi_start(x, FitConfig(k=3, restarts=6, seed=0, init="kmeans"))
    lls = ms.final_lls
    tied = np.flatnonzero(np.abs(lls - lls.max()) <= 1e-12 * (1 + abs(lls.max())))
    assert tied.size >= 2  # several starts reach the best fit
    for seed in range(5):
        rng = np.random.default_rng(seed)
        noisy = MultiStart([_with_final_ll(r, r.ll[-1] * (1 + 1e-14 * rng.standard_normal())) for r in ms.runs])
        assert noisy.best_index == tied[0]


class _with_final_ll:
    """A finished run whose final LL reads as ``ll`` (what another machine's rounding might give)."""

    def __init__(self, run, ll: float) -> None:
        self.ll = np.append(run.ll[:-1], ll)
        self.final, self.data = run.final, run.data  # what tells whether the run collapsed
