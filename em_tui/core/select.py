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

import numpy as np

from . import em
from .errors import ParameterError
from .data import count_distinct
from .init import multi_start
from .model import K_MAX, Mixture


def n_parameters(k: int) -> int:
    return 3 * k - 1


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

    def as_dict(self) -> dict:
        return {"k": self.k, "log_likelihood": self.log_likelihood, "bic": self.bic, "aic": self.aic}


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
) -> list[SelectionRow]:
    """Fit K = 1..kmax (best of ``restarts`` starts each) and score each with BIC and AIC.

    ``progress(done, total)`` is called after every start's run (``total = kmax * restarts``);
    ``should_stop()`` returning True ends the search early with the rows finished so far.
    """
    if isinstance(kmax, bool) or not isinstance(kmax, (int, np.integer)) or not 1 <= kmax <= K_MAX:
        raise ParameterError(f"the largest K must be between 1 and {K_MAX}, got {kmax!r}")
    data = em.prepare(data)
    distinct = count_distinct(data.x, K_MAX + 1)
    rows = []
    total = int(kmax) * int(restarts)
    for k in range(1, int(kmax) + 1):
        if k > distinct or (should_stop is not None and should_stop()):
            break
        done = (k - 1) * restarts
        step = None if progress is None else (lambda i, _r, done=done: progress(done + i, total))
        ms = multi_start(data, k, restarts, seed, method, tol=tol, max_iter=max_iter, should_stop=should_stop,
                         progress=step)
        if len(ms.runs) < restarts:  # stopped part-way: this K is not finished
            break
        best = ms.best
        ll = float(best.ll[-1])
        rows.append(SelectionRow(k, ll, bic(ll, k, data.n), aic(ll, k), best.final, best.start))
    return rows
