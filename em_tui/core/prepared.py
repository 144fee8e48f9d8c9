"""Data made ready for EM, once: the working form every engine function takes.

A data set is prepared once, when it is loaded (:func:`prepare`); the start, the run, model
selection, the local optima and k-means against EM then all take the same :class:`Prepared`
and never prepare the data again.

What preparing computes:

* the centre (the data's mean) and the centred sums sum (x_i - c) and sum (x_i - c)^2, from
  which comes the data's spread (:attr:`Prepared.sd`);
* the data's spacing (:func:`spacing_of`: the typical gap between neighbouring values) and from it
  the variance floor;
* for data up to BASIS_MAX points the rows (u^2, u, 1), u = x - c, so that each pass starts
  with one matrix product and builds nothing;
* for data at an extreme scale, the working units. Squares of values beyond about 1e±154
  overflow or underflow. Data whose spread (max |x_i - mean|) is outside
  [2^-SAFE_EXP, 2^SAFE_EXP] are fitted in working units x' = (x - c) / s, c their mean and s a
  power of two (so that dividing by it is exact), and every result is mapped back:
  mu = c + s mu', sigma = s sigma', LL = LL' - N log s (:func:`to_working`,
  :func:`from_working`). Data spread wider than 2^LIMIT_EXP or narrower than 2^-LIMIT_EXP are
  refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import DataError
from ._kernels import blas_scope
from .model import Mixture
from .sizes import BASIS_MAX, CHUNK_ELEMENTS, SPACING_SAMPLE, chunk_size

#: sigma_k is floored at SD_FLOOR_REL times the data's spacing (:func:`spacing_of`, the typical gap
#: between neighbouring values). Not relative to the data's sd, which the gaps between clusters
#: inflate: 1000 points N(0, 1) and 100 points N(10⁷, 1) have sd 2.9·10⁶, and a floor at 10⁻⁶ of it
#: (σ ≥ 2.9) kept EM from their σ of about 1. A component narrower than the gap to the next point
#: holds one value (a point, or tied values), so no sound component comes near this floor.
SD_FLOOR_REL = 1e-4
#: Data spread (max |x_i - mean|) within [2^-SAFE_EXP, 2^SAFE_EXP] are fitted as they are: their
#: squares, the variance floor and 1 / sigma^2 stay far from overflow and underflow.
SAFE_EXP = 400
#: Data spread beyond 2^LIMIT_EXP (about 1e301) or below 2^-LIMIT_EXP (about 1e-301) are refused:
#: x - mean could overflow, or fall among the subnormal numbers, which lose digits.
LIMIT_EXP = 1000


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
    #: for data up to BASIS_MAX points only: the rows (u^2, u, 1), u = x - centre, kept
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
    #: the typical gap between neighbouring values (:func:`spacing_of`), in the data's units
    spacing: float = 0.0

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
        """The data's standard deviation (about their mean, dividing by N), right at every scale."""
        w = self.working
        return self.scale * math.sqrt(w.sum_u2 / w.n) if w.n else 0.0

    @property
    def spread(self) -> float:
        """The scale that "σ ≈ 0" and "equal means" are judged against: the data's sd, or 1 when the
        data are all equal (or none)."""
        return self.sd or 1.0

    @property
    def sd_floor(self) -> float:
        """The smallest standard deviation EM gives a component on these data (sqrt of the variance floor:
        SD_FLOOR_REL × the data's spacing)."""
        return self.scale * math.sqrt(self.working.var_floor)


def require_prepared(data, what: str, hint: str = "") -> Prepared:
    """``data`` itself, which must be prepared (a programming error otherwise: prepare once, at load)."""
    if not isinstance(data, Prepared):
        raise TypeError(f"{what} takes prepared data (em.prepare(values), done once when the data are loaded), "
                        f"not {type(data).__name__}{hint}")
    return data


def as_prepared(data) -> Prepared:
    """The prepared form of ``data`` at an entry point (a run, a search): ``data`` itself when it is
    prepared already (the session and the command line prepare a data set once, when it is loaded);
    plain values, as a script or a test hands them over, are prepared here."""
    return data if isinstance(data, Prepared) else prepare(data)


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
    """Positions on the x axis (means, centres, seeds) in the working units of ``data``: (v - c) / s (a
    position so far out that it overflows is infinite: the start is then refused in words, not warned of)."""
    values = np.asarray(values, dtype=float)
    if data.scaled is None:
        return values
    with np.errstate(over="ignore"):
        return (values - data.centre) / data.scale


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


def chunks(n: int, k: int):
    """Slices that walk ``n`` points in chunks sized for a (k, chunk) scratch array of about a megabyte
    (the engine's own chunk size): whatever goes over the data point by point for K components (the
    engine's passes, the screen's responsibilities) walks them this way and never holds an N x K array."""
    step = chunk_size(k)
    for lo in range(0, n, step):
        yield slice(lo, min(lo + step, n))


def prepare(x) -> Prepared:
    """Wrap data for the engine (computes the centre, the sums and the variance floor once).

    Call it once per data set, when the data are loaded; a :class:`Prepared` given back is
    returned as it is.
    """
    if isinstance(x, Prepared):
        return x
    return _prepare(np.ascontiguousarray(np.asarray(x, dtype=float).reshape(-1)))


def _prepare(arr: np.ndarray) -> Prepared:
    lo, hi = (float(arr.min()), float(arr.max())) if arr.size else (0.0, 0.0)
    centre = _mean(arr, max(abs(lo), abs(hi))) if arr.size else 0.0
    u_min, u_max = lo - centre, hi - centre
    reach = max(u_max, -u_min)
    if reach > 0.0 and not 2.0 ** -SAFE_EXP <= reach <= 2.0 ** SAFE_EXP:
        return _prepare_scaled(arr, centre, reach, u_min, u_max)
    with blas_scope(arr.size):
        sum_u, sum_u2 = _centred_sums(arr, centre)
    gap = spacing_of(arr)
    floor = max((SD_FLOOR_REL * gap) ** 2, np.finfo(float).tiny)
    basis = None
    if arr.size <= BASIS_MAX:
        u = arr - centre
        basis = np.stack([u * u, u, np.ones_like(u)])
        basis.flags.writeable = False
    return Prepared(arr, centre, floor, reach, sum_u, sum_u2, basis, u_min, u_max, spacing=gap)


def spacing_of(x: np.ndarray) -> float:
    """The typical gap between neighbouring values of ``x``: the median gap between neighbouring distinct
    values of the data (of every n-th point when there are more than SPACING_SAMPLE, that median then
    times the sample's share of the points, as n times as many points lie n times as close); 0 for
    data with one value.

    It does not grow with the gaps between clusters (each is one gap among many), it follows the
    data's scale (c·x has |c| times the spacing of x), and tied values (data recorded to 0.01) count
    once, so that their spacing is the rounding's.
    """
    n = x.size
    if n < 2:
        return 0.0
    step = -(-n // SPACING_SAMPLE)  # ceil(n / SPACING_SAMPLE)
    values = np.sort(x[::step])
    gaps = np.diff(values)
    gaps = gaps[gaps > 0]
    if gaps.size == 0:  # the sample holds one value: the points' share of the data's range
        return float(x.max() - x.min()) / n
    gaps.sort()
    mid = gaps.size // 2
    median = float(gaps[mid]) if gaps.size % 2 else 0.5 * (float(gaps[mid - 1]) + float(gaps[mid]))
    return median * values.size / n


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
    work = _prepare((arr - centre) / s)
    # the same constants in the data's units, for reading only (Python floats: 0 or inf, never a warning)
    return Prepared(arr, centre, s * s * work.var_floor, reach, s * work.sum_u, s * s * work.sum_u2, None,
                    u_min, u_max, scaled=work, scale=s, spacing=s * work.spacing)


def _centred_sums(x: np.ndarray, centre: float) -> tuple[float, float]:
    """(sum (x - centre), sum (x - centre)^2) without an N-long temporary."""
    s1 = s2 = 0.0
    step = CHUNK_ELEMENTS
    for lo in range(0, x.size, step):
        d = x[lo : lo + step] - centre
        s1 += float(d.sum())
        s2 += float(d @ d)
    return s1, s2
