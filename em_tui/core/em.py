"""The EM steps for a 1-D Gaussian mixture: what a student reads is what the engine runs.

Notation: data x_1..x_N, K components with weights pi_k, means mu_k and standard deviations
sigma_k. One iteration of :class:`~em_tui.core.trajectory.Trajectory` is exactly
``m_step(data, e_step(data, model), model)``.

E step (:func:`e_step`): the responsibilities, computed in the log domain::

    gamma_ik = pi_k N(x_i | mu_k, sigma_k^2) / sum_j pi_j N(x_i | mu_j, sigma_j^2)
    log p(x_i) = logsumexp_k (log pi_k + log N(x_i | mu_k, sigma_k^2))

log-sum-exp subtracts the largest term before exponentiating, so a point far from every
component still gets finite, correct responsibilities (adding an epsilon to numerator and
denominator would not).

M step (:func:`m_step`), from the responsibilities::

    N_k       = sum_i gamma_ik
    pi_k      = N_k / N
    mu_k      = (1 / N_k) sum_i gamma_ik x_i
    sigma_k^2 = (1 / N_k) sum_i gamma_ik (x_i - mu_k)^2      (then floored, see below)

With one variance shared by every component (``variance="equal"``), the M step pools it::

    sigma^2   = (1 / N) sum_k sum_i gamma_ik (x_i - mu_k)^2  = sum_k N_k sigma_k^2 / N

and with a given, fixed sigma (``variance="fixed"``: k-means against EM) only pi and mu move.

Log-likelihood (:func:`log_likelihood`)::

    LL(theta) = sum_i log p(x_i | theta)

Scale: the engine never holds an N x K array. The E step walks the data in chunks (the fast
passes of the private :mod:`em_tui.core._kernels`) and keeps of the gamma_ik only what the M step needs:
N_k and the sums sum_i gamma_ik (x_i - c) and sum_i gamma_ik (x_i - c)^2 about a fixed centre c
(the data's mean). Responsibilities for display come from :func:`responsibilities` for any
slice of points, on demand. Every pass takes the log-sum-exp with :func:`~em_tui.core.model.shifted_exp`,
except the K = 2 pass, which needs one exp per point, log p(x) = l_2 + log(1 + e^(l_1 - l_2)): the one
stated exception, 1.4-1.7× faster from N = 10⁴ up (figures in shifted_exp's docstring).

Numerical decisions:

* Variance floor: sigma_k >= SD_FLOOR_REL * spacing(x), the typical gap between neighbouring
  values (:func:`~em_tui.core.prepared.spacing_of`), so that fitting c*x + b gives exactly |c|*sigma
  (scale equivariance); not the data's sd, which the gaps between clusters inflate. A component
  that narrow holds a single value: at (or near) the floor it has collapsed
  (:func:`~em_tui.core.model.collapsed_components`).
* Empty component: if N_k < EMPTY_NK the component keeps its mean and standard deviation and
  its weight becomes N_k / N; no NaN or inf ever appears.
* The sums are taken about the data's mean (the "centre") so that
  sum gamma (x - c)^2 / N_k - (sum gamma (x - c) / N_k)^2 loses no digits in ordinary cases; when
  a component sits so far from the centre that digits would be lost, its variance is recomputed
  exactly in a second pass.
* Extreme scales: data whose spread is beyond about 1e±120 are fitted in working units (see
  :mod:`em_tui.core.prepared`); every result is mapped back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from .checks import check_choice
from . import _kernels
from .model import Mixture, log_sum_exp
from .prepared import SD_FLOOR_REL, Prepared, chunks, from_working, prepare, require_prepared, to_working

#: The engine's face, what a student reads: the E and M steps, the log-likelihood, the responsibilities of
#: some points, and the data's prepared form they take. The fast passes (:mod:`em_tui.core._kernels`) and
#: the working units of data at an extreme scale (:mod:`em_tui.core.prepared`) are imported from where
#: they live, not from here.
__all__ = [
    "EStep", "Mixture", "Prepared", "prepare", "check_start", "e_step", "m_step", "mixture_from_moments",
    "mixture_weights", "em_iteration", "log_likelihood", "log_responsibilities", "responsibilities",
    "SD_FLOOR_REL", "EMPTY_NK", "CANCELLATION_RATIO", "SD_CEILING_REL", "VARIANCE_MODELS",
]

#: a start sigma above this times the data's sd is refused (a component flat over all the data)
SD_CEILING_REL = 1e6
#: A component whose soft count N_k falls below this (in points) is "empty".
EMPTY_NK = 1e-10
#: If (mu_k - centre)^2 exceeds this many times sigma_k^2, the one-pass
#: variance would lose digits: recompute it about the new mean instead.
CANCELLATION_RATIO = 1e6


@dataclass(frozen=True)
class EStep:
    """What the E step keeps of the responsibilities gamma_ik, summed over all points.

    ``ll`` is the log-likelihood at the parameters used; ``nk`` = N_k = sum_i gamma_ik;
    ``s1`` = sum_i gamma_ik (x_i - centre); ``s2`` = sum_i gamma_ik (x_i - centre)^2. For data at
    an extreme scale the sums are in working units (about the working data's centre) and ``ll`` in
    the data's own.
    """

    ll: float
    nk: np.ndarray
    s1: np.ndarray
    s2: np.ndarray
    centre: float
    n: int
    #: False for the sums of the unnormalised weights pi_k N(x_i | mu_k, sigma_k^2) (a teaching fault's E step)
    normalised: bool = True


#: How the M step treats the sigmas: one per component ("unequal"), one pooled over all of them ("equal"),
#: or given and kept ("fixed": the shared sigma of k-means against EM).
VARIANCE_MODELS = ("unequal", "equal", "fixed")


def check_start(data: Prepared, model: Mixture) -> None:
    """Refuse a start with a standard deviation below the data's floor, saying what the floor is.

    EM never lets a sigma fall below the floor, so it climbs the likelihood only among models that
    respect it; from a start below the floor, the first M step lifts that sigma to the floor and
    LL can fall, which would look like a wrong update.

    A sigma above SD_CEILING_REL × the data's sd is refused too: such a component is flat over the
    data, and its square can overflow, which would end the fit with an infinite sigma.
    """
    data = require_prepared(data, "check_start")
    floor = data.sd_floor
    ceiling = SD_CEILING_REL * data.sd
    for i, sd in enumerate(model.sds.tolist()):
        if sd < floor:
            raise ParameterError(
                f"standard deviation of component {i + 1} is {sd:.3g}; on these data it must be at least "
                f"{_round_up(floor)} (10⁻⁴ × the typical gap between neighbouring data values: EM keeps every "
                "sigma at or above it)")
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


# ----------------------------------------------------------------------------
# The E step and the M step (what a run calls)
# ----------------------------------------------------------------------------
def e_step(data: Prepared, model: Mixture, *, normalised: bool = True) -> EStep:
    """The E step over all the data: the responsibilities

        gamma_ik = pi_k N(x_i | mu_k, sigma_k^2) / sum_j pi_j N(x_i | mu_j, sigma_j^2)

    (in the log domain, with log-sum-exp), kept as the sums the M step needs: N_k = sum_i gamma_ik,
    sum_i gamma_ik (x_i - c), sum_i gamma_ik (x_i - c)^2, and LL = sum_i log p(x_i) at ``model``.

    ``normalised=False`` leaves out the division by p(x_i): the sums are then those of
    w_ik = pi_k N(x_i | mu_k, sigma_k^2) (the mistake the "unnormalised" fault makes).
    """
    if not isinstance(data, Prepared):
        require_prepared(data, "e_step", "; the responsibilities of some points: em.responsibilities(x, model)")
    if data.scaled is not None:  # in working units; LL back in the data's units
        e = e_step(data.scaled, to_working(data, model), normalised=normalised)
        return EStep(e.ll - data.n * data.log_scale, e.nk, e.s1, e.s2, e.centre, e.n, normalised)
    with _kernels.blas_scope_for(data):
        ll, sums = _kernels.sufficient_sums(data, model, normalised)
    return EStep(ll, sums[0], sums[1], sums[2], data.centre, data.n, normalised)


def m_step(data: Prepared, e: EStep, previous: Mixture, variance: str = "unequal") -> Mixture:
    """The M step from the E step's sums (``previous``: the parameters the E step used)::

        N_k       = sum_i gamma_ik
        pi_k      = N_k / N
        mu_k      = (1 / N_k) sum_i gamma_ik x_i               = c + S1_k / N_k
        sigma_k^2 = (1 / N_k) sum_i gamma_ik (x_i - mu_k)^2    = S2_k / N_k - (S1_k / N_k)^2
        sigma_k   = sqrt(max(sigma_k^2, floor)),  floor = (SD_FLOOR_REL * spacing(x))^2

    with S1_k = sum_i gamma_ik (x_i - c) and S2_k = sum_i gamma_ik (x_i - c)^2 about the data's
    centre c (:class:`EStep`); pi_k and the floored sigma_k are :func:`mixture_from_moments`. A component with
    N_k < EMPTY_NK keeps ``previous``'s mean and sd; one whose variance would lose digits to
    cancellation gets it exactly, in a second pass. (K is at most 8: this runs on Python floats.)

    ``variance`` (:data:`VARIANCE_MODELS`): "unequal" as above; "equal" pools one variance for every
    component, sigma^2 = sum_k N_k sigma_k^2 / N = (1 / N) sum_k sum_i gamma_ik (x_i - mu_k)^2 (then
    floored); "fixed" keeps ``previous``'s sigmas as they are (given, not estimated) and moves only
    pi and mu.
    """
    if not isinstance(data, Prepared):
        require_prepared(data, "m_step")
    check_choice("variance model", variance, VARIANCE_MODELS)
    if data.scaled is not None:
        return from_working(data, m_step(data.scaled, e, to_working(data, previous), variance))
    nk, s1, s2 = e.nk.tolist(), e.s1.tolist(), e.s2.tolist()
    old_means, old_sds = previous.means.tolist(), previous.sds.tolist()
    fixed = variance == "fixed"
    means, var, risky = [], [], []
    for j, n_j in enumerate(nk):
        if n_j >= EMPTY_NK:
            off = s1[j] / n_j
            means.append(e.centre + off)
            if not fixed:
                v = s2[j] / n_j - off * off
                if off * off > CANCELLATION_RATIO * v:  # also true when cancellation made v < 0
                    risky.append(j)
                var.append(v)
        else:  # empty component: keep its mean and sd
            means.append(old_means[j])
            var.append(old_sds[j] * old_sds[j])
    if fixed:
        return Mixture._trusted(mixture_weights(nk), means, previous.sds)
    if risky:
        with _kernels.blas_scope_for(data):
            exact = _centred_second_moment(data, previous, np.array(means), risky, e.normalised)
        for j in risky:
            var[j] = float(exact[j]) / nk[j]
    return mixture_from_moments(data, nk, means, var, variance)


def mixture_weights(nk) -> list[float]:
    """pi_k = N_k / sum_j N_j (= N_k / N, renormalised against rounding; a negative N_k counts as 0)."""
    if isinstance(nk, np.ndarray):  # (K is at most 8: the arithmetic is on Python floats)
        nk = nk.tolist()
    weights = [n_j if n_j > 0 else 0.0 for n_j in nk]
    total = math.fsum(weights)
    if not total > 0:  # every N_k is 0 (weights not divided by p(x) that all underflowed): equal weights
        return [1.0 / len(weights)] * len(weights)
    return [w / total for w in weights]


def mixture_from_moments(data: Prepared, nk, means, var, variance: str = "unequal") -> Mixture:
    """The last lines of every M step (the correct one and the faults that wrap it)::

        pi_k    = N_k / sum_j N_j        (= N_k / N, renormalised against rounding: :func:`mixture_weights`)
        sigma_k = sqrt(max(sigma_k^2, floor)),   floor = (SD_FLOOR_REL * spacing(x))^2

    With ``variance="equal"`` the components' variances are pooled first, weighted by their counts:
    sigma^2 = sum_k N_k sigma_k^2 / sum_k N_k for every k (then floored). ``data``: the (working) data
    whose floor applies.
    """
    floor = data.var_floor
    if isinstance(var, np.ndarray):  # (K is at most 8: the arithmetic is on Python floats)
        var = var.tolist()
    weights = mixture_weights(nk)
    if variance == "equal":
        var = [math.fsum(w * v for w, v in zip(weights, var))] * len(var)
    sds = [math.sqrt(v if v > floor else floor) for v in var]
    return Mixture._trusted(weights, means, sds)


def _centred_second_moment(data: Prepared, model: Mixture, centres: np.ndarray, rows,
                           normalised: bool = True) -> np.ndarray:
    """sum_i gamma_ik (x_i - centres_k)^2 for the components in ``rows`` (an exact second pass); with
    ``normalised=False``, of the weights pi_k N(x_i | mu_k, sigma_k^2) instead of gamma_ik."""
    out = np.zeros(model.k)
    for part in chunks(data.n, model.k):
        xc = data.x[part]
        r = responsibilities(xc, model) if normalised else model.weighted_component_densities(xc)
        for j in rows:
            d = xc - centres[j]
            out[j] += float(r[j] @ (d * d))
    return out


def em_iteration(data: Prepared, model: Mixture) -> tuple[Mixture, float]:
    """One full iteration (E then M). Returns (new parameters, LL at the old ones)."""
    e = e_step(data, model)
    return m_step(data, e, model), e.ll


def log_likelihood(data: Prepared, model: Mixture) -> float:
    """LL = sum_i log sum_k pi_k N(x_i | mu_k, sigma_k^2): the E step's LL (the same pass, so the
    same number as a run's LL at ``model``)."""
    return e_step(data, model).ll


# ----------------------------------------------------------------------------
# Per-slice responsibilities (small arrays: the rows on screen, exports, tests)
# ----------------------------------------------------------------------------
def log_responsibilities(x, model: Mixture) -> tuple[np.ndarray, np.ndarray]:
    """Return (log gamma, log p(x)) for the points ``x``: log gamma has shape (K, len(x))."""
    lw = model.log_weighted_component_densities(x)
    log_px = log_sum_exp(lw)
    return lw - log_px, log_px


def responsibilities(x, model: Mixture, start: int = 0, stop: int | None = None) -> np.ndarray:
    """gamma_ik (shape (K, n)) of the points x[start:stop] only (for the rows on screen), with log-sum-exp:

        gamma_ik = pi_k N(x_i | mu_k, sigma_k^2) / sum_j pi_j N(x_i | mu_j, sigma_j^2)
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    log_r, _ = log_responsibilities(x[start:stop], model)
    return np.exp(log_r)
