"""A one-dimensional Gaussian mixture with K components, as an immutable value.

    p(x) = sum_k  pi_k * N(x | mu_k, sigma_k^2)

    N(x | mu, sigma^2) = exp(-(x - mu)^2 / (2 sigma^2)) / (sigma * sqrt(2 pi))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import ParameterError
from .checks import parse_whole
from .sizes import chunk_size

K_MIN = 1
K_MAX = 8
#: A component whose sd is at most this many times the variance floor's (σ ≥ 10⁻⁴ × the data's spacing,
#: :attr:`~em_tui.core.prepared.Prepared.sd_floor`), and whose points within COLLAPSE_REACH sds of its
#: mean are all one value, has collapsed onto a point or onto tied values: its likelihood grows without
#: bound as σ falls, so it says nothing about the data's groups.
COLLAPSE_FLOOR_MULTIPLE = 100.0
COLLAPSE_REACH = 3.0
#: Weights must sum to one within this tolerance (relative); within it they are divided by their sum,
#: so that the model's weights sum to one exactly (an excess of 9e-7 would otherwise lift LL[0] by
#: N · 9e-7, and the first M step, whose weights do sum to one, would look like a fall in LL).
WEIGHT_SUM_TOL = 1e-6
LOG_2PI = math.log(2.0 * math.pi)


def shifted_exp(terms: np.ndarray, top: np.ndarray, total: np.ndarray) -> None:
    """The log-sum-exp step, in place, over the component axis (axis 0) of ``terms`` (K, n).

    ``top`` gets m_i = max_k t_ki; ``terms`` becomes exp(t_ki - m_i) (each at most 1, so nothing
    overflows); ``total`` gets s_i = sum_k exp(t_ki - m_i). Then log sum_k exp(t_ki) = m_i + log s_i
    and t_ki - that = the log of the k-th share. This is the engine's one log-sum-exp: the chunked
    passes and :func:`log_sum_exp` both run it.

    The one stated exception is the E step's pass for K = 2 (:func:`em_tui.core._kernels.pair_pass`):
    with two terms, log(e^l_1 + e^l_2) = l_2 + log(1 + e^d), d = l_1 - l_2, costs one exp per point
    instead of two. Measured on the lesson's data, one E step with this pass against the general one
    (best of repeats, two runs on a shared machine): 0.07-0.10 against 0.10-0.14 ms at N = 10⁴,
    10.7-12.6 against 17.6-18.6 ms at N = 10⁶ (1.4-1.7× slower; at N = 200 the two are within the
    noise). The benchmark's per-iteration figures at large N are that pass, so they would lose as much.
    """
    k = terms.shape[0]
    np.copyto(top, terms[0])  # row by row: long in-place calls, faster than a reduction over axis 0
    for j in range(1, k):
        np.maximum(top, terms[j], out=top)
    terms -= top
    np.exp(terms, out=terms)
    np.copyto(total, terms[0])
    for j in range(1, k):
        total += terms[j]


def log_sum_exp(terms) -> np.ndarray:
    """log sum_k exp(t_ki) over axis 0 of a (K, n) array, shifting by the largest term first, so that
    a point far from every component still gets a finite, correct value."""
    e = np.array(terms, dtype=float, ndmin=2)
    top, total = np.empty(e.shape[1]), np.empty(e.shape[1])
    shifted_exp(e, top, total)
    return top + np.log(total)


def _as_vector(name: str, values: Sequence[float] | np.ndarray) -> np.ndarray:
    try:
        arr = np.array(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be numbers, got {values!r}") from None
    return arr


def validate_params(weights, means, sds, k: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check a parameter set and return it as three float arrays.

    Rules: 1 <= K <= 8; the three lists have the same length (K, if given);
    every value finite; sds > 0; weights >= 0 and summing to 1 within 1e-6
    (the weights returned are divided by their sum, so they sum to 1).
    """
    w = _as_vector("weights", weights)
    m = _as_vector("means", means)
    s = _as_vector("standard deviations", sds)
    sizes = {"weights": w.size, "means": m.size, "standard deviations": s.size}
    if k is not None:
        k = check_k(k)
        for name, size in sizes.items():
            if size != k:
                raise ParameterError(f"K is {k} but {size} {name} were given")
    if len(set(sizes.values())) != 1:
        listed = ", ".join(f"{size} {name}" for name, size in sizes.items())
        raise ParameterError(f"every component needs a weight, a mean and a standard deviation; got {listed}")
    check_k(m.size)
    for name, arr in (("weight", w), ("mean", m), ("standard deviation", s)):
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            i = int(bad[0])
            raise ParameterError(f"{name} of component {i + 1} is {float(arr[i])!r}; it must be a finite number")
    bad = np.flatnonzero(s <= 0)
    if bad.size:
        i = int(bad[0])
        raise ParameterError(f"standard deviation of component {i + 1} is {s[i]:g}; it must be greater than 0")
    bad = np.flatnonzero(w < 0)
    if bad.size:
        i = int(bad[0])
        raise ParameterError(f"weight of component {i + 1} is {w[i]:g}; weights cannot be negative")
    total = math.fsum(w.tolist())
    if not sums_to_one(w):
        raise ParameterError(f"weights sum to {total:.9g}; they must sum to 1 (within {WEIGHT_SUM_TOL:g})")
    if total != 1.0:
        w = w / total
    return w, m, s


def sums_to_one(weights) -> bool:
    """The weights sum to 1 within WEIGHT_SUM_TOL (as a start's must; they are then divided by their sum)."""
    return abs(math.fsum(np.asarray(weights, dtype=float).tolist()) - 1.0) <= WEIGHT_SUM_TOL


def normalised(weights) -> np.ndarray:
    """The weights divided by their sum (what a start editor's "normalise" does), or ParameterError
    unless they are finite, ≥ 0 and of positive sum."""
    w = np.asarray(weights, dtype=float)
    total = math.fsum(w.tolist())
    if not np.isfinite(w).all() or (w < 0).any() or not total > 0:
        raise ParameterError("weights must be ≥ 0 with a positive sum to be normalised")
    return w / total


def rank_by_mean(means) -> np.ndarray:
    """Indices that put components in the order of their means; a stable sort, so that equal means
    keep their order (the table, the plots and the exports number components this way)."""
    return np.argsort(np.asarray(means, dtype=float), kind="stable")


def ranks_by_mean(means) -> np.ndarray:
    """The inverse of :func:`rank_by_mean`: rank[j] is component j's number (0-based) when the components
    are numbered by their means (equal means keep their order, as in the stable sort)."""
    order = rank_by_mean(means)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank


def free_parameters(k: int, variance: str = "unequal") -> int:
    """p, the free parameters of a K-component mixture: K means, K - 1 weights (the last weight is 1
    minus the others) and its sds: p = 3K - 1 with one sd per component ("unequal"), 2K with one sd
    pooled over all of them ("equal"), 2K - 1 with a given sd ("fixed"). The one place p is written."""
    sds = {"unequal": int(k), "equal": 1, "fixed": 0}[variance]
    return 2 * int(k) - 1 + sds


def check_k(k, *, name: str = "K", error: type[Exception] = ParameterError, form: str = "between",
            why: str = "") -> int:
    """K as an int when it is a whole number (or one as typed) from K_MIN to K_MAX, else ``error`` in the
    caller's words (``form``, ``why``: :func:`~em_tui.core.checks.parse_whole`'s)::

        "between"      K must be between 1 and 8, got 9          (K must be a whole number, got 'two')
        "range"        K must be from 1 to 8, got 9              (K must be a whole number from 1 to 8, got 'two')
        "whole range"  K must be a whole number from 1 to 8, got 9

    The one check of K's range: the engine, the configuration, the scenario, the session, the command
    line and the start editor all call it.
    """
    return parse_whole(k, name, K_MIN, K_MAX, error=error, form=form, why=why)


@dataclass(frozen=True, eq=False)
class Mixture:
    """Immutable K-component 1-D Gaussian mixture (weights, means, sds).

    Build one with :meth:`Mixture.create`, which validates its input.
    """

    weights: np.ndarray
    means: np.ndarray
    sds: np.ndarray

    @classmethod
    def create(cls, weights, means, sds, k: int | None = None) -> "Mixture":
        w, m, s = validate_params(weights, means, sds, k)
        return cls._trusted(w, m, s)

    @classmethod
    def _trusted(cls, weights, means, sds) -> "Mixture":
        """Build without validation (for values the engine computed itself)."""
        rows = np.array([weights, means, sds], dtype=float)  # one private copy, read-only rows
        rows.flags.writeable = False
        return cls(rows[0], rows[1], rows[2])

    # -- basic properties --------------------------------------------------
    @property
    def k(self) -> int:
        return int(self.means.size)

    @property
    def variances(self) -> np.ndarray:
        return self.sds * self.sds

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mixture):
            return NotImplemented
        return (
            np.array_equal(self.weights, other.weights)
            and np.array_equal(self.means, other.means)
            and np.array_equal(self.sds, other.sds)
        )

    def __hash__(self) -> int:
        return hash((self.weights.tobytes(), self.means.tobytes(), self.sds.tobytes()))

    def __repr__(self) -> str:
        f = lambda a: "(" + ", ".join(f"{v:.6g}" for v in a) + ")"  # noqa: E731
        return f"Mixture(weights={f(self.weights)}, means={f(self.means)}, sds={f(self.sds)})"

    def order(self) -> np.ndarray:
        """The components ranked by mean (:func:`rank_by_mean`)."""
        return rank_by_mean(self.means)

    def ranks(self) -> np.ndarray:
        """Each component's number when they are ranked by mean (:func:`ranks_by_mean`, the inverse of
        :meth:`order`): component j is shown as number ranks()[j] + 1."""
        return ranks_by_mean(self.means)

    def sorted_by_mean(self) -> "Mixture":
        """The same mixture with its components in the order of :meth:`order`."""
        order = self.order()
        return Mixture._trusted(self.weights[order], self.means[order], self.sds[order])

    def as_dict(self) -> dict:
        return {
            "weights": [float(v) for v in self.weights],
            "means": [float(v) for v in self.means],
            "sds": [float(v) for v in self.sds],
        }

    # -- densities -----------------------------------------------------------
    def log_weighted_component_densities(self, x) -> np.ndarray:
        """log(pi_k N(x | mu_k, sigma_k^2)) as a (K, len(x)) array.

        log N = -(x - mu)^2 / (2 sigma^2) - log sigma - log(2 pi) / 2.
        A zero weight gives -inf for that row.
        """
        x = np.asarray(x, dtype=float).reshape(-1)
        z = (x[None, :] - self.means[:, None]) / self.sds[:, None]
        with np.errstate(divide="ignore"):
            logc = np.log(self.weights) - np.log(self.sds) - 0.5 * LOG_2PI
        return logc[:, None] - 0.5 * z * z

    def weighted_component_densities(self, x) -> np.ndarray:
        """pi_k N(x | mu_k, sigma_k^2) as a (K, len(x)) array (for plotting on a grid)."""
        return np.exp(self.log_weighted_component_densities(x))

    def log_density(self, x) -> np.ndarray:
        """log p(x), computed with log-sum-exp over the components."""
        return log_sum_exp(self.log_weighted_component_densities(x))

    def density(self, x) -> np.ndarray:
        """p(x) = sum_k pi_k N(x | mu_k, sigma_k^2)."""
        return np.exp(self.log_density(x))

    # -- sampling --------------------------------------------------------------
    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw n points; stable across versions for the same generator state.

        The recipe (documented so that a seed always gives the same data):
        ``u = rng.random(n)`` picks each point's component as the first k with
        ``u < cumsum(weights)[k]``; then ``e = rng.standard_normal(n)`` and
        ``x = means[label] + sds[label] * e``.
        """
        if n < 0:
            raise ParameterError(f"cannot draw {n} points")
        u = rng.random(n)
        labels = np.searchsorted(np.cumsum(self.weights), u, side="right")
        np.minimum(labels, self.k - 1, out=labels)
        e = rng.standard_normal(n)
        return self.means[labels] + self.sds[labels] * e


def collapsed_components(model: "Mixture", data) -> list[int]:
    """Indices (in the model's order) of the components that collapsed onto a point or tied values on the
    prepared ``data``: sd at most COLLAPSE_FLOOR_MULTIPLE × the data's floor (``data.sd_floor``, relative to
    the gap between neighbouring values, so that clusters far apart are not taken for collapses), and the
    data within COLLAPSE_REACH sds of the mean are one value (or none). A cluster tighter than the rest
    of the data, but of many values, has not collapsed."""
    limit = COLLAPSE_FLOOR_MULTIPLE * data.sd_floor
    return [i for i, (mu, sd) in enumerate(zip(model.means.tolist(), model.sds.tolist()))
            if sd <= limit and holds_one_value(data.x, mu, COLLAPSE_REACH * sd)]


def holds_one_value(x: np.ndarray, centre: float, reach: float) -> bool:
    """The values of ``x`` within ``reach`` of ``centre`` are all one value (or there are none)."""
    seen, step = None, chunk_size(1)
    for lo in range(0, x.size, step):
        part = x[lo : lo + step]
        near = part[np.abs(part - centre) <= reach]
        if near.size:
            low, high = float(near.min()), float(near.max())
            if low != high or (seen is not None and seen != low):
                return False
            seen = low
    return True
