"""Teaching faults: deliberately wrong M steps that make the log-likelihood fall.

A correct EM never lets LL decrease. Each fault below is a mistake a student
could make when coding the M step; run it on the default scenario and the
decrease detector fires within a few iterations. The app uses them to show the
warning banner; ``em-tui fit --fault NAME`` runs them headless.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import em
from ..errors import ParameterError
from .model import Mixture
from .trajectory import UpdateRule


def _correct_parts(data: em.Prepared, stats: em.Stats, previous: Mixture):
    """nk, new means and the correct variances sum r (x - mu_new)^2 / N_k."""
    good = em.m_step_from_stats(data, stats, previous)
    return stats.nk, good.means, good.variances, good


def _build(weights, means, var, data: em.Prepared) -> Mixture:
    var = np.maximum(np.nan_to_num(var, nan=data.var_floor, posinf=data.var_floor), data.var_floor)
    w = np.clip(np.nan_to_num(weights, nan=0.0), 0.0, None)
    w = w / w.sum() if w.sum() > 0 else np.full(w.size, 1.0 / w.size)
    return Mixture._trusted(w, np.nan_to_num(means), np.sqrt(var))


def _forgot_sqrt(data: em.Prepared, stats: em.Stats, previous: Mixture) -> Mixture:
    nk, means, var, good = _correct_parts(data, stats, previous)
    # sigma := variance (the square root was forgotten), so var := variance^2
    return _build(good.weights, means, var * var, data)


def _divide_by_n(data: em.Prepared, stats: em.Stats, previous: Mixture) -> Mixture:
    nk, means, var, good = _correct_parts(data, stats, previous)
    return _build(good.weights, means, var * nk / data.n, data)


def _unnormalised(data: em.Prepared, stats: em.Stats, previous: Mixture) -> Mixture:
    # E step without the division by p(x_i): "responsibilities" w_ik = pi_k N(x_i | mu_k, sigma_k^2)
    k = previous.k
    nk, s1, s2 = np.zeros(k), np.zeros(k), np.zeros(k)
    chunk = em._chunk_size(k)
    for lo in range(0, data.n, chunk):
        xc = data.x[lo : lo + chunk]
        w = previous.weighted_component_densities(xc)
        d = xc[None, :] - previous.means[:, None]
        nk += w.sum(axis=1)
        s1 += np.einsum("kc,kc->k", w, d)
        s2 += np.einsum("kc,kc->k", w, d * d)
    safe = np.where(nk > 0, nk, 1.0)
    offset = s1 / safe
    return _build(nk, previous.means + offset, s2 / safe - offset * offset, data)


@dataclass(frozen=True)
class Fault:
    name: str
    summary: str
    update: UpdateRule


FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        Fault(
            "forgot-sqrt",
            "sets sigma to the weighted variance sum r(x-mu)^2/N_k, forgetting the square root",
            _forgot_sqrt,
        ),
        Fault(
            "divide-by-n",
            "divides the weighted sum of squares by N (all points) instead of N_k, shrinking every sigma",
            _divide_by_n,
        ),
        Fault(
            "unnormalised",
            "skips dividing by p(x) in the E step, so pi_k N(x | mu_k, sigma_k) is used as a responsibility",
            _unnormalised,
        ),
    )
}


def get_fault(name: str) -> Fault:
    try:
        return FAULTS[name]
    except KeyError:
        raise ParameterError(f"unknown fault {name!r}; choose one of: {', '.join(FAULTS)}") from None
