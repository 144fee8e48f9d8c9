"""Choosing K with information criteria.

    p   = 3K - 1            (K means, K sds, K - 1 free weights)
    BIC = -2 LL + p ln N
    AIC = -2 LL + 2 p

Smaller is better for both; BIC penalises extra components more once N > 7.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable


from ..errors import ParameterError
from .checks import is_whole
from .data import count_distinct
from .init import multi_start
from .model import K_MAX, Mixture, collapsed_components, free_parameters
from .prepared import as_prepared
from .trajectory import Trajectory

#: p = 3K - 1 (:func:`~em_tui.core.model.free_parameters`)
n_parameters = free_parameters


def bic(ll: float, k: int, n: int) -> float:
    return -2.0 * ll + n_parameters(k) * math.log(n)


def aic(ll: float, k: int) -> float:
    return -2.0 * ll + 2.0 * n_parameters(k)


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


def best_k(rows: list[SelectionRow], criterion: str) -> int | None:
    """The K with the smallest ``criterion`` ("bic" or "aic") among the rows that did not collapse."""
    usable = [r for r in rows if not r.collapsed]
    return min(usable, key=lambda r: getattr(r, criterion)).k if usable else None


def select_k(
    data,
    kmax: int,
    *,
    restarts: int = 5,
    seed: int = 0,
    method: str = "kmeans",
    tol: float = 1e-6,
    max_iter: int = 1000,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_row: Callable[[SelectionRow], None] | None = None,
) -> list[SelectionRow]:
    """Fit K = 1..kmax (best of ``restarts`` starts each) and score each with BIC and AIC.

    Each K keeps its best run among those where no component collapsed (sd ≈ 0, see
    :func:`~em_tui.core.model.collapsed_components`); if every run collapsed, the best one, marked
    ``collapsed``. K stops at the number of distinct values in the data.

    ``progress(done, total)`` is called after every start's run (``total = kmax * restarts``);
    ``should_stop()`` returning True ends the search early with the rows finished so far;
    ``on_row(row)`` is called as each K is finished.
    """
    if not is_whole(kmax) or not 1 <= kmax <= K_MAX:
        raise ParameterError(f"the largest K must be between 1 and {K_MAX}, got {kmax!r}")
    data = as_prepared(data)
    distinct = count_distinct(data.x, K_MAX + 1)
    rows = []
    spread = data.sd
    total = int(kmax) * int(restarts)
    for k in range(1, int(kmax) + 1):
        if k > distinct or (should_stop is not None and should_stop()):
            break
        done = (k - 1) * restarts
        step = None if progress is None else (lambda i, _r, done=done: progress(done + i, total))
        ms = multi_start(data, k, restarts, seed, method, tol=tol, max_iter=max_iter, should_stop=should_stop,
                         progress=step)
        if len(ms.runs) < restarts or not ms.runs[-1].done:  # stopped part-way: this K is not finished
            break
        sound = [r for r in ms.runs if not collapsed_components(r.final, spread)]
        best = max(sound or ms.runs, key=lambda r: r.ll[-1])
        ll = float(best.ll[-1])
        rows.append(SelectionRow(k, ll, bic(ll, k, data.n), aic(ll, k), best.final, best.start, not sound, best,
                                 bool(best.converged)))
        if on_row is not None:
            on_row(rows[-1])
    return rows
