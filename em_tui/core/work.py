"""The worked arithmetic of one EM iteration, number by number, as a student computes it by hand.

The engine (:mod:`em_tui.core.em`) keeps of the responsibilities only the sums the M step needs, about
the data's centre, in the log domain. A student computes the same numbers the textbook way:

E step, for a point x_i and each component k::

    z_ik          = (x_i − μ_k) / σ_k
    exponent      = −z_ik² / 2
    N(x_i | μ_k, σ_k²) = exp(exponent) / (σ_k √(2π))
    weighted      = π_k N(x_i | μ_k, σ_k²)
    p(x_i)        = Σ_k π_k N(x_i | μ_k, σ_k²)
    γ_ik          = π_k N(x_i | μ_k, σ_k²) / p(x_i)

and, in the log domain (what the engine does, so that a point far from every component still gets
finite responsibilities)::

    l_k    = log π_k − log σ_k − ½ log(2π) + exponent
    shift  = max_k l_k
    γ_ik   = exp(l_k − shift) / Σ_j exp(l_j − shift)          (the shift cancels: the same γ)
    log p(x_i) = shift + log Σ_j exp(l_j − shift)

M step, for each component, from every point's γ_ik::

    N_k = Σ_i γ_ik,   Σ_i γ_ik x_i,   μ_k' = Σ_i γ_ik x_i / N_k
    Σ_i γ_ik (x_i − μ_k')²,   σ_k'² = Σ_i γ_ik (x_i − μ_k')² / N_k,   π_k' = N_k / N
    LL' = Σ_i log p(x_i | θ')

Components are numbered in the order of the mixture given (a caller that numbers them by mean passes
``model.sorted_by_mean()``). Under a teaching fault the numbers are those of the faulty code, and
:attr:`StepWork.faulty` names the line that is wrong. Every pass walks the data in chunks: nothing
here holds an N × K array (the textbook table computes only the rows asked for).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import em
from .faults import Fault
from .model import LOG_2PI, Mixture
from .points import point_number
from .prepared import chunks, require_prepared

#: √(2π), the normal density's constant, as the worked E step writes it.
SQRT_2PI = math.sqrt(2.0 * math.pi)

#: The line of the arithmetic each teaching fault gets wrong (its name in :class:`StepWork`).
FAULTY_LINE = {"forgot-sqrt": "sd", "divide-by-n": "variance", "unnormalised": "responsibilities"}


@dataclass(frozen=True)
class ComponentE:
    """One component's share of the E step at one point."""

    weight: float       #: π_k
    mean: float         #: μ_k
    sd: float           #: σ_k
    z: float            #: (x − μ_k) / σ_k
    exponent: float     #: −z² / 2
    density: float      #: N(x | μ_k, σ_k²) = exp(exponent) / (σ_k √(2π))
    weighted: float     #: π_k N(x | μ_k, σ_k²)
    log_term: float     #: l_k = log π_k − log σ_k − ½ log 2π + exponent (−inf for π_k = 0)
    shifted: float      #: exp(l_k − shift)
    responsibility: float  #: γ_ik; under the unnormalised fault w_ik = π_k N(x | μ_k, σ_k²), not divided


@dataclass(frozen=True)
class PointWork:
    """The E step at one point, every number of it (:func:`point_work`)."""

    index: int          #: the point's number (from 1, as everywhere: :func:`~em_tui.core.points.point_number`)
    x: float
    components: tuple[ComponentE, ...]
    density: float      #: p(x) = Σ_k π_k N(x | μ_k, σ_k²), summed directly (0 when every term underflows)
    shift: float        #: max_k l_k, the log-sum-exp shift
    shifted_sum: float  #: Σ_k exp(l_k − shift), at least 1
    log_density: float  #: log p(x) = shift + log Σ_k exp(l_k − shift) (finite where p(x) underflows)
    normalised: bool = True  #: False under the unnormalised fault: the responsibilities are not divided by p(x)

    @property
    def responsibilities(self) -> tuple[float, ...]:
        return tuple(c.responsibility for c in self.components)

    @property
    def weighted_densities(self) -> tuple[float, ...]:
        return tuple(c.weighted for c in self.components)


def point_work(x: float, index: int, model: Mixture, normalised: bool = True) -> PointWork:
    """The E step at the point ``x`` (0-based ``index`` in the data) under ``model``: each component's
    z, exponent, density and weighted density, their sum p(x), each γ as a ratio, and the same in the
    log domain with its shift. ``normalised=False``: the unnormalised fault's code (γ not divided)."""
    x = float(x)
    w, mu, sd = model.weights.tolist(), model.means.tolist(), model.sds.tolist()
    parts = []
    with np.errstate(all="ignore"):
        for wk, mk, sk in zip(w, mu, sd):
            z = (x - mk) / sk
            exponent = -0.5 * z * z
            density = math.exp(exponent) / (sk * SQRT_2PI)
            log_w = math.log(wk) if wk > 0 else -math.inf
            parts.append((wk, mk, sk, z, exponent, density, wk * density, log_w - math.log(sk) - 0.5 * LOG_2PI + exponent))
    shift = max(p[7] for p in parts)
    shifted = [math.exp(p[7] - shift) if p[7] > -math.inf else 0.0 for p in parts]
    total = math.fsum(shifted)
    density = math.fsum(p[6] for p in parts)
    comps = tuple(
        ComponentE(wk, mk, sk, z, e, d, wd, lk, s, (s / total) if normalised else wd)
        for (wk, mk, sk, z, e, d, wd, lk), s in zip(parts, shifted)
    )
    return PointWork(point_number(index), x, comps, density, shift, total, shift + math.log(total), normalised)


@dataclass(frozen=True)
class ComponentM:
    """One component's sums in the M step and the new parameters made of them."""

    n_k: float          #: N_k = Σ_i γ_ik
    sum_x: float        #: Σ_i γ_ik x_i
    mean: float         #: μ_k' = Σ γx / N_k (the old mean when the component is empty)
    sum_sq_dev: float   #: Σ_i γ_ik (x_i − μ_k')², about the new mean
    variance: float     #: Σ γ (x − μ_k')² / N_k (/ N under the divide-by-n fault)
    sd: float           #: √variance, at least the floor (the variance itself under forgot-sqrt)
    weight: float       #: π_k' = N_k / N (N_k / Σ_j N_j, which is not N, under the unnormalised fault)
    old_mean: float     #: μ_k, the mean the E step used
    sum_sq_dev_old: float  #: Σ_i γ_ik (x_i − μ_k)², about the old mean (the classic slip's sum)
    empty: bool = False    #: N_k below em.EMPTY_NK: the mean and sd were kept
    floored: bool = False  #: the sd was lifted to the data's floor


@dataclass(frozen=True)
class StepWork:
    """One whole iteration's worked numbers: the M step made of the E step at ``previous``."""

    t: int                        #: the iteration this step makes (1: the first, from the start)
    n: int                        #: N, the number of points
    previous: Mixture             #: θ at iteration t − 1
    components: tuple[ComponentM, ...]
    n_total: float                #: Σ_k N_k (N, but for the unnormalised fault)
    ll_before: float              #: LL[t − 1] = Σ_i log p(x_i | θ at t − 1)
    ll_after: float               #: LL[t] = Σ_i log p(x_i | θ at t)
    new: Mixture                  #: θ at iteration t, as the engine computes it
    fault: str | None = None      #: the teaching fault whose code this is
    faulty: str | None = None     #: the line that fault gets wrong ("responsibilities", "variance", "sd")
    sd_floor: float = 0.0         #: the smallest σ EM gives a component on these data


def step_work(data, previous: Mixture, t: int = 1, fault: Fault | None = None) -> StepWork:
    """The worked M step of iteration ``t`` from ``previous`` (θ at t − 1): every component's sums over
    all the data, in two passes of chunks (the second about the new means), the new parameters as
    fractions of them, and LL before and after. ``new`` is the engine's own update (``fault``'s, with one),
    which the fractions equal to rounding."""
    data = require_prepared(data, "step_work")
    normalised = fault is None or fault.normalised
    e = em.e_step(data, previous) if normalised else fault.e_step(data, previous)
    new = em.m_step(data, e, previous) if fault is None else fault.m_step(data, e, previous)
    k = previous.k
    old = previous.means
    nk, sx, sq_old = np.zeros(k), np.zeros(k), np.zeros(k)
    with np.errstate(all="ignore"):
        for part in chunks(data.n, k):
            x = data.x[part]
            r = _weights(x, previous, normalised)
            nk += r.sum(axis=1)
            sx += r @ x
            sq_old += np.einsum("kn,kn->k", r, (x[None, :] - old[:, None]) ** 2)
        means = np.where(nk >= em.EMPTY_NK, sx / np.where(nk > 0, nk, 1.0), old)
        sq = np.zeros(k)
        for part in chunks(data.n, k):
            x = data.x[part]
            r = _weights(x, previous, normalised)
            sq += np.einsum("kn,kn->k", r, (x[None, :] - means[:, None]) ** 2)
    n_total = math.fsum(v if v > 0 else 0.0 for v in nk.tolist())
    floor = data.sd_floor
    comps = []
    for j in range(k):
        n_j = float(nk[j])
        empty = not n_j >= em.EMPTY_NK
        divisor = data.n if fault is not None and fault.name == "divide-by-n" else n_j
        variance = float(previous.variances[j]) if empty else float(sq[j]) / divisor
        sd = math.sqrt(variance) if variance > 0 else 0.0
        if fault is not None and fault.name == "forgot-sqrt" and not empty:
            sd = variance
        floored = sd < floor
        comps.append(ComponentM(
            n_k=n_j, sum_x=float(sx[j]), mean=float(means[j]), sum_sq_dev=float(sq[j]), variance=variance,
            sd=max(sd, floor), weight=(max(n_j, 0.0) / n_total) if n_total > 0 else 1.0 / k,
            old_mean=float(old[j]), sum_sq_dev_old=float(sq_old[j]), empty=empty, floored=floored))
    name = None if fault is None else fault.name
    return StepWork(t, data.n, previous, tuple(comps), n_total, float(e.ll), em.log_likelihood(data, new), new,
                    name, FAULTY_LINE.get(name) if name else None, floor)


def _weights(x: np.ndarray, model: Mixture, normalised: bool) -> np.ndarray:
    """(K, len(x)): γ_ik, or the unnormalised fault's π_k N(x_i | μ_k, σ_k²)."""
    return em.responsibilities(x, model) if normalised else model.weighted_component_densities(x)


@dataclass(frozen=True)
class TableRow:
    """One row of the textbook table: a point, each π_k N(x | μ_k, σ_k²), p(x) and each γ_ik."""

    index: int                       #: the point's number (from 1)
    x: float
    weighted: tuple[float, ...]      #: π_k N(x_i | μ_k, σ_k²)
    density: float                   #: p(x_i), their sum
    responsibilities: tuple[float, ...]  #: γ_ik (w_ik, not divided, under the unnormalised fault)


def table_rows(x, model: Mixture, start: int = 0, stop: int | None = None, normalised: bool = True,
               indices=None) -> list[TableRow]:
    """The textbook table's rows for the points x[start:stop] only (the rows on screen).
    ``indices``: each point's 0-based place in the data (default: start, start + 1, ...), for data
    shown in another order (sorted by x)."""
    x = np.asarray(x, dtype=float).reshape(-1)
    stop = x.size if stop is None else min(stop, x.size)
    part = x[start:stop]
    with np.errstate(all="ignore"):
        weighted = model.weighted_component_densities(part)
        gamma = em.responsibilities(part, model) if normalised else weighted
    places = range(start, stop) if indices is None else [int(v) for v in np.asarray(indices)[start:stop]]
    return [TableRow(point_number(i), float(part[n]), tuple(weighted[:, n].tolist()),
                     math.fsum(weighted[:, n].tolist()), tuple(gamma[:, n].tolist()))
            for n, i in enumerate(places)]


@dataclass(frozen=True)
class ColumnSums:
    """The textbook table's last row: every column summed over all the points."""

    weighted: tuple[float, ...]          #: Σ_i π_k N(x_i | μ_k, σ_k²)
    density: float                       #: Σ_i p(x_i)
    responsibilities: tuple[float, ...]  #: Σ_i γ_ik = N_k (Σ_k of them is N, normalised)
    log_likelihood: float                #: Σ_i log p(x_i), the LL


def column_sums(data, model: Mixture, normalised: bool = True) -> ColumnSums:
    """The column sums of the textbook table over all the data, in chunks."""
    data = require_prepared(data, "column_sums")
    k = model.k
    wsum, gsum, dsum = np.zeros(k), np.zeros(k), 0.0
    with np.errstate(all="ignore"):
        for part in chunks(data.n, k):
            xc = data.x[part]
            w = model.weighted_component_densities(xc)
            wsum += w.sum(axis=1)
            dsum += float(w.sum())
            gsum += (em.responsibilities(xc, model) if normalised else w).sum(axis=1)
    return ColumnSums(tuple(wsum.tolist()), dsum, tuple(gsum.tolist()), em.log_likelihood(data, model))
