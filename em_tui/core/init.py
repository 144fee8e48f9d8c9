"""Starting values: user-given, k-means (1-D, k-means++ seeding), random, multi-start.

k-means and random starts report their components sorted by mean; a user's
start keeps the order the user gave.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import em
from .config import FitConfig
from .data import count_distinct
from ..errors import ParameterError
from .model import Mixture, check_k, collapsed_components
from .prepared import as_prepared, from_working, require_prepared, unit_for
from .trajectory import Trajectory, ll_noise


def user_start(weights, means, sds, k: int | None = None, data=None) -> Mixture:
    """A validated start from the user's own numbers (order kept; weights divided by their sum).

    With ``data`` (prepared), a standard deviation below the data's floor is refused too (as a run would).
    """
    start = Mixture.create(weights, means, sds, k)
    if data is not None:
        em.check_start(as_prepared(data), start)
    return start


def _check_enough_distinct(x: np.ndarray, k: int) -> None:
    check_k(k)
    distinct = count_distinct(x, k)
    if distinct < k:
        raise ParameterError(f"the data have {distinct} distinct values; K = {k} needs at least {k}")


def _distinct_sample(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k distinct data values drawn at random (every distinct value equally likely when ties are few)."""
    picked: list[float] = []
    for _ in range(64 * k):
        v = float(x[rng.integers(x.size)])
        if v not in picked:
            picked.append(v)
            if len(picked) == k:
                return np.array(picked)
    values = np.unique(x)  # heavy ties: draw from the distinct values themselves
    return rng.choice(values, size=k, replace=False)


def kmeans_1d(x, k: int, rng: np.random.Generator, max_iter: int = 300) -> np.ndarray:
    """Sorted k-means centres of 1-D data: k-means++ seeding, then Lloyd's iterations.

    Seeding: the first centre is a data point drawn uniformly; each next one is a
    data point drawn with probability proportional to D(x)^2, its squared
    distance to the nearest centre so far. Lloyd: assign each point to the
    nearest centre (in 1-D, by the midpoints between sorted centres), move each
    centre to its points' mean; stop when no centre moves.
    (The two halves are :func:`kmeanspp_seeds` and :func:`lloyd_1d`.)
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    return lloyd_1d(x, kmeanspp_seeds(x, k, rng), max_iter)


def kmeanspp_seeds(x, k: int, rng: np.random.Generator) -> np.ndarray:
    """The k-means++ seeds of :func:`kmeans_1d` (sorted): k data values, drawn as described there."""
    x = np.asarray(x, dtype=float).reshape(-1)
    _check_enough_distinct(x, k)
    centres = [float(x[rng.integers(x.size)])]
    # distances measured in a power of two near the largest (exact, and the same draws): their
    # squares stay finite at any scale
    d = x - centres[0]
    unit = unit_for(float(np.abs(d).max()))
    d2 = np.square(d / unit if unit != 1.0 else d, out=d)
    for _ in range(1, k):
        total = float(d2.sum())
        if total <= 0:
            break
        cdf = np.cumsum(d2)
        i = int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"))
        i = min(i, x.size - 1)
        centres.append(float(x[i]))
        np.minimum(d2, ((x - centres[-1]) / unit) ** 2, out=d2)
    c = np.sort(np.array(centres))
    if c.size < k:  # fewer distinct seeds than k (heavy ties): fill from the distinct values
        extra = np.setdiff1d(np.unique(x), c)[: k - c.size]
        c = np.sort(np.concatenate([c, extra]))
    return c


def nearest_labels(x: np.ndarray, sorted_centres: np.ndarray) -> np.ndarray:
    """Each point's nearest centre (an index into the sorted centres); a point exactly halfway
    between two centres goes to the lower one."""
    return np.searchsorted(0.5 * sorted_centres[:-1] + 0.5 * sorted_centres[1:], x)  # no overflow near 1e308


def lloyd_1d(x, centres, max_iter: int = 300) -> np.ndarray:
    """Lloyd's iterations of :func:`kmeans_1d` from the given centres; the sorted centres they end at.

    An empty cluster keeps its centre.
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    c = np.sort(np.asarray(centres, dtype=float).reshape(-1))
    k = c.size
    for _ in range(max_iter):
        labels = nearest_labels(x, c)
        counts = np.bincount(labels, minlength=k)
        sums = np.bincount(labels, weights=x, minlength=k)
        new = np.where(counts > 0, sums / np.maximum(counts, 1), c)
        new = np.sort(new)
        if np.array_equal(new, c):
            break
        c = new
    return c


def _start_from_labels(x: np.ndarray, centres: np.ndarray, data: em.Prepared) -> Mixture:
    k = centres.size
    labels = nearest_labels(x, centres)
    counts = np.bincount(labels, minlength=k).astype(float)
    sums = np.bincount(labels, weights=x, minlength=k)
    sq = np.bincount(labels, weights=x * x, minlength=k)
    means = np.where(counts > 0, sums / np.maximum(counts, 1), centres)
    var = np.where(counts > 1, sq / np.maximum(counts, 1) - means * means, 0.0)
    fallback = data.sd * data.sd / (k * k)  # the data's variance, shared out
    var = np.where(var > data.var_floor, var, max(fallback, data.var_floor))
    weights = np.maximum(counts, 1.0)
    weights /= weights.sum()
    return Mixture._trusted(weights, means, np.sqrt(var)).sorted_by_mean()


def kmeans_start(data, k: int, rng: np.random.Generator | int = 0) -> Mixture:
    """Start from a 1-D k-means clustering: weights = cluster shares,
    means = cluster means, sds = within-cluster sds (sorted by mean)."""
    data = as_prepared(data)
    rng = np.random.default_rng(rng)
    if data.scaled is not None:  # at an extreme scale: in working units (k-means is scale-equivariant)
        return from_working(data, kmeans_start(data.scaled, k, rng))
    centres = kmeans_1d(data.x, k, rng)
    return _start_from_labels(data.x, centres, data)


def random_start(data, k: int, rng: np.random.Generator | int = 0) -> Mixture:
    """Means = k distinct data values drawn at random; sds = the data's sd; equal weights."""
    data = as_prepared(data)
    rng = np.random.default_rng(rng)
    if data.scaled is not None:  # at an extreme scale: in working units
        return from_working(data, random_start(data.scaled, k, rng))
    _check_enough_distinct(data.x, k)
    means = np.sort(_distinct_sample(data.x, k, rng))
    sd = max(data.sd, data.sd_floor)
    return Mixture._trusted(np.full(k, 1.0 / k), means, np.full(k, sd))


def make_start(data: em.Prepared, k: int, method: str, rng) -> Mixture:
    """A k-means or random start on prepared ``data``, drawn with ``rng``."""
    require_prepared(data, "make_start")
    if method == "kmeans":
        return kmeans_start(data, k, rng)
    if method == "random":
        return random_start(data, k, rng)
    raise ParameterError(f"unknown start {method!r}; choose one of: kmeans, random (or give your own values)")


@dataclass
class MultiStart:
    """Every start's run, and which one is the answer: the highest final LL among the runs where no
    component collapsed (a collapsed component's likelihood grows without bound, so its LL beats every
    sound fit's and means nothing); the highest of all only when every run collapsed."""

    runs: list[Trajectory] = field(default_factory=list)
    method: str = "kmeans"

    @property
    def final_lls(self) -> np.ndarray:
        return np.array([r.ll[-1] for r in self.runs])

    @property
    def collapsed(self) -> list[bool]:
        """For each run, whether a component collapsed onto a point or tied values
        (:func:`~em_tui.core.model.collapsed_components`)."""
        return [bool(collapsed_components(r.final, r.data)) for r in self.runs]

    @property
    def all_collapsed(self) -> bool:
        """Every run collapsed: the best of them is the answer, and it says nothing about the data's groups."""
        return all(self.collapsed)

    @property
    def best_index(self) -> int:
        """The start with the highest final LL among the runs that did not collapse (among all runs if
        every one did); among starts whose final LLs differ only by rounding noise (starts that reached
        the same fit), the first, so that every machine picks the same."""
        lls = self.final_lls
        collapsed = self.collapsed
        pool = [i for i, c in enumerate(collapsed) if not c] or list(range(len(lls)))
        top = float(max(lls[i] for i in pool))
        return next(i for i in pool if lls[i] >= top - ll_noise(top))

    @property
    def best(self) -> Trajectory:
        return self.runs[self.best_index]


def start_rng(seed: int, index: int = 0) -> np.random.Generator:
    """The generator of start number ``index`` of :func:`multi_start` with this seed."""
    return np.random.default_rng(np.random.SeedSequence(int(seed)).spawn(index + 1)[index])


def seeded_start(data, k: int, method: str, seed: int = 0, index: int = 0) -> Mixture:
    """Start number ``index`` of :func:`multi_start` with this seed (the same start, alone)."""
    return make_start(as_prepared(data), k, method, start_rng(seed, index))


def multi_start(
    data,
    config: FitConfig,
    *,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MultiStart:
    """Run EM (as ``config`` says) from ``config.restarts`` starts made by ``config.init`` ("kmeans" or
    "random") with K = ``config.k``, seeded by generators spawned from ``config.seed``; keep them all."""
    data = as_prepared(data)
    out = MultiStart(method=config.init)
    for i, child in enumerate(np.random.SeedSequence(config.seed).spawn(config.restarts)):
        if should_stop is not None and should_stop():
            break
        start = make_start(data, config.k, config.init, np.random.default_rng(child))
        out.runs.append(Trajectory(data, start, config).run(should_stop))
        if progress is not None:
            progress(i + 1, config.restarts)
    return out
