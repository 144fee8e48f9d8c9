"""The fast passes behind :func:`em_tui.core.em.e_step` (private to the core: read em.py for the maths).

One pass walks the data in chunks with the component axis first, (K, chunk), in place, and
returns LL and the sums the M step needs; it never holds an N x K array. Each chunk comes with
its rows (u^2, u, 1), u = x - centre: data up to BASIS_MAX points keep them from
:func:`~em_tui.core.prepared.prepare` (K = 2: one chunk); larger data get them chunk by chunk.
Then log(pi_k N(x_i)) = a_k u^2 + b_k u + c_k is one matrix product, and so are the sums.

* With K = 2 the pass needs one exp per point, not two: with
  d = log(pi_1 N_1) - log(pi_2 N_2), log p(x) = log(pi_2 N_2) + log(1 + e^d),
  r_2 = 1 / (1 + e^d) and r_1 = e^d r_2; sum_i log(pi_2 N_2(x_i)) is a
  quadratic in the data's centred sums, computed once per data set. This is the engine's one
  log-sum-exp that is not :func:`~em_tui.core.model.shifted_exp` (the measured reason is in its docstring).
* When a component is so narrow, or so far from the centre, that the quadratic form would lose
  digits, the terms are computed about each mean instead: log c_k - ((x - mu_k) h_k)^2.
* One BLAS thread: the chunked passes' products are long enough (65,536 points) for OpenBLAS
  to split each over every core, which on a busy machine costs several times the work (threads
  wait for a core). The passes run inside :data:`one_blas_thread`, a scoped limit that puts the
  user's own setting back afterwards (no environment variable is changed).
"""

from __future__ import annotations

import contextlib
import math
import threading

import numpy as np
from threadpoolctl import ThreadpoolController

from .model import LOG_2PI, Mixture, shifted_exp
from .sizes import PAIR_CHUNK, SMALL_N, chunk_size

#: The fast quadratic form a u^2 + b u + c of log(pi N) loses about
#: eps * (u / sigma)^2; use it only while (u / sigma)^2 stays below this.
QUADRATIC_FORM_LIMIT = 1e4
#: In the two-component pass, d = l_1 - l_2 is clipped to [-PAIR_CLIP, PAIR_CLIP]
#: before exp (exp(700) ~ 1e304 stays finite); clipped points get an exact LL correction.
PAIR_CLIP = 700.0

_HALF_LOG_2PI = 0.5 * LOG_2PI
_NO_CONTEXT = contextlib.nullcontext()


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


def blas_scope_for(data):
    """:func:`blas_scope` for the passes over prepared ``data``."""
    return blas_scope(data.n)


def quadratic_coefficients(model: Mixture, centre: float, reach: float = 0.0):
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


def quadratic_range(a: float, b: float, c: float, lo: float, hi: float) -> tuple[float, float]:
    """Min and max of a u^2 + b u + c over lo <= u <= hi (ends and vertex)."""
    values = [(a * lo + b) * lo + c, (a * hi + b) * hi + c]
    if a != 0.0 and lo < -b / (2.0 * a) < hi:
        values.append(c - b * b / (4.0 * a))
    return min(values), max(values)


def _chunks(x: np.ndarray, centre: float, chunk: int, basis: np.ndarray | None = None):
    """(x chunk, its rows (u^2, u, 1)) for each chunk: slices of the prepared rows (``basis``) when
    the data keep them, else built in one scratch array, reused."""
    if basis is not None:
        for lo in range(0, x.size, chunk):
            yield x[lo : lo + chunk], basis[:, lo : lo + chunk]
        return
    buf = np.empty((3, min(chunk, max(1, x.size))))
    buf[2] = 1.0
    for lo in range(0, x.size, chunk):
        xc = x[lo : lo + chunk]
        b = buf[:, : xc.size]
        np.subtract(xc, centre, out=b[1])
        np.multiply(b[1], b[1], out=b[0])
        yield xc, b


def _totals(sums: np.ndarray) -> np.ndarray:
    """Rows (N_k, s1_k, s2_k) from the products r @ (u^2, u, 1)^T (row k: s2_k, s1_k, N_k)."""
    return sums[:, ::-1].T


def mixture_pass(x, centre, basis, coef: np.ndarray, centred=None, normalised: bool = True):
    """The pass for any K: (LL, sums) with sums rows (N_k, s1_k, s2_k) (of the unnormalised weights
    pi_k N(x_i) instead of the responsibilities when ``normalised`` is False).

    Small data (``basis``: their rows (u^2, u, 1)) are one chunk; larger data are walked in chunks
    of :func:`chunk_size` points, each through the same :func:`_mixture_chunk`.
    """
    k = coef.shape[0]
    chunk = min(chunk_size(k), max(1, x.size))
    if basis is not None and x.size <= chunk:
        ll, sums = _mixture_chunk(x, basis, coef, centred, normalised)
        return ll, _totals(sums)
    scratch = np.empty((k + 2, chunk))
    ll, acc = 0.0, np.zeros((k, 3))
    for xc, b in _chunks(x, centre, chunk, basis):
        part, sums = _mixture_chunk(xc, b, coef, centred, normalised, scratch[:, : xc.size])
        ll += part
        acc += sums
    return ll, _totals(acc)


def _mixture_chunk(xc, b, coef, centred, normalised=True, scratch=None):
    """One chunk: e_ik = log(pi_k N(x_i)) (coef @ rows, or about each mean when ``centred`` =
    (means, h, log c)), log-sum-exp over the component axis, then r_ik = e_ik / tot_i (or, not
    ``normalised``, e_ik exp(max_i) = pi_k N(x_i)) and the products r @ (u^2, u, 1)^T. Returns (the
    chunk's LL, those products)."""
    k, n = coef.shape[0], xc.size
    if scratch is None:
        scratch = np.empty((k + 2, n))
    e, mx, tot = scratch[:k], scratch[k], scratch[k + 1]
    if centred is None:
        np.matmul(coef, b, out=e)
    else:  # log c_k - ((x - mu_k) * h_k)^2, h_k = 1 / (sqrt(2) sigma_k)
        means, h, logc = centred
        np.subtract(xc[None, :], means[:, None], out=e)
        e *= h[:, None]
        np.square(e, out=e)
        np.subtract(logc[:, None], e, out=e)
    shifted_exp(e, mx, tot)  # e_ik = exp(l_ik - max_i); p(x_i) = exp(max_i) * tot_i
    ll = float(mx.sum())
    if normalised:
        e *= np.divide(1.0, tot, out=mx)  # responsibilities
    else:
        e *= np.exp(mx, out=mx)  # the weighted densities themselves
    return ll + float(np.log(tot, out=tot).sum()), e @ b.T


def pair_pass(x, centre, basis, diff: tuple, may_clip: bool, chunk: int = PAIR_CHUNK):
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
    stay inside [-PAIR_CLIP, PAIR_CLIP]. Small data are one chunk, larger data are walked in
    chunks, each through the same :func:`_pair_chunk`.
    """
    diff = np.array(diff, dtype=float)
    if basis is not None:
        ll, sums = _pair_chunk(basis, diff, may_clip)
        return ll, _totals(sums)
    chunk = min(chunk, max(1, x.size))
    scratch = np.empty((4, chunk))
    ll, acc = 0.0, np.zeros((2, 3))
    for xc, b in _chunks(x, centre, chunk):
        part, sums = _pair_chunk(b, diff, may_clip, scratch[:, : xc.size])
        ll += part
        acc += sums
    return ll, _totals(acc)


def _pair_chunk(b, diff: np.ndarray, may_clip: bool, scratch=None):
    """One chunk of :func:`pair_pass`: (sum log(1 + e^d), the products (r_1, r_2) @ (u^2, u, 1)^T)."""
    if scratch is None:
        scratch = np.empty((4, b.shape[1]))
    d, r = scratch[0], scratch[1:]  # r rows: r_1, r_2, log(1 + e^d)
    np.matmul(diff, b, out=d)  # d = l_1 - l_2
    ll = 0.0
    if may_clip and (float(d.max()) > PAIR_CLIP or float(d.min()) < -PAIR_CLIP):
        # log(1 + e^d) = d + log(1 + e^-d): what clipping at +PAIR_CLIP drops is d - PAIR_CLIP
        ll += float(np.maximum(d - PAIR_CLIP, 0.0).sum())
        np.clip(d, -PAIR_CLIP, PAIR_CLIP, out=d)
    np.exp(d, out=r[0])
    np.add(r[0], 1.0, out=d)  # d now holds 1 + e^d
    np.log(d, out=r[2])
    np.divide(1.0, d, out=r[1])
    r[0] *= r[1]
    if b.shape[1] <= SMALL_N:  # a short chunk: one product of the three rows, the fewest calls
        sums = r @ b.T  # row k: sum r_k u^2, sum r_k u, sum r_k; sums[2, 2] = sum log(1 + e^d)
        return ll + float(sums[2, 2]), sums[:2]
    # a long one: the (2 x 3) product and a sum cost about half the (3 x 3) product
    return ll + float(r[2].sum()), r[:2] @ b.T


def sufficient_sums(data, model: Mixture, normalised: bool = True) -> tuple[float, np.ndarray]:
    """LL at ``model`` and the rows (N_k, s1_k, s2_k) about ``data.centre``, from the fastest pass
    that keeps the digits. ``data`` is prepared data at an ordinary scale (the working data).
    ``normalised=False``: the sums of pi_k N(x_i) rather than of the responsibilities (any K's pass)."""
    coef, worst = quadratic_coefficients(model, data.centre, data.reach)
    centred = None
    if worst > QUADRATIC_FORM_LIMIT:
        with np.errstate(divide="ignore", over="ignore"):
            logc = np.log(model.weights) - np.log(model.sds) - _HALF_LOG_2PI
            centred = (model.means, 1.0 / (math.sqrt(2.0) * model.sds), logc)
    if normalised and model.k == 2 and centred is None and data.n > 0 and math.isfinite(coef[0][2]) and math.isfinite(coef[1][2]):
        # sum_i l_k(x_i) for each component, from the data's centred sums
        totals = [a * data.sum_u2 + b * data.sum_u + c * data.n for a, b, c in coef]
        # the base is the component with the larger total: LL = total_base + sum log(1 + e^d)
        # then adds terms of LL's own size, rather than cancelling two large ones
        base = 0 if totals[0] > totals[1] else 1
        (a1, b1, c1), (a2, b2, c2) = coef[1 - base], coef[base]
        diff = (a1 - a2, b1 - b2, c1 - c2)  # d = l_other - l_base
        # whether d can leave [-PAIR_CLIP / 2, PAIR_CLIP / 2] anywhere in the data's range
        d_lo, d_hi = quadratic_range(*diff, data.u_min, data.u_max)
        may_clip = not (-0.5 * PAIR_CLIP < d_lo and d_hi < 0.5 * PAIR_CLIP)
        with np.errstate(all="ignore") if may_clip else _NO_CONTEXT:
            ll_pair, acc = pair_pass(data.x, data.centre, data.basis, diff, may_clip)
        ll = ll_pair + totals[base]
        if base == 0:
            acc = acc[:, ::-1]  # columns came as (other, base)
        return ll, acc
    with np.errstate(all="ignore"):
        return mixture_pass(data.x, data.centre, data.basis, np.asarray(coef, dtype=float), centred, normalised)
