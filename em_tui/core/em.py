"""The EM steps for a 1-D Gaussian mixture, as small public functions.

Notation: data x_1..x_N, K components with weights pi_k, means mu_k and
standard deviations sigma_k.

E step (responsibilities), computed in the log domain::

    log r_ik = log pi_k + log N(x_i | mu_k, sigma_k^2) - log p(x_i)
    log p(x_i) = logsumexp_k (log pi_k + log N(x_i | mu_k, sigma_k^2))

log-sum-exp subtracts the largest term before exponentiating, so a point far
from every component still gets finite, correct responsibilities (adding an
epsilon to numerator and denominator would not).

M step, from the responsibilities::

    N_k       = sum_i r_ik
    mu_k      = (1 / N_k) sum_i r_ik x_i
    sigma_k^2 = (1 / N_k) sum_i r_ik (x_i - mu_k)^2      (then floored, see below)
    pi_k      = N_k / N

Log-likelihood::

    LL(theta) = sum_i log p(x_i | theta)

Scale: the engine never holds an N x K array. :func:`accumulate` walks the
data in chunks, with the component axis first (K, chunk) and in-place
operations, and returns the sufficient statistics (LL, N_k, sum r_ik x_i,
sum r_ik x_i^2, about a fixed centre). Responsibilities for display come from
:func:`responsibilities` for any slice of points, on demand.

Numerical decisions:

* Variance floor: sigma_k^2 >= VAR_FLOOR_REL * var(x), relative to the data's
  spread, so that fitting c*x + b gives exactly |c|*sigma (scale equivariance).
* Empty component: if N_k < EMPTY_NK the component keeps its mean and standard
  deviation and its weight becomes N_k / N; no NaN or inf ever appears.
* The sums are taken about the data's mean (the "centre") so that
  sum r (x - c)^2 / N_k - (sum r (x - c) / N_k)^2 loses no digits in
  ordinary cases; when a component sits so far from the centre that digits
  would be lost, its variance is recomputed exactly in a second pass.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .model import LOG_2PI, Mixture

#: sigma_k^2 is floored at VAR_FLOOR_REL times the data's variance
#: (a floor of sigma at one millionth of the data's standard deviation).
VAR_FLOOR_REL = 1e-12
#: A component whose soft count N_k falls below this (in points) is "empty".
EMPTY_NK = 1e-10
#: If (mu_k - centre)^2 exceeds this many times sigma_k^2, the one-pass
#: variance would lose digits: recompute it about the new mean instead.
CANCELLATION_RATIO = 1e6
#: The fast quadratic form a u^2 + b u + c of log(pi N) loses about
#: eps * (u / sigma)^2; use it only while (u / sigma)^2 stays below this.
QUADRATIC_FORM_LIMIT = 1e4
#: Elements of (K, chunk) scratch per chunk (about 512 kB of float64).
CHUNK_ELEMENTS = 65536
#: Data sets at least this long are split across worker threads.
PARALLEL_MIN = 1 << 18

_pool: ThreadPoolExecutor | None = None


def _workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def _get_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="em-pass")
    return _pool


@dataclass(frozen=True)
class Prepared:
    """Data made ready for EM: a 1-D float array plus per-data constants."""

    x: np.ndarray
    centre: float
    var_floor: float
    #: max |x_i - centre|
    reach: float

    @property
    def n(self) -> int:
        return int(self.x.size)


def prepare(x) -> Prepared:
    """Wrap data for the engine (computes the centre and the variance floor once)."""
    if isinstance(x, Prepared):
        return x
    arr = np.ascontiguousarray(np.asarray(x, dtype=float).reshape(-1))
    centre = float(arr.mean()) if arr.size else 0.0
    var = float(arr.var()) if arr.size else 0.0
    floor = max(VAR_FLOOR_REL * var, np.finfo(float).tiny)
    reach = float(max(arr.max() - centre, centre - arr.min())) if arr.size else 0.0
    return Prepared(arr, centre, floor, reach)


@dataclass(frozen=True)
class Stats:
    """Sufficient statistics of one E step, summed over all points.

    ``ll`` is the log-likelihood at the parameters used; ``nk`` = sum_i r_ik;
    ``s1`` = sum_i r_ik (x_i - centre); ``s2`` = sum_i r_ik (x_i - centre)^2.
    """

    ll: float
    nk: np.ndarray
    s1: np.ndarray
    s2: np.ndarray
    centre: float
    n: int


# ----------------------------------------------------------------------------
# Per-slice functions (small arrays; used for display, tests and teaching)
# ----------------------------------------------------------------------------
def log_responsibilities(x, model: Mixture) -> tuple[np.ndarray, np.ndarray]:
    """Return (log r, log p(x)): log r has shape (K, len(x))."""
    lw = model.log_weighted_component_densities(x)
    m = lw.max(axis=0)
    log_px = m + np.log(np.exp(lw - m).sum(axis=0))
    return lw - log_px, log_px


def e_step(x, model: Mixture) -> np.ndarray:
    """Responsibilities r_ik (shape (K, len(x))), computed with log-sum-exp.

    r_ik = pi_k N(x_i | mu_k, sigma_k^2) / sum_j pi_j N(x_i | mu_j, sigma_j^2)
    """
    log_r, _ = log_responsibilities(x, model)
    return np.exp(log_r)


def responsibilities(x, model: Mixture, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Responsibilities of the points x[start:stop] only (for the rows on screen)."""
    x = np.asarray(x, dtype=float).reshape(-1)
    return e_step(x[start:stop], model)


def m_step(x, resp, var_floor: float | None = None, previous: Mixture | None = None) -> Mixture:
    """New parameters from responsibilities ``resp`` of shape (K, N).

    N_k = sum_i r_ik;  mu_k = sum_i r_ik x_i / N_k;
    sigma_k^2 = sum_i r_ik (x_i - mu_k)^2 / N_k;  pi_k = N_k / N.
    sigma_k^2 is floored at ``var_floor`` (default VAR_FLOOR_REL * var(x)); an
    empty component keeps ``previous``'s mean and sd (or the data's).
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    resp = np.asarray(resp, dtype=float)
    if var_floor is None:
        var_floor = prepare(x).var_floor
    nk = resp.sum(axis=1)
    safe = np.where(nk >= EMPTY_NK, nk, 1.0)
    means = (resp @ x) / safe
    diff = x[None, :] - means[:, None]
    var = np.einsum("kn,kn->k", resp, diff * diff) / safe
    return _finish(nk, means, var, x.size, var_floor, previous, x)


def _finish(nk, means, var, n, var_floor, previous: Mixture | None, x=None) -> Mixture:
    """Apply the empty-component rule and the variance floor; build the model."""
    empty = ~(nk >= EMPTY_NK)
    if empty.any():
        if previous is not None:
            old_means, old_var = previous.means, previous.variances
        else:
            xs = np.asarray(x, dtype=float)
            old_means = np.full(nk.size, float(xs.mean()))
            old_var = np.full(nk.size, float(xs.var()))
        means = np.where(empty, old_means, means)
        var = np.where(empty, old_var, var)
    var = np.maximum(var, var_floor)
    weights = np.maximum(nk, 0.0) / n
    weights = weights / weights.sum()
    return Mixture._trusted(weights, means, np.sqrt(var))


# ----------------------------------------------------------------------------
# Chunked engine (any N; O(chunk * K) scratch)
# ----------------------------------------------------------------------------
def _quadratic_coefficients(model: Mixture, centre: float) -> np.ndarray:
    """Rows (a_k, b_k, c_k) with log(pi_k N(x)) = a_k u^2 + b_k u + c_k, u = x - centre."""
    d = model.means - centre
    prec = 1.0 / model.variances
    with np.errstate(divide="ignore"):
        logw = np.log(model.weights)
    coef = np.empty((model.k, 3))
    coef[:, 0] = -0.5 * prec
    coef[:, 1] = d * prec
    coef[:, 2] = logw - np.log(model.sds) - 0.5 * LOG_2PI - 0.5 * d * d * prec
    return coef


def _chunk_size(k: int) -> int:
    return max(1024, CHUNK_ELEMENTS // k)


def _accumulate_serial(x: np.ndarray, coef: np.ndarray, centre: float, want_stats: bool, centred=None):
    """Walk x in chunks; return (LL, sums) with sums rows (N_k, s1_k, s2_k).

    Scratch rows: u^2, u, 1 (the matrix V), the running max, 1/p, p, then the
    K rows of log(pi_k N(x)), which become the unnormalised responsibilities.
    """
    k = coef.shape[0]
    chunk = min(_chunk_size(k), max(1, x.size))
    buf = np.empty((6 + k, chunk))
    buf[2] = 1.0  # the constant row of V = (u^2, u, 1)
    ll = 0.0
    acc = np.zeros((3, k))
    for lo in range(0, x.size, chunk):
        xc = x[lo : lo + chunk]
        b = buf[:, : xc.size]
        u2, u, mx, r0, tot = b[0], b[1], b[3], b[4], b[5]
        e = b[6:]
        np.subtract(xc, centre, out=u)
        np.multiply(u, u, out=u2)
        if centred is None:
            # log(pi_k N(x | mu_k, sigma_k^2)) for every k at once: (K, 3) @ (3, c)
            np.matmul(coef, b[0:3], out=e)
        else:
            # the same, term by term: log c_k - ((x - mu_k) * h_k)^2, h_k = 1 / (sqrt(2) sigma_k)
            means, h, logc = centred
            np.subtract(xc[None, :], means[:, None], out=e)
            e *= h[:, None]
            np.square(e, out=e)
            np.subtract(logc[:, None], e, out=e)
        # log-sum-exp over the component axis (component axis first)
        np.copyto(mx, e[0])
        for j in range(1, k):
            np.maximum(mx, e[j], out=mx)
        e -= mx
        np.exp(e, out=e)  # e_ik = exp(log pi_k N_k(x_i) - max); p(x_i) = exp(max) * sum_k e_ik
        np.copyto(tot, e[0])
        for j in range(1, k):
            tot += e[j]
        ll += float(mx.sum())
        if want_stats:
            np.divide(1.0, tot, out=r0)  # r_ik = e_ik / tot_i
        np.log(tot, out=tot)
        ll += float(tot.sum())
        if want_stats:
            acc[0] += e @ r0
            np.multiply(r0, u, out=mx)
            acc[1] += e @ mx
            np.multiply(mx, u, out=mx)
            acc[2] += e @ mx
    return ll, acc


def accumulate(data, model: Mixture, want_stats: bool = True) -> Stats:
    """One chunked E step over all the data: LL at ``model`` and the sums the M step needs."""
    data = prepare(data)
    coef = _quadratic_coefficients(model, data.centre)
    x = data.x
    centred = None
    far = max(data.reach, float(np.abs(model.means - data.centre).max()))
    if (far / float(model.sds.min())) ** 2 > QUADRATIC_FORM_LIMIT:
        with np.errstate(divide="ignore"):
            logc = np.log(model.weights) - np.log(model.sds) - 0.5 * LOG_2PI
        centred = (model.means, 1.0 / (math.sqrt(2.0) * model.sds), logc)
    workers = _workers()
    if x.size >= PARALLEL_MIN and workers > 1:
        bounds = np.linspace(0, x.size, workers + 1).astype(int)
        parts = [x[bounds[i] : bounds[i + 1]] for i in range(workers)]
        results = list(_get_pool().map(lambda p: _accumulate_serial(p, coef, data.centre, want_stats, centred), parts))
    else:
        results = [_accumulate_serial(x, coef, data.centre, want_stats, centred)]
    ll = math.fsum(r[0] for r in results)
    acc = results[0][1]
    for r in results[1:]:
        acc = acc + r[1]
    return Stats(ll, acc[0], acc[1], acc[2], data.centre, data.n)


def log_likelihood(data, model: Mixture) -> float:
    """LL = sum_i log sum_k pi_k N(x_i | mu_k, sigma_k^2), chunked."""
    return accumulate(data, model, want_stats=False).ll


def _centred_second_moment(data: Prepared, model: Mixture, centres: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """sum_i r_ik (x_i - centres_k)^2 for the components in ``rows`` (an exact second pass)."""
    out = np.zeros(model.k)
    chunk = _chunk_size(model.k)
    for lo in range(0, data.n, chunk):
        xc = data.x[lo : lo + chunk]
        r = e_step(xc, model)
        for j in rows:
            d = xc - centres[j]
            out[j] += float(r[j] @ (d * d))
    return out


def m_step_from_stats(data, stats: Stats, previous: Mixture) -> Mixture:
    """The M step from sufficient statistics (what :func:`em_iteration` uses).

    mu_k = centre + s1_k / N_k;  sigma_k^2 = s2_k / N_k - (s1_k / N_k)^2;  pi_k = N_k / N.
    """
    data = prepare(data)
    nk = stats.nk
    safe = np.where(nk >= EMPTY_NK, nk, 1.0)
    offset = stats.s1 / safe
    var = stats.s2 / safe - offset * offset
    means = stats.centre + offset
    risky = (nk >= EMPTY_NK) & ((var <= 0) | (offset * offset > CANCELLATION_RATIO * var))
    if risky.any():
        exact = _centred_second_moment(data, previous, means, np.flatnonzero(risky))
        var = np.where(risky, exact / safe, var)
    return _finish(nk, means, var, data.n, data.var_floor, previous)


def em_iteration(data, model: Mixture) -> tuple[Mixture, float]:
    """One full iteration (E then M). Returns (new parameters, LL at the old ones)."""
    data = prepare(data)
    stats = accumulate(data, model)
    return m_step_from_stats(data, stats, model), stats.ll
