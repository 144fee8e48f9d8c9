"""Checking a student's own number against EM's: right or wrong, the correct value, and the name of
the classic slip the number is, when it is one.

A quantity is named by :class:`Quantity`: a responsibility γ_ik of a point, a component's N_k, μ_k,
σ_k or π_k after an iteration, or LL[t]. Its correct value and the values of the classic slips come
from the worked arithmetic (:mod:`em_tui.core.work`). A number is right when it is within
:data:`TOLERANCE` of the correct value; a wrong number is named as a slip when it is within the same
tolerance of that slip's value (and not of the correct one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import em, work
from .faults import FAULTS

#: Significant digits a hand computation must get right.
DIGITS = 3
#: For γ and π, which lie in [0, 1], also right within this much: to three decimal places (a γ of
#: 0.00012 need not have three significant digits). Not wider: responsibilities not divided by p(x)
#: (the unnormalised slip) can be within 0.001 of a small γ, and must not pass as right.
PROBABILITY_SLACK = 5e-4
#: How the tolerance is said wherever a verdict is shown.
TOLERANCE = (f"right within ±1 in the {DIGITS}rd significant digit (γ and π: or to {DIGITS} decimal places, "
             f"within ±{PROBABILITY_SLACK:g})")

#: The kinds of quantity, and how each is written (component and point numbers from 1).
KINDS = {"gamma": "γ", "n_k": "N", "mean": "μ", "sd": "σ", "weight": "π", "ll": "LL"}


@dataclass(frozen=True)
class Quantity:
    """One number a student computes. ``t``: for "gamma", the iteration whose parameters the E step
    uses (0: the start); for "n_k", "mean", "sd", "weight", the iteration the M step makes (1: the
    first); for "ll", the iteration whose parameters it is at. ``component`` and ``point`` from 1."""

    kind: str
    t: int
    component: int | None = None
    point: int | None = None

    def label(self) -> str:
        sym = KINDS[self.kind]
        if self.kind == "gamma":
            return f"γ[point {self.point}, component {self.component}] at iteration {self.t}"
        if self.kind == "ll":
            return f"LL[{self.t}]"
        return f"{sym}_{self.component} after iteration {self.t}"


@dataclass(frozen=True)
class Verdict:
    quantity: Quantity
    given: float
    expected: float
    right: bool
    slip: str | None = None

    def line(self) -> str:
        """One line: the verdict, the number given, the correct one and the slip recognised."""
        if self.right:
            return f"right: {self.quantity.label()} = {self.given:.6g} (to 6 digits: {self.expected:.6g})"
        text = f"wrong: {self.quantity.label()} = {self.given:.6g}; the correct value is {self.expected:.6g}"
        return text + (f" ({self.slip})" if self.slip else "")


def agrees(given: float, expected: float, probability: bool = False) -> bool:
    """``given`` is ``expected`` to :data:`DIGITS` significant digits: within ±1 in that digit (for a
    probability, or within :data:`PROBABILITY_SLACK`)."""
    if not (math.isfinite(given) and math.isfinite(expected)):
        return given == expected
    diff = abs(given - expected)
    if probability and diff <= PROBABILITY_SLACK:
        return True
    if expected == 0.0:
        return diff == 0.0
    unit = 10.0 ** (math.floor(math.log10(abs(expected))) - (DIGITS - 1))
    return diff <= unit * (1 + 1e-9)


def expected_and_slips(q: Quantity, point: work.PointWork | None = None,
                       step: work.StepWork | None = None, ll: float | None = None,
                       ll_before: float | None = None) -> tuple[float, list[tuple[str, float]]]:
    """The correct value of ``q`` and the (name, value) of each classic slip for it. Give ``point`` (the
    E step at the point, correct EM) for γ, ``step`` (the correct M step of iteration ``q.t``) for N, μ,
    σ and π, ``ll`` (LL[t]) and, when known, ``ll_before`` (LL[t − 1]) for LL."""
    slips: list[tuple[str, float]] = []
    if q.kind == "gamma":
        c = point.components[q.component - 1]
        expected = c.responsibility
        slips.append(("unnormalised: π_k N(x_i | μ_k, σ_k²) not divided by p(x_i)", c.weighted))
        plain = math.fsum(o.density for o in point.components)
        if plain > 0:
            slips.append(("the weights π_k left out: N(x_i | μ_k, σ_k²) / Σ_j N(x_i | μ_j, σ_j²)", c.density / plain))
        others = [o.responsibility for j, o in enumerate(point.components) if j != q.component - 1]
        slips += [("another component's γ", v) for v in others]
        return expected, slips
    if q.kind == "ll":
        slips.append(("log10, not the natural log", ll / math.log(10.0)))
        if ll_before is not None:
            slips.append((f"LL[{q.t - 1}], at the parameters before the step", ll_before))
        return ll, slips
    c = step.components[q.component - 1]
    others = [o for j, o in enumerate(step.components) if j != q.component - 1]
    if q.kind == "n_k":
        expected = c.n_k
        slips.append(("N_k divided by N: that is π_k", c.weight))
    elif q.kind == "mean":
        expected = c.mean
        slips.append(("divided by N instead of N_k", c.sum_x / step.n))
        slips.append(("Σ_i γ_ik x_i not divided by N_k", c.sum_x))
        slips.append(("the old mean: the mean did not move", c.old_mean))
    elif q.kind == "sd":
        expected = c.sd
        slips.append(("σ² for σ: the square root was forgotten", c.variance))
        slips.append(("divided by N instead of N_k", math.sqrt(c.sum_sq_dev / step.n)))
        slips.append(("σ² divided by N instead of N_k, and no square root", c.sum_sq_dev / step.n))
        if c.n_k > 0:
            slips.append(("the old mean in the variance: Σ γ (x − μ_old)² / N_k", math.sqrt(c.sum_sq_dev_old / c.n_k)))
    elif q.kind == "weight":
        expected = c.weight
        slips.append(("N_k, not divided by N", c.n_k))
    else:
        raise ValueError(f"unknown quantity {q.kind!r}")
    slips += [("another component's value", _value(q.kind, o)) for o in others]
    return expected, slips


def _value(kind: str, c: work.ComponentM) -> float:
    return {"n_k": c.n_k, "mean": c.mean, "sd": c.sd, "weight": c.weight}[kind]


def unnormalised_slips(q: Quantity, wrong: work.StepWork) -> list[tuple[str, float]]:
    """The slip of an M step fed unnormalised responsibilities (``wrong``: the unnormalised fault's
    step work): its N_k, μ_k, σ_k or π_k."""
    if q.kind in ("n_k", "mean", "sd", "weight"):
        return [("unnormalised responsibilities: γ not divided by p(x_i)", _value(q.kind, wrong.components[q.component - 1]))]
    return []


def grade(q: Quantity, given: float, expected: float, slips: list[tuple[str, float]]) -> Verdict:
    """The verdict on ``given``: right within the tolerance of ``expected``, else the first slip it
    agrees with (none when it agrees with none, or the slip's value is the correct one too)."""
    probability = q.kind in ("gamma", "weight")
    if agrees(given, expected, probability):
        return Verdict(q, given, expected, True)
    for name, value in slips:
        if agrees(given, value, probability) and not agrees(value, expected, probability):
            return Verdict(q, given, expected, False, name)
    return Verdict(q, given, expected, False)


def check_value(q: Quantity, given: float, data, params_at, cache: dict | None = None) -> Verdict:
    """Grade ``given`` for ``q`` on ``data`` (prepared), ``params_at(t)`` giving the correct-EM
    parameters of iteration t (a run's :meth:`~em_tui.core.trajectory.Trajectory.params`). ``cache``: a
    dict kept across the answers of one run, so that each iteration's worked M step and LL are
    computed once."""
    cache = {} if cache is None else cache

    def once(key, make):
        if key not in cache:
            cache[key] = make()
        return cache[key]

    if q.kind == "gamma":
        model = params_at(q.t)
        i = q.point - 1
        pw = work.point_work(float(data.x[i]), i, model)
        expected, slips = expected_and_slips(q, point=pw)
    elif q.kind == "ll":
        ll = once(("ll", q.t), lambda: em.log_likelihood(data, params_at(q.t)))
        before = once(("ll", q.t - 1), lambda: em.log_likelihood(data, params_at(q.t - 1))) if q.t >= 1 else None
        expected, slips = expected_and_slips(q, ll=ll, ll_before=before)
    else:
        previous = params_at(q.t - 1)
        step = once(("step", q.t), lambda: work.step_work(data, previous, q.t))
        expected, slips = expected_and_slips(q, step=step)
        wrong = once(("unnormalised", q.t), lambda: work.step_work(data, previous, q.t, FAULTS["unnormalised"]))
        slips += unnormalised_slips(q, wrong)
    return grade(q, given, expected, slips)
