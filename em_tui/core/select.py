"""Choosing K with information criteria.

    p   = 3K - 1            (K means, K sds, K - 1 free weights; :func:`~em_tui.core.model.free_parameters`)
    BIC = -2 LL + p ln N
    AIC = -2 LL + 2 p

Smaller is better for both; BIC penalises extra components more once N > 7.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable


from ..errors import ParameterError
from .config import FitConfig
from .data import count_distinct
from .init import multi_start
from .model import K_MAX, Mixture, check_k, free_parameters
from .prepared import as_prepared
from .trajectory import Trajectory

#: What :func:`select_k` runs when given no configuration: the best of 5 k-means starts per K, seed 0.
SELECT_CONFIG = FitConfig(init="kmeans", restarts=5, seed=0)


def bic(ll: float, k: int, n: int, variance: str = "unequal") -> float:
    return -2.0 * ll + free_parameters(k, variance) * math.log(n)


def aic(ll: float, k: int, variance: str = "unequal") -> float:
    return -2.0 * ll + 2.0 * free_parameters(k, variance)


@dataclass(frozen=True)
class SelectionRow:
    k: int
    log_likelihood: float
    bic: float
    aic: float
    model: Mixture
    #: the start that led to ``model`` (so the fit can be run again, step by step)
    start: Mixture | None = None
    #: a component collapsed onto a point or tied values (sd ≈ 0): the criteria mean nothing there
    collapsed: bool = False
    #: the finished run itself
    run: Trajectory | None = None
    #: the run converged (False: it stopped at the iteration cap, so LL may still be short of its optimum)
    converged: bool = True

    def as_dict(self) -> dict:
        return {"k": self.k, "log_likelihood": self.log_likelihood, "bic": self.bic, "aic": self.aic,
                "collapsed": self.collapsed, "converged": self.converged}


#: A criterion's best K and the next best closer than this do not decide between them: a difference
#: of BIC below 2 is "not worth more than a bare mention" (Kass and Raftery 1995), and models within
#: 2 of the lowest AIC have substantial support too (Burnham and Anderson 2002).
DECISIVE_GAP = 2.0


@dataclass(frozen=True)
class Choice:
    """What one criterion ("bic" or "aic") picks among the rows that did not collapse: its best K,
    the next best K and how much higher that one's value is (None when fewer than two K are usable)."""

    criterion: str
    best: int | None
    next_k: int | None = None
    gap: float | None = None

    @property
    def decisive(self) -> bool:
        """The best K beats every other by at least DECISIVE_GAP (or is the only one)."""
        return self.gap is None or self.gap >= DECISIVE_GAP

    def as_dict(self) -> dict:
        return {"best_k": self.best, "next_k": self.next_k, "gap": self.gap, "decisive": self.decisive}


def choice(rows: list[SelectionRow], criterion: str) -> Choice:
    """The K that ``criterion`` picks (smallest value) among the rows that did not collapse, and whether
    the pick is decisive: the next best K's value at least DECISIVE_GAP higher."""
    usable = sorted((r for r in rows if not r.collapsed), key=lambda r: getattr(r, criterion))
    if not usable:
        return Choice(criterion, None)
    if len(usable) == 1:
        return Choice(criterion, usable[0].k)
    best, second = usable[:2]
    return Choice(criterion, best.k, second.k, float(getattr(second, criterion) - getattr(best, criterion)))


def best_k(rows: list[SelectionRow], criterion: str) -> int | None:
    """The K with the smallest ``criterion`` ("bic" or "aic") among the rows that did not collapse."""
    return choice(rows, criterion).best


def select_k(
    data,
    kmax: int,
    config: FitConfig = SELECT_CONFIG,
    *,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_row: Callable[[SelectionRow], None] | None = None,
) -> list[SelectionRow]:
    """Fit K = 1..kmax (each the best of ``config.restarts`` starts made by ``config.init``, seeded by
    ``config.seed`` and run as ``config`` says; its K is replaced by each K) and score each with BIC and AIC.

    Each K keeps its best run among those where no component collapsed (sd ≈ 0, see
    :func:`~em_tui.core.model.collapsed_components`); if every run collapsed, the best one, marked
    ``collapsed``. K stops at the number of distinct values in the data.

    ``progress(done, total)`` is called after every start's run (``total = kmax * config.restarts``);
    ``should_stop()`` returning True ends the search early with the rows finished so far;
    ``on_row(row)`` is called as each K is finished.
    """
    kmax = check_k(kmax, name="the largest K", error=ParameterError)
    data = as_prepared(data)
    distinct = count_distinct(data.x, K_MAX + 1)
    rows = []
    restarts, variance = config.restarts, config.variance
    total = kmax * restarts
    for k in range(1, kmax + 1):
        if k > distinct or (should_stop is not None and should_stop()):
            break
        done = (k - 1) * restarts
        step = None if progress is None else (lambda i, _r, done=done: progress(done + i, total))
        ms = multi_start(data, config.but(k=k), should_stop=should_stop, progress=step)
        if len(ms.runs) < restarts or not ms.runs[-1].done:  # stopped part-way: this K is not finished
            break
        best = ms.best
        ll = float(best.ll[-1])
        rows.append(SelectionRow(k, ll, bic(ll, k, data.n, variance), aic(ll, k, variance), best.final, best.start,
                                 ms.all_collapsed, best, bool(best.converged)))
        if on_row is not None:
            on_row(rows[-1])
    return rows
