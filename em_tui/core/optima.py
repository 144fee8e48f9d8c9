"""Local optima: many EM runs from different starts, grouped into the distinct solutions they reach.

Two runs reach the same solution when their final log-likelihoods differ by at most
``LL_TOL`` and their parameters, with components sorted by mean, agree: weights within
``WEIGHT_TOL`` and means and sds within ``SPREAD_TOL`` times the data's sd. EM stops when
LL rises by less than its tolerance, so runs to one optimum end a little apart, and on a
flat ridge of the likelihood their means can end a few hundredths of the data's sd apart;
the tolerances allow for that, and the LL test keeps real optima apart.

Order: solutions best first, by their best LL rounded to ``LL_TOL``; runs within a solution by
start (your start, then the random starts, then the k-means starts, each by number). Runs that
reach one optimum end with LLs that differ only in their last digits, which depend on the machine
and its NumPy build: ordering by those digits would show the same runs in another order elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .config import FitConfig
from .init import seeded_start
from .model import Mixture
from .prepared import as_prepared
from .trajectory import Trajectory, ll_noise

LL_TOL = 1e-2
WEIGHT_TOL = 5e-2
SPREAD_TOL = 1e-1
#: how the methods are named on screen
METHOD_NAMES = {"random": "random", "kmeans": "k-means", "current": "your start"}
#: the order of the starts (as explore runs them with its default methods)
START_ORDER = ("current", "random", "kmeans")


@dataclass(frozen=True)
class StartRun:
    """One start and where EM took it."""

    method: str
    #: the start's number among its method's starts (seeded_start(data, k, method, seed, index))
    index: int
    start: Mixture
    final: Mixture
    ll: float
    iterations: int
    converged: bool
    #: the finished run itself
    run: Trajectory | None = field(default=None, compare=False, repr=False)

    @property
    def start_key(self) -> tuple[int, int]:
        """Where this start comes among all starts: your start, then random, then k-means, by number."""
        rank = START_ORDER.index(self.method) if self.method in START_ORDER else len(START_ORDER)
        return rank, self.index


@dataclass
class Solution:
    """A distinct end point, and the runs that reached it."""

    final: Mixture
    ll: float
    runs: list[StartRun] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.runs)

    @property
    def best_run(self) -> StartRun:
        """The run with the highest final LL; among runs whose LLs differ only by rounding noise, the
        first start (so that the same start is chosen on every machine)."""
        top = max(r.ll for r in self.runs)
        return min((r for r in self.runs if r.ll >= top - ll_noise(top)), key=lambda r: r.start_key)

    @property
    def capped(self) -> int:
        """How many of its runs stopped at the iteration cap instead of converging."""
        return sum(not r.converged for r in self.runs)

    def by_method(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.runs:
            out[r.method] = out.get(r.method, 0) + 1
        return out


def same_solution(a: Mixture, ll_a: float, b: Mixture, ll_b: float, spread: float) -> bool:
    if a.k != b.k or abs(ll_a - ll_b) > LL_TOL:
        return False
    a, b = a.sorted_by_mean(), b.sorted_by_mean()
    return bool(np.all(np.abs(a.weights - b.weights) <= WEIGHT_TOL)
                and np.all(np.abs(a.means - b.means) <= SPREAD_TOL * spread)
                and np.all(np.abs(a.sds - b.sds) <= SPREAD_TOL * spread))


def group_runs(runs: list[StartRun], spread: float | None = None) -> list[Solution]:
    """The distinct solutions, best first (see the module's note on order); each run joins the first
    solution it matches, trying runs from the highest final LL down. A solution's runs are in start
    order, and its ``final`` and ``ll`` are its best run's.
    ``spread``: the data's sd (taken from the runs' data when not given)."""
    if spread is None:
        spread = 1.0
        if runs and runs[0].run is not None:
            spread = runs[0].run.data.spread
    solutions: list[Solution] = []
    for run in sorted(runs, key=lambda r: (-r.ll, r.start_key)):
        for sol in solutions:
            if same_solution(sol.final, sol.ll, run.final, run.ll, spread):
                sol.runs.append(run)
                break
        else:
            solutions.append(Solution(run.final, run.ll, [run]))
    for sol in solutions:
        sol.runs.sort(key=lambda r: r.start_key)
        best = sol.best_run
        sol.final, sol.ll = best.final, best.ll
    solutions.sort(key=lambda sol: (-round(sol.ll / LL_TOL), sol.runs[0].start_key))
    return solutions


def runs_in_order(solutions: list[Solution]) -> list[StartRun]:
    """Every run, solution by solution (best first) and by start within each: the order the final
    LLs are drawn in, so that a flat stretch is one solution."""
    return [run for sol in solutions for run in sol.runs]


def explore(
    data,
    config: FitConfig,
    *,
    methods: tuple[str, ...] = ("random", "kmeans"),
    current: Mixture | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[StartRun]:
    """Run EM (as ``config`` says) from ``config.restarts`` starts of each method with K = ``config.k``
    (seeded by ``config.seed`` as :func:`~em_tui.core.init.multi_start` seeds them) and, if given, from
    the ``current`` start; every run is kept, in the order run."""
    data = as_prepared(data)
    plan: list[tuple[str, int, Mixture | None]] = [("current", 0, current)] if current is not None else []
    plan += [(m, i, None) for m in methods for i in range(config.restarts)]
    out: list[StartRun] = []
    for n_done, (method, index, start) in enumerate(plan):
        if should_stop is not None and should_stop():
            break
        if start is None:
            start = seeded_start(data, config.k, method, config.seed, index)
        run = Trajectory(data, start, config).run(should_stop)
        if should_stop is not None and should_stop() and not run.done:
            break  # cut short: not an end point
        out.append(StartRun(method, index, start, run.final, float(run.ll[-1]), run.iterations, run.converged, run))
        if progress is not None:
            progress(n_done + 1, len(plan))
    return out
