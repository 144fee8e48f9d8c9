"""The record of an EM run: parameters and log-likelihood at every iteration.

Indexing: ``params[0]`` are the initial parameters and ``ll[0]`` = LL(params[0]);
``params[t]`` are the parameters after t full iterations (E then M) and
``ll[t]`` = LL(params[t]). A run of T iterations holds T + 1 of each, so any t
can be shown again without recomputing.

Convergence: the run stops when |LL[t] - LL[t-1]| < tol (absolute; default
1e-6; for a correct EM, LL[t] - LL[t-1] is never meaningfully negative, so this
is the usual "LL[t] - LL[t-1] < tol") or when it reaches the iteration cap
(default 1000). With tol = 0 it runs exactly the cap.

Decrease detector: the first t with LL[t] < LL[t-1] - 1e-9 * S, where S bounds
the size of the N terms LL sums, N + sum_i |log p(x_i)| (:func:`term_size`), at
params[t-1] and params[t]. LL's rounding grows with those terms, not with |LL|,
which can be near 0 while the terms are not (data scaled so that the log
densities cancel). Measured: the engine's LL is within 20 eps * S of an exact one;
a correct EM never trips the margin, a teaching fault does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import em
from ._kernels import blas_scope_for
from ..errors import ParameterError
from .checks import is_whole
from .config import FitConfig
from .faults import Fault, get_fault
from .model import Mixture
from .prepared import as_prepared, from_working, to_working

#: LL "fell" when it dropped by more than this times the size of its terms (:func:`term_size`): the
#: engine's LL is within about 20 eps (4e-15) of it from an exact sum (lesson data, scaled by 1e±200, offset
#: by 1e9, LL ≈ 0, separated clusters, K = 3), so rounding never reaches this margin.
DECREASE_REL_TOL = 1e-9
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
#: Two LLs closer than this (relative) are the same LL to rounding: runs that reach one fit from
#: starts that end alike differ by about N · 1e-16 · |log p(x)|, far below this margin, while runs
#: that stop at the tolerance from different sides stay far above it.
LL_NOISE_REL = 1e-12

@dataclass(frozen=True)
class Decrease:
    """LL fell at ``iteration`` (LL[iteration] < LL[iteration - 1]) by ``amount`` > 0."""

    iteration: int
    amount: float

    def as_dict(self) -> dict:
        return {"iteration": self.iteration, "amount": self.amount}


def ll_noise(ll: float) -> float:
    """How far rounding can move a log-likelihood near ``ll``: 1e-12 * (1 + |ll|). Two LLs closer
    than this are the same LL; which of them is larger depends on the machine and its NumPy build."""
    return LL_NOISE_REL * (1.0 + abs(ll))


def term_size(n: int, ll: float, model: Mixture) -> float:
    """An upper bound on N + sum_i |log p(x_i)|, the size of the terms LL = sum_i log p(x_i) sums at
    ``model`` (what its rounding grows with), from LL, N and the model alone:

        sum_i |log p(x_i)| = -LL + 2 sum_{log p > 0} log p(x_i) <= |LL| + 2 N max(0, log peak)

    with peak = sum_k pi_k / (sigma_k sqrt(2 pi)) >= max_x p(x). Scale-free: x -> c x shifts every term
    by -log |c|, and the bound follows."""
    w, sd = model.weights, model.sds
    kept = w > 0
    log_peak = float(np.logaddexp.reduce(np.log(w[kept]) - np.log(sd[kept]))) - _HALF_LOG_2PI
    return n + abs(ll) + 2.0 * n * max(0.0, log_peak)


def find_decrease(ll, sizes=None) -> Decrease | None:
    """First t with LL[t] < LL[t-1] - DECREASE_REL_TOL * max(sizes[t-1], sizes[t]), or None.

    ``sizes[t]``: the size of the terms LL[t] sums (:func:`term_size`; a run's own:
    :meth:`Trajectory.first_decrease`). Without them, 1 + |LL[t]|, which is that size only when every
    log p(x_i) has the same sign."""
    ll = np.asarray(ll, dtype=float)
    if ll.size < 2:
        return None
    sizes = 1.0 + np.abs(ll) if sizes is None else np.asarray(sizes, dtype=float)[: ll.size]
    prev, cur = ll[:-1], ll[1:]
    hits = np.flatnonzero(cur < prev - DECREASE_REL_TOL * np.maximum(sizes[:-1], sizes[1:]))
    if hits.size == 0:
        return None
    t = int(hits[0]) + 1
    return Decrease(t, float(ll[t - 1] - ll[t]))


@dataclass(frozen=True)
class HalfState:
    """The state between iteration t and t + 1 after the E step only.

    The responsibilities at ``params`` are computed (``nk`` holds their column
    sums N_k) but the parameters have not moved yet. ``normalised`` is False when the run's
    E step is a fault's that leaves out the division by p(x_i) (:attr:`Fault.normalised
    <em_tui.core.faults.Fault.normalised>`): ``nk`` and :meth:`responsibilities` are then what that
    code computes, w_ik = pi_k N(x_i | mu_k, sigma_k^2), whose rows do not sum to 1.
    """

    t: int
    params: Mixture
    nk: np.ndarray
    ll: float
    data: em.Prepared
    normalised: bool = True

    def responsibilities(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """r_ik for the points data[start:stop], computed on demand (w_ik when not ``normalised``)."""
        return e_weights(self.data.x, self.params, self.normalised, start, stop)


def e_weights(x, model: Mixture, normalised: bool = True, start: int = 0, stop: int | None = None) -> np.ndarray:
    """(K, n) for the points x[start:stop], in the model's component order: the responsibilities
    gamma_ik (:func:`em.responsibilities`), or with ``normalised=False`` what an E step without the
    division by p(x_i) computes, w_ik = pi_k N(x_i | mu_k, sigma_k^2)."""
    if normalised:
        return em.responsibilities(x, model, start, stop)
    x = np.asarray(x, dtype=float).reshape(-1)
    return model.weighted_component_densities(x[start:stop])


class Trajectory:
    """An EM run that grows one iteration at a time; its past never changes.

    ``config`` (:class:`~em_tui.core.config.FitConfig`; default: its defaults) says how it runs: the
    stopping rule (``tol``, ``max_iter``), the variance model and a teaching ``fault``. K is the
    start's. Each iteration is ``m_step(data, em.e_step(data, params), params, config.variance)``, where
    ``m_step`` is :func:`em.m_step`, or with a fault :meth:`Fault.m_step <em_tui.core.faults.Fault.m_step>`
    (the same M step, wrapped). ``data``: prepared data (:func:`em.prepare`, done once when the data
    are loaded); plain values are prepared here, for scripts.
    """

    def __init__(self, data, start: Mixture, config: FitConfig | None = None) -> None:
        if config is None:
            config = FitConfig()
        elif not isinstance(config, FitConfig):
            raise TypeError(f"a run's settings are a FitConfig, got {config!r}")
        #: the settings this run was made with
        self.config = config
        self.data = as_prepared(data)
        self.tol = config.tol
        self.max_iter = config.max_iter
        #: how the M step treats the sigmas (:data:`~em_tui.core.config.VARIANCE_MODELS`)
        self.variance = config.variance
        #: the teaching fault that wraps the M step (None: EM's own)
        self.fault: Fault | None = None if config.fault is None else get_fault(config.fault)
        #: the M step each iteration runs: EM's own, or the fault's (which wraps it)
        self._m_step = em.m_step if self.fault is None else self.fault.m_step
        em.check_start(self.data, start)
        # the passes and the update run on the working data (the data themselves, or for data at an
        # extreme scale the same data scaled by a power of two); what is read is in the data's units
        self._work = self.data.working
        #: N log s: LL in the data's units is LL in working units minus this (0 at ordinary scales)
        self._ll_shift = self.data.n * self.data.log_scale
        working_start = to_working(self.data, start)
        stats = em.e_step(self._work, working_start)
        if not np.isfinite(stats.ll):
            raise ParameterError(
                "the start is so far from the data (or a sigma so small) that the likelihood is zero; "
                "choose means inside the data's range and sigmas on the data's scale"
            )
        self._params: list[Mixture] = [start]
        #: the parameters in working units (the same list when the data need no scaling)
        self._working: list[Mixture] = self._params if self.data.scaled is None else [working_start]
        self._stats: list[em.EStep] = [stats]
        #: term_size at each iteration computed so far (what the decrease detector's margin follows)
        self._sizes: list[float] = []
        self.converged = False

    # -- growing -----------------------------------------------------------
    @property
    def done(self) -> bool:
        """True once converged or at the iteration cap."""
        return self.converged or self.iterations >= self.max_iter

    def step(self) -> bool:
        """Run one more iteration; False (and nothing done) if the run is over."""
        if self.done:
            return False
        e, previous = self._stats[-1], self._working[-1]  # the E step at the last parameters
        new = self._m_step(self._work, e, previous, self.variance)
        stats = em.e_step(self._work, new)
        if self._working is not self._params:
            self._working.append(new)
            new = from_working(self.data, new)
        self._params.append(new)
        self._stats.append(stats)
        if abs(stats.ll - self._stats[-2].ll) < self.tol:
            self.converged = True
        return True

    def run(self, should_stop: Callable[[], bool] | None = None) -> "Trajectory":
        """Iterate until converged or the cap (or until ``should_stop()`` is true).

        The whole run holds one BLAS thread (see :data:`em_tui.core._kernels.one_blas_thread`), set once
        for all its passes.
        """
        with blas_scope_for(self._work):
            while not self.done:
                if should_stop is not None and should_stop():
                    break
                self.step()
        return self

    # -- reading -------------------------------------------------------------
    @property
    def iterations(self) -> int:
        """T, the number of full iterations run."""
        return len(self._params) - 1

    @property
    def start(self) -> Mixture:
        return self._params[0]

    @property
    def final(self) -> Mixture:
        return self._params[-1]

    @property
    def ll(self) -> np.ndarray:
        """LL[0..T] as a new array."""
        return np.array([s.ll for s in self._stats]) - self._ll_shift

    def params(self, t: int) -> Mixture:
        """Parameters after t iterations (random access, no recomputation)."""
        return self._params[self._index(t)]

    def ll_at(self, t: int) -> float:
        return self._stats[self._index(t)].ll - self._ll_shift

    def nk(self, t: int) -> np.ndarray:
        """Soft counts N_k of the E step at params(t)."""
        return self._stats[self._index(t)].nk.copy()

    @property
    def e_normalised(self) -> bool:
        """The run's E step divides by p(x_i) (False under a fault whose E step does not: its
        "responsibilities" w_ik do not sum to 1)."""
        return self.fault is None or self.fault.normalised

    def half(self, t: int) -> HalfState:
        """The E-only half state between t and t + 1, as the run's own E step computes it (N_k of the
        fault's w_ik when :attr:`e_normalised` is False; one pass over the data then)."""
        i = self._index(t)
        nk = self._stats[i].nk.copy()
        if not self.e_normalised:
            nk = self.fault.e_step(self.data, self._params[i]).nk.copy()
        return HalfState(i, self._params[i], nk, self._stats[i].ll - self._ll_shift, self.data, self.e_normalised)

    def term_sizes(self, through: int | None = None) -> np.ndarray:
        """:func:`term_size` at iterations 0..through (default: all), each computed once (the list is
        replaced, never changed in place: a reader in another thread sees a whole one)."""
        stop = self.iterations if through is None else self._index(through)
        sizes = self._sizes
        if len(sizes) <= stop:
            sizes = sizes + [term_size(self.data.n, self.ll_at(i), self._params[i]) for i in range(len(sizes), stop + 1)]
            self._sizes = sizes
        return np.array(sizes[: stop + 1])

    def first_decrease(self, through: int | None = None) -> Decrease | None:
        """The first LL decrease at iterations 1..through (default: all), by :func:`find_decrease` with
        this run's term sizes."""
        stop = self.iterations if through is None else self._index(through)
        return find_decrease(self.ll[: stop + 1], self.term_sizes(stop))

    @property
    def decrease(self) -> Decrease | None:
        return self.first_decrease()

    def _index(self, t: int) -> int:
        if not is_whole(t) or not 0 <= t <= self.iterations:
            raise ParameterError(f"iteration {t!r} is outside 0..{self.iterations}")
        return int(t)


def run_em(data, start: Mixture, config: FitConfig | None = None) -> Trajectory:
    """Run EM from ``start`` until convergence or the iteration cap: ``Trajectory(data, start,
    config).run()``. ``config`` (default: FitConfig's defaults, tol 1e-6 and a cap of 1000) says how
    it runs; a script that wants other settings names them in one: ``run_em(x, start,
    FitConfig(tol=0, max_iter=30))`` runs exactly 30 iterations, and ``config.but(fault="forgot-sqrt")``
    runs the same settings with a teaching fault."""
    return Trajectory(data, start, config).run()
