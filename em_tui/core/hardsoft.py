"""k-means against EM with one shared, fixed standard deviation: hard against soft.

Both start from the same k-means++ seeds (those of :func:`~em_tui.core.init.kmeans_1d`
for a seed). k-means moves each centre to the mean of the points nearest to it
(Lloyd's iterations). The EM here fits a mixture whose K components share ONE
standard deviation ``sd`` that is given, not estimated::

    E step   gamma_ik = pi_k N(x_i | mu_k, sd^2) / sum_j pi_j N(x_i | mu_j, sd^2)
    M step   N_k = sum_i gamma_ik,   mu_k = sum_i gamma_ik x_i / N_k,   pi_k = N_k / N

These are the simulator's own steps, :func:`em_tui.core.em.e_step` and
:func:`em_tui.core.em.m_step` with ``variance="fixed"`` (the sigmas are kept as given).

As sd -> 0 each gamma_i becomes the one-hot vector of the nearest mean (the terms
-(x_i - mu_k)^2 / (2 sd^2) swamp log pi_k) and the M step becomes Lloyd's
update: EM turns into k-means (Bishop, Pattern Recognition and Machine
Learning, section 9.3.2).

Numerics: the E step works in the log domain with the engine's log-sum-exp, which
shifts each point's terms by the largest (its nearest mean's), so a tiny sd gives
exact zeros and ones (by harmless underflow) and never an overflow, a NaN or a
division by zero. Passes over the data are chunked, with the component axis first,
so N = 10^6 needs only small scratch.

Scale: data at an extreme scale (spread beyond about 1e±120) are fitted in the
engine's working units (:class:`~em_tui.core.em.Prepared`: centred and divided by
a power of two), as the app's k-means start is, and every position and sd is
mapped back; the seeds are data values exactly. Fitting c·x + b gives c·μ + b,
|c|·σ and the same weights, responsibilities and labels at every scale the engine
accepts. Every function that takes the data also takes them prepared
(:func:`prepare`), which spares the work of preparing them again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import em
from ._kernels import blas_scope
from ..errors import ParameterError
from .init import kmeanspp_seeds, lloyd_1d, nearest_labels, start_rng
from .model import Mixture, check_k, rank_by_mean
from .prepared import chunks, data_positions, unit_for, working_positions

#: EM stops when no mean moves more than this times the data's spread.
DEFAULT_TOL = 1e-9
#: ... or after this many iterations.
DEFAULT_MAX_ITER = 1000
#: sd is used as at least this times the data's spread (far below anything shown;
#: it keeps (x - mu)^2 / sd^2 finite).
SD_FLOOR_REL = 1e-12
#: A component whose soft count N_k is below this (in points) keeps its mean (the M step's own rule).
EMPTY_NK = em.EMPTY_NK
#: The ladder of shared sds the screen offers: LADDER_TOP sd, halved LADDER_STEPS - 1 times (1.5 sd ... 1.5 sd / 2^20).
LADDER_TOP, LADDER_STEPS = 1.5, 21


def prepare(x) -> em.Prepared:
    """The data checked (at least one point, every value finite) and made ready for the functions here."""
    if isinstance(x, em.Prepared):
        return x
    x = np.ascontiguousarray(np.asarray(x, dtype=float).reshape(-1))
    if x.size == 0:
        raise ParameterError("there are no data points")
    if not np.all(np.isfinite(x)):
        raise ParameterError("every data value must be a finite number")
    return em.prepare(x)


def _working_spread(data: em.Prepared) -> float:
    """The data's standard deviation in working units (1 if they are all equal)."""
    s = data.working.sd
    return s if s > 0 and math.isfinite(s) else 1.0 / data.scale


def sd_ladder(scale: float, top: float = LADDER_TOP, steps: int = LADDER_STEPS) -> np.ndarray:
    """The shared sds offered for the comparison: top * scale, halved ``steps - 1`` times."""
    return scale * top / 2.0 ** np.arange(steps)


def kmeans_seeds(x, k: int, seed: int) -> np.ndarray:
    """The sorted k-means++ seeds for this seed (those the app's k-means start begins from): data values."""
    data = prepare(x)
    check_k(k)
    seeds = kmeanspp_seeds(data.working.x, k, start_rng(seed))
    if data.scaled is None:
        return seeds
    # the data values themselves (c + s x' may differ from x in its last digit)
    return np.array([data.x[np.flatnonzero(data.scaled.x == v)[0]] for v in seeds.tolist()])


def kmeans_assign(x, centres) -> np.ndarray:
    """Hard labels: the index (into ``centres``, any order) of each point's nearest centre.

    A point exactly halfway between two centres goes to the lower one.
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    centres = np.asarray(centres, dtype=float).reshape(-1)
    order = rank_by_mean(centres)
    return order[nearest_labels(x, centres[order])]


@dataclass(frozen=True)
class KMeansFit:
    """k-means from the seeds: sorted centres, each point's label and each cluster's size."""

    seeds: np.ndarray
    centres: np.ndarray
    labels: np.ndarray
    sizes: np.ndarray


def kmeans_fit(x, seeds, max_iter: int = 300) -> KMeansFit:
    """Lloyd's iterations from ``seeds`` (as :func:`~em_tui.core.init.kmeans_1d` does after seeding)."""
    data = prepare(x)
    seeds = np.sort(np.asarray(seeds, dtype=float).reshape(-1))
    check_k(seeds.size)
    work = data.working.x
    centres = lloyd_1d(work, working_positions(data, seeds), max_iter)
    labels = kmeans_assign(work, centres)
    return KMeansFit(seeds, data_positions(data, centres), labels, np.bincount(labels, minlength=centres.size))


@dataclass(frozen=True)
class SharedSdFit:
    """EM with one shared, fixed sd: the components sorted by mean.

    ``resp`` is (K, N): gamma_ik at the final means and weights (rows in the same order).
    """

    sd: float
    means: np.ndarray
    weights: np.ndarray
    resp: np.ndarray | None
    iterations: int
    converged: bool


def _checked_sd(sd, scale: float, unit: float = 1.0) -> float:
    """``sd`` (a finite number above 0) measured in ``unit`` (a power of two), and at least SD_FLOOR_REL
    times ``scale`` (the data's spread in that unit)."""
    try:
        sd = float(sd)
    except (TypeError, ValueError):
        raise ParameterError(f"the shared standard deviation must be a number, got {sd!r}") from None
    if not (math.isfinite(sd) and sd > 0):
        raise ParameterError(f"the shared standard deviation must be a finite number above 0, got {sd!r}")
    return max(sd / unit, SD_FLOOR_REL * scale)


def _shared(means, weights, sd: float) -> Mixture:
    """The mixture whose K components share the standard deviation ``sd``."""
    means = np.asarray(means, dtype=float).reshape(-1)
    return Mixture._trusted(np.asarray(weights, dtype=float).reshape(-1), means, np.full(means.size, sd))


def _responsibilities(x: np.ndarray, model: Mixture) -> np.ndarray:
    """gamma (K, len(x)) at ``model``, chunk by chunk (:func:`em.responsibilities`, the E step's own)."""
    out = np.empty((model.k, x.size))
    with np.errstate(under="ignore"):  # exp of a very negative number is 0: that is the answer
        for part in chunks(x.size, model.k):
            out[:, part] = em.responsibilities(x, model, part.start, part.stop)
    return out


def shared_sd_responsibilities(x, means, weights, sd) -> np.ndarray:
    """gamma_k(x) (shape (K, len(x))) for a mixture with one shared sd, computed as in the E step.

    gamma depends on the distances only through (x - mu)/sd, so at an extreme scale x, the means and sd
    are first divided by a power of two (exactly) to keep the squares finite and normal.
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    means = np.asarray(means, dtype=float).reshape(-1)
    weights = np.asarray(weights, dtype=float).reshape(-1)
    out = np.empty((means.size, x.size))
    if x.size:
        reach = max(float(np.ptp(x)), float(np.ptp(means)))
        unit = unit_for(max(reach, _checked_sd(sd, 0.0)))
        reach /= unit
        sd = _checked_sd(sd, reach if reach > 0 and math.isfinite(reach) else 1.0, unit)
        if unit != 1.0:
            x, means = x / unit, means / unit
        out = _responsibilities(x, _shared(means, weights, sd))
    return out


def shared_sd_em(
    x,
    seeds,
    sd: float,
    *,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
    keep_resp: bool = True,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[int], None] | None = None,
) -> SharedSdFit | None:
    """EM for K components with one shared, fixed sd, from the means ``seeds`` and equal weights.

    Each iteration: E step (above), then mu_k = sum_i gamma_ik x_i / N_k and
    pi_k = N_k / N (a component with N_k below EMPTY_NK keeps its mean). It stops
    when no mean moved more than ``tol`` times the data's spread, or after
    ``max_iter`` iterations. The responsibilities returned are those at the final
    parameters (``keep_resp=False`` leaves them out: a (K, N) array is large for
    big N). Returns None if ``should_stop`` said so between iterations; ``progress``
    hears the number of iterations done after each one.
    """
    data = prepare(x)
    fit = _shared_sd_em(data, seeds, sd, tol=tol, max_iter=max_iter, keep_resp=keep_resp, should_stop=should_stop,
                        progress=progress)
    return None if fit is None else _from_working(data, fit)


def _from_working(data: em.Prepared, fit: SharedSdFit) -> SharedSdFit:
    """A fit in the data's working units, in the data's own (means c + s mu', sd s sd')."""
    if data.scaled is None:
        return fit
    return SharedSdFit(data.scale * fit.sd, data_positions(data, fit.means), fit.weights, fit.resp,
                       fit.iterations, fit.converged)


def _shared_sd_em(data: em.Prepared, seeds, sd, *, tol, max_iter, keep_resp, should_stop, progress):
    """:func:`shared_sd_em` in the data's working units (seeds and sd given in the data's own)."""
    means = np.asarray(seeds, dtype=float).reshape(-1).copy()
    check_k(means.size)
    if not np.all(np.isfinite(means)):
        raise ParameterError("every seed must be a finite number")
    means = working_positions(data, means)
    x = data.working.x
    k, n = means.size, x.size
    scale = _working_spread(data)
    sd = _checked_sd(sd, scale, data.scale)
    model = _shared(means, np.full(k, 1.0 / k), sd)
    converged = False
    iterations = 0
    work = data.working
    with blas_scope(n):  # one BLAS thread for the long products, set once for the run
        while iterations < max_iter:
            if should_stop is not None and should_stop():
                return None
            new = em.m_step(work, em.e_step(work, model), model, variance="fixed")
            step = float(np.max(np.abs(new.means - model.means)))
            model = new
            iterations += 1
            if progress is not None:
                progress(iterations)
            if step <= tol * scale:
                converged = True
                break
        order = rank_by_mean(model.means)
        means, weights = model.means[order], model.weights[order]
        resp = None
        if keep_resp:
            resp = _responsibilities(x, _shared(means, weights, sd))
    return SharedSdFit(sd, means, weights, resp, iterations, converged)


@dataclass(frozen=True)
class Agreement:
    """How far EM's soft responsibilities are from k-means' hard labels.

    ``different``: points whose most likely EM component is not their k-means cluster;
    ``mean_tv``: the mean over points of the total-variation distance
    1/2 sum_k |gamma_ik - h_ik| between gamma_i and the one-hot k-means label h_i
    (it equals 1 - gamma_i,label: the share EM gives to the other components).
    """

    different: int
    n: int
    mean_tv: float


def agreement(labels, resp) -> Agreement:
    """Compare hard labels (0..K-1, clusters sorted by centre) with responsibilities (K, N),
    rows sorted by mean: components are matched by the order of their means."""
    labels = np.asarray(labels).reshape(-1)
    resp = np.asarray(resp, dtype=float)
    k, n = resp.shape
    if labels.size != n:
        raise ParameterError(f"{labels.size} labels for {n} points")
    different = 0
    tv = 0.0
    for part in chunks(n, k):
        r = resp[:, part]
        lab = labels[part]
        different += int(np.count_nonzero(r.argmax(axis=0) != lab))
        others = r.copy()
        others[lab, np.arange(lab.size)] = 0.0  # the share of every component but the label's
        tv += float(others.sum())
    return Agreement(different, n, tv / n if n else 0.0)


@dataclass(frozen=True)
class Comparison:
    """k-means and shared-sd EM from the same seeds, and how far apart their answers are."""

    kmeans: KMeansFit
    em: SharedSdFit
    agreement: Agreement


def compare(x, k: int, seed: int, sd: float, *, kmeans: KMeansFit | None = None,
            should_stop: Callable[[], bool] | None = None, **em_options) -> Comparison | None:
    """Both methods from the k-means++ seeds of ``seed`` on the same data, compared.

    ``kmeans`` (a fit from these seeds) is reused when given. The responsibilities
    are compared chunk by chunk and not kept (``em.resp`` is None). Returns None if
    ``should_stop`` stopped the EM run.
    """
    data = prepare(x)
    if kmeans is None:
        kmeans = kmeans_fit(data, kmeans_seeds(data, k, seed))
    em_options = {"tol": DEFAULT_TOL, "max_iter": DEFAULT_MAX_ITER, "progress": None, **em_options}
    fit = _shared_sd_em(data, kmeans.seeds, sd, keep_resp=False, should_stop=should_stop, **em_options)
    if fit is None:
        return None
    x = data.working.x  # the responsibilities in working units, where fit is
    different, tv = 0, 0.0
    model = _shared(fit.means, fit.weights, fit.sd)
    for part in chunks(x.size, model.k):
        with np.errstate(under="ignore"):
            r = em.responsibilities(x, model, part.start, part.stop)
        found = agreement(kmeans.labels[part], r)
        different += found.different
        tv += found.mean_tv * found.n
    return Comparison(kmeans, _from_working(data, fit), Agreement(different, x.size, tv / x.size))
