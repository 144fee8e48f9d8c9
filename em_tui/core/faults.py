"""Teaching faults: deliberately wrong M steps that make the log-likelihood fall.

A correct EM never lets LL decrease. Each fault below is a mistake a student
could make when coding the M step; run it on the default scenario and the
decrease detector fires within a few iterations. The app uses them to show the
warning banner; ``em-tui fit --fault NAME`` runs them headless.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import em
from ..errors import ParameterError
from .model import Mixture

#: A fault: (data, the E step at ``previous``, previous, the correct M step's result) -> the wrong update.
WrongUpdate = Callable[[em.Prepared, em.EStep, Mixture, Mixture], Mixture]


def _build(data: em.Prepared, nk, means, var) -> Mixture:
    """The M step's last lines (:func:`em.mixture_from_moments`) for a wrong update, whose numbers can
    be NaN or infinite: a NaN or infinite variance becomes the floor, a NaN weight 0 (all 0: equal)."""
    var = np.nan_to_num(np.asarray(var, dtype=float), nan=data.var_floor, posinf=data.var_floor)
    w = np.clip(np.nan_to_num(np.asarray(nk, dtype=float), nan=0.0), 0.0, None)
    if not w.sum() > 0:
        w = np.ones(w.size)
    return em.mixture_from_moments(data, w, np.nan_to_num(means), var)


def _forgot_sqrt(data: em.Prepared, e: em.EStep, previous: Mixture, correct: Mixture) -> Mixture:
    # sigma := variance (the square root was forgotten), so var := variance^2
    return _build(data, correct.weights, correct.means, correct.variances ** 2)


def _divide_by_n(data: em.Prepared, e: em.EStep, previous: Mixture, correct: Mixture) -> Mixture:
    # sum r (x - mu)^2 / N instead of / N_k
    return _build(data, correct.weights, correct.means, correct.variances * e.nk / data.n)


def _unnormalised(data: em.Prepared, e: em.EStep, previous: Mixture, correct: Mixture) -> Mixture:
    # the same M step, fed by an E step without the division by p(x_i): "responsibilities"
    # w_ik = pi_k N(x_i | mu_k, sigma_k^2) (the fault's own E step, Fault.e_step)
    wrong = em.e_step(data, previous, normalised=False)
    if not wrong.nk.sum() > 0:  # every density underflowed: nothing to weight by (equal weights, as _build gives)
        return _build(data, wrong.nk, previous.means, previous.variances)
    return em.m_step(data, wrong, previous)


@dataclass(frozen=True)
class Fault:
    """A mistake in the M step: ``wrong`` turns the correct update (and what it was computed from)
    into the wrong one. A run with a fault calls :meth:`m_step`, which is ``em.m_step`` wrapped.

    ``summary``: one line that names the wrong formula (the banner and the fault list show it).
    ``normalised``: False when the mistake is in the E step (the "responsibilities" the M step is fed
    do not sum to 1 over k): :meth:`e_step` is then what the faulty code computes, and the E-step
    views show it."""

    name: str
    summary: str
    wrong: WrongUpdate
    normalised: bool = True

    def e_step(self, data: em.Prepared, model: Mixture) -> em.EStep:
        """The E step this fault's code computes at ``model``: :func:`em.e_step`, without the division
        by p(x_i) when ``normalised`` is False."""
        return em.e_step(data, model, normalised=self.normalised)

    def m_step(self, data: em.Prepared, e: em.EStep, previous: Mixture, variance: str = "unequal") -> Mixture:
        """The faulty M step: the correct one (:func:`em.m_step`, same arguments), wrapped."""
        return self.wrong(data, e, previous, em.m_step(data, e, previous, variance))


FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        Fault(
            "forgot-sqrt",
            "σ_k = Σ_i r_ik (x_i − μ_k)² / N_k, the variance: no square root",
            _forgot_sqrt,
        ),
        Fault(
            "divide-by-n",
            "σ_k² = Σ_i r_ik (x_i − μ_k)² / N, not / N_k: every σ shrinks",
            _divide_by_n,
        ),
        Fault(
            "unnormalised",
            "r_ik = π_k N(x_i | μ_k, σ_k), not / p(x_i): Σ_k r_ik ≠ 1",
            _unnormalised,
            normalised=False,
        ),
    )
}


def get_fault(name: str) -> Fault:
    try:
        return FAULTS[name]
    except KeyError:
        raise ParameterError(f"unknown fault {name!r}; choose one of: {', '.join(FAULTS)}") from None
