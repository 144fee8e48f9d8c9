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
* With K = 2 the pass needs one exp per point, not two: with
  d = log(pi_1 N_1) - log(pi_2 N_2), log p(x) = log(pi_2 N_2) + log(1 + e^d),
  r_2 = 1 / (1 + e^d) and r_1 = e^d r_2; sum_i log(pi_2 N_2(x_i)) is a
  quadratic in the data's centred sums, computed once per data set.
* The sums are taken about the data's mean (the "centre") so that
  sum r (x - c)^2 / N_k - (sum r (x - c) / N_k)^2 loses no digits in
  ordinary cases; when a component sits so far from the centre that digits
  would be lost, its variance is recomputed exactly in a second pass.
* One BLAS thread: the chunked passes' dot products are long enough (65,536
  points) for OpenBLAS to split each over every core, which on a busy machine
  costs several times the work (threads wait for a core). The passes run
  inside :data:`one_blas_thread`, a scoped limit that puts the user's own
  setting back afterwards (no environment variable is changed).
* Extreme scales: squares of values beyond about 1e±154 overflow or underflow.
  Data whose spread (max |x_i - mean|) is outside [2^-SAFE_EXP, 2^SAFE_EXP]
  are fitted in working units x' = (x - c) / s, c their mean and s a power of
  two (so that dividing by it is exact), and every result is mapped back:
  mu = c + s mu', sigma = s sigma', LL = LL' - N log s (:func:`to_working`,
  :func:`from_working`). Data spread wider than 2^LIMIT_EXP or narrower than
  2^-LIMIT_EXP are refused.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from threadpoolctl import ThreadpoolController

from ..errors import DataError, ParameterError
from .model import LOG_2PI, Mixture

#: sigma_k^2 is floored at VAR_FLOOR_REL times the data's variance
#: (a floor of sigma at one millionth of the data's standard deviation).
VAR_FLOOR_REL = 1e-12
#: a start sigma above this times the data's sd is refused (a component flat over all the data)
SD_CEILING_REL = 1e6
#: A component whose soft count N_k falls below this (in points) is "empty".
EMPTY_NK = 1e-10
#: If (mu_k - centre)^2 exceeds this many times sigma_k^2, the one-pass
#: variance would lose digits: recompute it about the new mean instead.
CANCELLATION_RATIO = 1e6
#: The fast quadratic form a u^2 + b u + c of log(pi N) loses about
#: eps * (u / sigma)^2; use it only while (u / sigma)^2 stays below this.
QUADRATIC_FORM_LIMIT = 1e4
#: Data spread (max |x_i - mean|) within [2^-SAFE_EXP, 2^SAFE_EXP] are fitted as they are: their
#: squares, the variance floor and 1 / sigma^2 stay far from overflow and underflow.
SAFE_EXP = 400
#: Data spread beyond 2^LIMIT_EXP (about 1e301) or below 2^-LIMIT_EXP (about 1e-301) are refused:
#: x - mean could overflow, or fall among the subnormal numbers, which lose digits.
LIMIT_EXP = 1000
#: Up to this many points, a pass is one chunk with fewer, larger NumPy calls.
SMALL_N = 4096
#: Elements of (K, chunk) scratch per chunk (about 1 MB of float64).
CHUNK_ELEMENTS = 131072
#: Data sets at least this long are split across worker threads. Off by
#: default: on the 2-vCPU machines this was measured on, one thread was faster
#: (benchmarks/bench_em.py); lower it where real cores are free.
PARALLEL_MIN = 1 << 62

_pool: ThreadPoolExecutor | None = None
_NO_CONTEXT = contextlib.nullcontext()


_WORKERS = max(1, min(2, os.cpu_count() or 1))


def _workers() -> int:
    return _WORKERS


def _get_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="em-pass")
    return _pool


class _OneBlasThread:
    """A context manager that runs its block with one BLAS thread, then restores the setting.

    Re-entrant and shared by all threads: the first block to enter sets the limit, the last to
    leave restores what was there before, so nested passes and passes in parallel threads never
    leave the process at one thread. The library controller is looked up once (that look-up is
    the slow part of threadpoolctl); entering and leaving then cost a few tens of microseconds,
    paid once per pass over a large data set, or once per run.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._controller: ThreadpoolController | None = None
        self._limiter = None

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                if self._controller is None:
                    self._controller = ThreadpoolController()
                self._limiter = self._controller.limit(limits=1, user_api="blas")
            self._depth += 1

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                self._limiter.restore_original_limits()
                self._limiter = None


#: ``with one_blas_thread:`` runs a block of chunked passes with one BLAS thread.
one_blas_thread = _OneBlasThread()


def blas_scope(n: int):
    """The BLAS limit for passes over ``n`` points: one thread above SMALL_N, nothing for small data
    (their products are too short for BLAS to thread, and the limit would cost more than a pass)."""
    return one_blas_thread if n > SMALL_N else _NO_CONTEXT


def _blas_scope(data: "Prepared"):
    """:func:`blas_scope` for the passes over ``data`` (one thread when they are chunked)."""
    return one_blas_thread if data.basis is None else _NO_CONTEXT


@dataclass(frozen=True)
class Prepared:
    """Data made ready for EM: a 1-D float array plus per-data constants."""

    x: np.ndarray
    centre: float
    var_floor: float
    #: max |x_i - centre|
    reach: float
    #: sum_i (x_i - centre) and sum_i (x_i - centre)^2 (the two-component pass uses them)
    sum_u: float = 0.0
    sum_u2: float = 0.0
    #: for small data (N <= SMALL_N) only: the rows (u^2, u, 1), u = x - centre, kept
    #: so that each pass starts with one matrix product
    basis: np.ndarray | None = None
    #: min and max of x_i - centre
    u_min: float = 0.0
    u_max: float = 0.0
    #: for data at an extreme scale only: the same data in working units, (x - centre) / scale, which
    #: the engine fits instead (then var_floor, sum_u and sum_u2 above may be 0 or inf: use sd and
    #: sd_floor, which are always right)
    scaled: "Prepared | None" = None
    #: a power of two (1 unless ``scaled`` is set)
    scale: float = 1.0

    @property
    def n(self) -> int:
        return int(self.x.size)

    @property
    def working(self) -> "Prepared":
        """The data the passes run on: ``scaled`` for data at an extreme scale, else these data."""
        return self if self.scaled is None else self.scaled

    @property
    def log_scale(self) -> float:
        """log s: LL in the data's units is LL in working units minus N log s."""
        return 0.0 if self.scaled is None else math.log(self.scale)

    @property
    def sd(self) -> float:
        """The data's standard deviation (about their mean, dividing by N)."""
        w = self.working
        return self.scale * math.sqrt(w.sum_u2 / w.n) if w.n else 0.0

    @property
    def sd_floor(self) -> float:
        """The smallest standard deviation EM gives a component on these data (sqrt of the variance floor)."""
        return self.scale * math.sqrt(self.working.var_floor)


def to_working(data: Prepared, model: Mixture) -> Mixture:
    """``model`` in the working units of ``data``: mu' = (mu - c) / s, sigma' = sigma / s."""
    if data.scaled is None:
        return model
    return Mixture._trusted(model.weights, working_positions(data, model.means), model.sds / data.scale)


def from_working(data: Prepared, model: Mixture) -> Mixture:
    """A model fitted in the working units of ``data``, in the data's own: mu = c + s mu', sigma = s sigma'."""
    if data.scaled is None:
        return model
    return Mixture._trusted(model.weights, data_positions(data, model.means), data.scale * model.sds)


def working_positions(data: Prepared, values) -> np.ndarray:
    """Positions on the x axis (means, centres, seeds) in the working units of ``data``: (v - c) / s."""
    values = np.asarray(values, dtype=float)
    return values if data.scaled is None else (values - data.centre) / data.scale


def data_positions(data: Prepared, values) -> np.ndarray:
    """Positions in working units back in the data's own: c + s v'."""
    values = np.asarray(values, dtype=float)
    return values if data.scaled is None else data.centre + data.scale * values


def unit_for(length: float) -> float:
    """The power of two to measure ``length`` in so that squares stay far from overflow and underflow:
    1 for lengths within [2^-SAFE_EXP, 2^SAFE_EXP] (and for 0), else 2^e with length / 2^e in [0.5, 1).
    Dividing by it is exact, so a result maps back without a rounding."""
    if length == 0.0 or 2.0 ** -SAFE_EXP <= length <= 2.0 ** SAFE_EXP:
        return 1.0
    return math.ldexp(1.0, min(math.frexp(length)[1], 1023))


def check_start(data, model: Mixture) -> None:
    """Refuse a start with a standard deviation below the data's floor, saying what the floor is.

    EM never lets a sigma fall below the floor, so it climbs the likelihood only among models that
    respect it; from a start below the floor, the first M step lifts that sigma to the floor and
    LL can fall, which would look like a wrong update.

    A sigma above SD_CEILING_REL × the data's sd is refused too: such a component is flat over the
    data, and its square can overflow, which would end the fit with an infinite sigma.
    """
    data = prepare(data)
    floor = data.sd_floor
    ceiling = SD_CEILING_REL * data.sd
    for i, sd in enumerate(model.sds.tolist()):
        if sd < floor:
            raise ParameterError(
                f"standard deviation of component {i + 1} is {sd:.3g}; on these data it must be at least "
                f"{_round_up(floor)} (10⁻⁶ × the data's sd: EM keeps every sigma at or above it)")
        if sd > ceiling:
            raise ParameterError(
                f"standard deviation of component {i + 1} is {sd:.3g}; on these data it must be at most "
                f"{_round_up(-ceiling).lstrip('-')} (10⁶ × the data's sd: a wider component is flat over every point)")


def _round_up(v: float, digits: int = 3) -> str:
    """``v`` with ``digits`` significant digits, rounded up (so that the value shown passes a >= test)."""
    text = f"{v:.{digits - 1}e}"
    if float(text) < v:
        mantissa, exponent = text.split("e")
        text = f"{float(mantissa) + 10.0 ** (1 - digits):.{digits - 1}f}e{exponent}"
        text = f"{float(text):.{digits - 1}e}"
    return f"{float(text):.{digits}g}"


def prepare(x) -> Prepared:
    """Wrap data for the engine (computes the centre and the variance floor once)."""
    if isinstance(x, Prepared):
        return x
    arr = np.ascontiguousarray(np.asarray(x, dtype=float).reshape(-1))
    lo, hi = (float(arr.min()), float(arr.max())) if arr.size else (0.0, 0.0)
    centre = _mean(arr, max(abs(lo), abs(hi))) if arr.size else 0.0
    u_min, u_max = lo - centre, hi - centre
    reach = max(u_max, -u_min)
    if reach > 0.0 and not 2.0 ** -SAFE_EXP <= reach <= 2.0 ** SAFE_EXP:
        return _prepare_scaled(arr, centre, reach, u_min, u_max)
    with blas_scope(arr.size):
        sum_u, sum_u2 = _centred_sums(arr, centre)
    var = sum_u2 / arr.size if arr.size else 0.0
    floor = max(VAR_FLOOR_REL * var, np.finfo(float).tiny)
    basis = None
    if arr.size <= SMALL_N:
        u = arr - centre
        basis = np.stack([u * u, u, np.ones_like(u)])
        basis.flags.writeable = False
    return Prepared(arr, centre, floor, reach, sum_u, sum_u2, basis, u_min, u_max)


def _mean(arr: np.ndarray, largest: float) -> float:
    """The mean of ``arr`` (whose largest magnitude is ``largest``), without overflow in the sum."""
    if largest <= 2.0 ** SAFE_EXP:
        return float(arr.mean())
    s = math.ldexp(1.0, math.frexp(largest)[1] - 1)  # at most 2^1023, so it is finite even near the float limit
    with np.errstate(under="ignore"):  # values that tiny beside the largest do not move the mean
        return float((arr / s).mean()) * s


def _prepare_scaled(arr: np.ndarray, centre: float, reach: float, u_min: float, u_max: float) -> Prepared:
    """Data at an extreme scale: fitted in working units (x - centre) / s, s = 2^e near their spread."""
    if not 2.0 ** -LIMIT_EXP <= reach <= 2.0 ** LIMIT_EXP:
        raise DataError(
            f"the data spread over {reach:.3g} around their mean; em-tui fits data whose spread is between "
            f"1e-301 and 1e301 (rescale them first, by a power of ten)")
    s = unit_for(reach)  # reach / s in [0.5, 1)
    work = prepare((arr - centre) / s)
    # the same constants in the data's units, for reading only (Python floats: 0 or inf, never a warning)
    return Prepared(arr, centre, s * s * work.var_floor, reach, s * work.sum_u, s * s * work.sum_u2, None,
                    u_min, u_max, scaled=work, scale=s)


def _centred_sums(x: np.ndarray, centre: float) -> tuple[float, float]:
    """(sum (x - centre), sum (x - centre)^2) without an N-long temporary."""
    s1 = s2 = 0.0
    step = CHUNK_ELEMENTS
    for lo in range(0, x.size, step):
        d = x[lo : lo + step] - centre
        s1 += float(d.sum())
        s2 += float(d @ d)
    return s1, s2


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
    empty component keeps ``previous``'s mean and sd (or the data's). Data at an extreme scale are
    fitted in their working units (see :class:`Prepared`).
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    resp = np.asarray(resp, dtype=float)
    data = prepare(x)
    if data.scaled is not None:  # at an extreme scale the squares overflow: in working units, then back
        s = data.scale
        floor = None if var_floor is None else var_floor / s / s
        start = None if previous is None else to_working(data, previous)
        return from_working(data, m_step(data.scaled.x, resp, floor, start))
    if var_floor is None:
        var_floor = data.var_floor
    nk = resp.sum(axis=1)
    safe = np.where(nk >= EMPTY_NK, nk, 1.0)
    means = (resp @ x) / safe
    diff = x[None, :] - means[:, None]
    var = np.einsum("kn,kn->k", resp, diff * diff) / safe
    return _finish(nk, means, var, x.size, var_floor, previous, x)


def _finish(nk, means, var, n, var_floor, previous: Mixture | None, x=None) -> Mixture:
    """Apply the empty-component rule and the variance floor; build the model."""
    if float(nk.min()) < EMPTY_NK:
        empty = ~(nk >= EMPTY_NK)
        if previous is not None:
            old_means, old_var = previous.means, previous.variances
        else:
            xs = np.asarray(x, dtype=float)
            old_means = np.full(nk.size, float(xs.mean()))
            old_var = np.full(nk.size, float(xs.var()))
        means = np.where(empty, old_means, means)
        var = np.where(empty, old_var, var)
    sds = np.sqrt(np.maximum(var, var_floor))
    weights = np.maximum(nk, 0.0)
    weights /= weights.sum()  # = (N_k / N), renormalised against rounding
    return Mixture._trusted(weights, means, sds)


# ----------------------------------------------------------------------------
# Chunked engine (any N; O(chunk * K) scratch)
# ----------------------------------------------------------------------------
def _quadratic_coefficients(model: Mixture, centre: float, reach: float = 0.0):
    """Rows (a_k, b_k, c_k) with log(pi_k N(x)) = a_k u^2 + b_k u + c_k, u = x - centre
    (a list of float triples; an array when the values are extreme).

    Also returns max over k of ((max |u| or |mu_k - centre|) / sigma_k)^2, the
    factor by which this form loses digits.
    """
    try:
        rows = []
        worst = 0.0
        for w, m, sd in zip(model.weights.tolist(), model.means.tolist(), model.sds.tolist()):
            prec = 1.0 / (sd * sd)
            d = m - centre
            logw = math.log(w) if w > 0 else -math.inf
            rows.append((-0.5 * prec, d * prec, logw - math.log(sd) - _HALF_LOG_2PI - 0.5 * d * d * prec))
            z = max(reach, abs(d)) / sd
            worst = max(worst, z * z)
        return rows, worst
    except (OverflowError, ZeroDivisionError):  # extreme values: let IEEE arithmetic give inf
        with np.errstate(all="ignore"):
            prec = 1.0 / model.variances
            d = model.means - centre
            logw = np.log(model.weights)
            coef = np.stack([-0.5 * prec, d * prec, logw - np.log(model.sds) - _HALF_LOG_2PI - 0.5 * d * d * prec], axis=1)
        return coef, math.inf


_HALF_LOG_2PI = 0.5 * LOG_2PI
#: With d = l_1 - l_2 inside [-350, 350], the two-component pass cannot overflow.


def _accumulate_small(x: np.ndarray, basis: np.ndarray, coef: np.ndarray, want_stats: bool, centred=None):
    """The same pass as :func:`_accumulate_serial` for small data, in as few NumPy calls as possible.

    ``basis`` holds the rows (u^2, u, 1), so coef @ basis gives every log(pi_k N(x_i)) at once.
    """
    if centred is None:
        e = coef @ basis
    else:
        means, h, logc = centred
        e = x - means[:, None]
        e *= h[:, None]
        np.square(e, out=e)
        np.subtract(logc[:, None], e, out=e)
    mx = e.max(axis=0)
    e -= mx
    np.exp(e, out=e)
    tot = e.sum(axis=0)
    ll = float(mx.sum()) + float(np.log(tot).sum())
    if not want_stats:
        return ll, None
    e *= 1.0 / tot  # responsibilities
    sums = e @ basis.T  # (K, 3): sum r u^2, sum r u, sum r
    return ll, sums[:, ::-1].T


def _quadratic_range(a: float, b: float, c: float, lo: float, hi: float) -> tuple[float, float]:
    """Min and max of a u^2 + b u + c over lo <= u <= hi (ends and vertex)."""
    values = [(a * lo + b) * lo + c, (a * hi + b) * hi + c]
    if a != 0.0 and lo < -b / (2.0 * a) < hi:
        values.append(c - b * b / (4.0 * a))
    return min(values), max(values)


def _pair_small(basis: np.ndarray, diff: tuple, want_stats: bool, may_clip: bool):
    """:func:`_accumulate_pair` for small data, on the rows of ``basis`` in one go.

    ``diff`` is (a_1 - a_2, b_1 - b_2, c_1 - c_2).
    """
    d = np.array(diff) @ basis  # l_1 - l_2
    ll = 0.0
    if may_clip and (float(d.max()) > PAIR_CLIP or float(d.min()) < -PAIR_CLIP):
        ll += float(np.maximum(d - PAIR_CLIP, 0.0).sum())
        np.clip(d, -PAIR_CLIP, PAIR_CLIP, out=d)
    r = np.empty((3, d.size))  # rows r_1, r_2, log(1 + e^d)
    np.exp(d, out=r[0])
    np.add(r[0], 1.0, out=d)
    np.log(d, out=r[2])
    if not want_stats:
        return ll + float(r[2].sum()), None
    np.divide(1.0, d, out=r[1])
    r[0] *= r[1]
    sums = r @ basis.T  # row k: sum r_k u^2, sum r_k u, sum r_k; sums[2, 2] = sum log(1 + e^d)
    return ll + float(sums[2, 2]), sums[:2, ::-1].T


def _chunk_size(k: int) -> int:
    return max(1024, CHUNK_ELEMENTS // k)


def _accumulate_serial(x: np.ndarray, coef: np.ndarray, centre: float, want_stats: bool, centred=None):
    """Walk x in chunks; return (LL, sums) with sums rows (N_k, s1_k, s2_k).

    Scratch rows: u = x - centre, the running max, 1/p, p and a temporary,
    then K rows of log(pi_k N(x)), which become the unnormalised
    responsibilities. Row-by-row loops over k (K <= 8) keep every NumPy call
    long and in place.
    """
    k = coef.shape[0]
    chunk = min(_chunk_size(k), max(1, x.size))
    buf = np.empty((5 + k, chunk))
    ll = 0.0
    acc = np.zeros((3, k))
    coef_rows = coef.tolist()
    for lo in range(0, x.size, chunk):
        xc = x[lo : lo + chunk]
        b = buf[:, : xc.size]
        u, mx, r0, tot, tmp = b[0], b[1], b[2], b[3], b[4]
        e = b[5:]
        np.subtract(xc, centre, out=u)
        if centred is None:
            # log(pi_k N(x | mu_k, sigma_k^2)) = (a_k u + b_k) u + c_k   (Horner form)
            for j, (ca, cb, cc) in enumerate(coef_rows):
                row = e[j]
                np.multiply(u, ca, out=row)
                row += cb
                row *= u
                row += cc
        else:
            # the same, term by term: log c_k - ((x - mu_k) * h_k)^2, h_k = 1 / (sqrt(2) sigma_k)
            means, h, logc = centred
            np.subtract(xc[None, :], means[:, None], out=e)
            e *= h[:, None]
            np.square(e, out=e)
            np.subtract(logc[:, None], e, out=e)
        # log-sum-exp over the component axis (component axis first)
        if k == 1:
            np.copyto(mx, e[0])
        else:
            np.maximum(e[0], e[1], out=mx)
            for j in range(2, k):
                np.maximum(mx, e[j], out=mx)
        e -= mx
        np.exp(e, out=e)  # e_ik = exp(log pi_k N_k(x_i) - max); p(x_i) = exp(max) * sum_k e_ik
        if k == 1:
            np.copyto(tot, e[0])
        else:
            np.add(e[0], e[1], out=tot)
            for j in range(2, k):
                tot += e[j]
        ll += float(mx.sum())
        if want_stats:
            np.divide(1.0, tot, out=r0)  # r_ik = e_ik / tot_i
        np.log(tot, out=tot)
        ll += float(tot.sum())
        if want_stats:
            np.multiply(r0, u, out=tmp)  # r0 * u
            for j in range(k):
                acc[0, j] += float(e[j] @ r0)
                acc[1, j] += float(e[j] @ tmp)
            tmp *= u  # r0 * u^2
            for j in range(k):
                acc[2, j] += float(e[j] @ tmp)
    return ll, acc


#: In the two-component pass, d = l_1 - l_2 is clipped to [-PAIR_CLIP, PAIR_CLIP]
#: before exp (exp(700) ~ 1e304 stays finite); clipped points get an exact LL correction.
PAIR_CLIP = 700.0
#: Chunk length of the two-component pass (its scratch is 6 rows of this).
PAIR_CHUNK = 65536


def _accumulate_pair(
    x: np.ndarray, diff: tuple, centre: float, want_stats: bool, may_clip: bool, chunk: int = PAIR_CHUNK
):
    """The pass for K = 2, with one exp per point instead of two.

    With l_k = log(pi_k N(x | mu_k, sigma_k^2)) and d = l_1 - l_2:
    p(x) = e^{l_2} (1 + e^d), so log p(x) = l_2 + log(1 + e^d),
    r_2 = 1 / (1 + e^d) and r_1 = e^d r_2 (each computed directly, so a nearly
    empty component keeps its relative accuracy, down to r ~ e^-700 ~ 1e-304
    per point, where d is clipped). The caller chooses which component is
    "2" (the base): the one whose sum_i l_k is larger. sum_i l_2 is a quadratic in
    the data's centred sums, so it is left to the caller: this returns
    (sum_i log(1 + e^d_i), sums) with sums rows (N_k, s1_k, s2_k). ``diff`` is
    (a_1 - a_2, b_1 - b_2, c_1 - c_2); ``may_clip`` is False when d is known to
    stay inside [-PAIR_CLIP, PAIR_CLIP].
    """
    da, db, dc = diff
    chunk = min(chunk, max(1, x.size))
    buf = np.empty((6, chunk))
    ll = 0.0
    acc = np.zeros((3, 2))
    for lo in range(0, x.size, chunk):
        xc = x[lo : lo + chunk]
        u, u2, d, den, r2, tmp = buf[:, : xc.size]
        np.subtract(xc, centre, out=u)
        np.multiply(u, da, out=d)  # d = (da u + db) u + dc  (Horner form)
        d += db
        d *= u
        d += dc
        if may_clip and (float(d.max()) > PAIR_CLIP or float(d.min()) < -PAIR_CLIP):
            # log(1 + e^d) = d + log(1 + e^-d): what clipping at +PAIR_CLIP drops is d - PAIR_CLIP
            np.subtract(d, PAIR_CLIP, out=tmp)
            np.maximum(tmp, 0.0, out=tmp)
            ll += float(tmp.sum())
            np.clip(d, -PAIR_CLIP, PAIR_CLIP, out=d)
        np.exp(d, out=d)  # d now holds e^d
        np.add(d, 1.0, out=den)
        if want_stats:
            np.divide(1.0, den, out=r2)
            d *= r2  # r_1
        np.log(den, out=den)
        ll += float(den.sum())
        if want_stats:
            np.multiply(u, u, out=u2)
            r1 = d
            acc[0, 0] += float(r1.sum())
            acc[0, 1] += float(r2.sum())
            acc[1, 0] += float(r1 @ u)
            acc[1, 1] += float(r2 @ u)
            acc[2, 0] += float(r1 @ u2)
            acc[2, 1] += float(r2 @ u2)
    return ll, acc


def accumulate(data, model: Mixture, want_stats: bool = True) -> Stats:
    """One chunked E step over all the data: LL at ``model`` and the sums the M step needs.

    For data at an extreme scale the sums are taken in working units (about the working data's
    centre), for :func:`m_step_from_stats`; LL is in the data's own units.
    """
    data = prepare(data)
    if data.scaled is not None:  # in working units; LL back in the data's units
        stats = accumulate(data.scaled, to_working(data, model), want_stats)
        return Stats(stats.ll - data.n * data.log_scale, stats.nk, stats.s1, stats.s2, stats.centre, stats.n)
    with _blas_scope(data):
        return _accumulate(data, model, want_stats)


def _accumulate(data: Prepared, model: Mixture, want_stats: bool) -> Stats:
    coef, worst = _quadratic_coefficients(model, data.centre, data.reach)
    x = data.x
    centred = None
    if worst > QUADRATIC_FORM_LIMIT:
        with np.errstate(divide="ignore", over="ignore"):
            logc = np.log(model.weights) - np.log(model.sds) - 0.5 * LOG_2PI
            centred = (model.means, 1.0 / (math.sqrt(2.0) * model.sds), logc)
    if model.k == 2 and centred is None and data.n > 0 and math.isfinite(coef[0][2]) and math.isfinite(coef[1][2]):
        # sum_i l_k(x_i) for each component, from the data's centred sums
        totals = [a * data.sum_u2 + b * data.sum_u + c * data.n for a, b, c in coef]
        # the base is the component with the larger total: LL = total_base + sum log(1 + e^d)
        # then adds terms of LL's own size, rather than cancelling two large ones
        base = 0 if totals[0] > totals[1] else 1
        (a1, b1, c1), (a2, b2, c2) = coef[1 - base], coef[base]
        diff = (a1 - a2, b1 - b2, c1 - c2)  # d = l_other - l_base
        # whether d can leave [-PAIR_CLIP / 2, PAIR_CLIP / 2] anywhere in the data's range
        d_lo, d_hi = _quadratic_range(*diff, data.u_min, data.u_max)
        may_clip = not (-0.5 * PAIR_CLIP < d_lo and d_hi < 0.5 * PAIR_CLIP)
        with np.errstate(all="ignore") if may_clip else _NO_CONTEXT:
            if data.basis is not None:
                ll_pair, acc = _pair_small(data.basis, diff, want_stats, may_clip)
            else:
                ll_pair, acc = _accumulate_pair(x, diff, data.centre, want_stats, may_clip)
        ll = ll_pair + totals[base]
        if acc is not None and base == 0:
            acc = acc[:, ::-1]  # columns came as (other, base)
    else:
        coef = np.asarray(coef, dtype=float)
        with np.errstate(all="ignore"):
            results = _run_passes(data, coef, want_stats, centred)
        ll = math.fsum(r[0] for r in results)
        acc = results[0][1]
        for r in results[1:]:
            acc = acc + r[1]
    if acc is None:
        return Stats(ll, None, None, None, data.centre, data.n)
    return Stats(ll, acc[0], acc[1], acc[2], data.centre, data.n)


def _run_passes(data: Prepared, coef, want_stats, centred) -> list:
    workers = _workers()
    x, centre = data.x, data.centre
    if data.basis is not None:
        return [_accumulate_small(x, data.basis, coef, want_stats, centred)]
    if x.size >= PARALLEL_MIN and workers > 1:
        bounds = np.linspace(0, x.size, workers + 1).astype(int)
        parts = [x[bounds[i] : bounds[i + 1]] for i in range(workers)]
        return list(_get_pool().map(lambda p: _accumulate_serial(p, coef, centre, want_stats, centred), parts))
    return [_accumulate_serial(x, coef, centre, want_stats, centred)]


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
    (K is at most 8, so this runs on Python floats.) For data at an extreme scale, ``stats`` are
    the sums :func:`accumulate` took in working units, and the result is in the data's units.
    """
    data = prepare(data)
    if data.scaled is not None:
        return from_working(data, m_step_from_stats(data.scaled, stats, to_working(data, previous)))
    nk, s1, s2 = stats.nk.tolist(), stats.s1.tolist(), stats.s2.tolist()
    old_means, old_sds = previous.means.tolist(), previous.sds.tolist()
    means, var, risky = [], [], []
    for j, n_j in enumerate(nk):
        if n_j >= EMPTY_NK:
            off = s1[j] / n_j
            v = s2[j] / n_j - off * off
            if off * off > CANCELLATION_RATIO * v:  # also true when cancellation made v < 0
                risky.append(j)
            means.append(stats.centre + off)
            var.append(v)
        else:  # empty component: keep its mean and sd
            means.append(old_means[j])
            var.append(old_sds[j] * old_sds[j])
    if risky:
        with _blas_scope(data):
            exact = _centred_second_moment(data, previous, np.array(means), np.array(risky))
        for j in risky:
            var[j] = float(exact[j]) / nk[j]
    floor = data.var_floor
    sds = [math.sqrt(v if v > floor else floor) for v in var]
    weights = [n_j if n_j > 0 else 0.0 for n_j in nk]
    total = math.fsum(weights)
    return Mixture._trusted([w / total for w in weights], means, sds)  # = N_k / N, renormalised


def em_iteration(data, model: Mixture) -> tuple[Mixture, float]:
    """One full iteration (E then M). Returns (new parameters, LL at the old ones)."""
    data = prepare(data)
    stats = accumulate(data, model)
    return m_step_from_stats(data, stats, model), stats.ll
