"""The frozen fit configuration: every setting one EM run is made with, checked once.

A :class:`FitConfig` is what ``em-tui fit`` builds from its options, what the simulator's
scenario holds and what a session file writes. Settings travel together in it instead of
as loose arguments, so a new option (the variance model, say) is one new field here.
Every value is checked when the configuration is made, with the message a student reads;
a configuration that exists is a valid one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import ParameterError
from . import data as data_mod
from .checks import check_choice, check_run_options, whole_number
from .faults import Fault, get_fault
from .limits import MAX_ITERATIONS, MAX_RESTARTS, SEED_LIMIT
from .model import check_k

#: A run stops when LL rises by less than this (absolute), or at the iteration cap.
DEFAULT_TOL = 1e-6
DEFAULT_MAX_ITER = 1000
#: How a start is made: the user's own values, k-means or random (the best of ``restarts``).
INIT_METHODS = ("user", "kmeans", "random")
#: The variance models a run can use: one σ per component ("unequal", what the simulator and
#: ``em-tui fit`` run) or one σ pooled over all of them ("equal"; the M step's formula is in
#: :func:`em_tui.core.em.m_step`). ("fixed", k-means against EM's given σ, is not a fit's model.)
VARIANCE_MODELS = ("unequal", "equal")


def check_seed(seed) -> int:
    """The seed as an int, or ParameterError (a whole number from 0 to SEED_LIMIT)."""
    return whole_number("the seed", seed, 0, SEED_LIMIT)


def fault_name(fault: "str | Fault | None") -> str | None:
    """A teaching fault's name (given by name or as the :class:`Fault` itself), or None for correct EM
    ("" and "none" too); unknown names are refused with the list of faults."""
    if isinstance(fault, Fault):
        fault = fault.name
    if fault in (None, "", "none"):
        return None
    get_fault(fault)  # raises with the list of names
    return fault


@dataclass(frozen=True)
class FitConfig:
    """How EM is run: K, the stopping rule, the start's method, its seed, a teaching fault, the variance model.

    ``init`` is how the start is made ("user": given values; "kmeans" or "random": the best of
    ``restarts`` starts seeded by ``seed``); ``seed`` also draws the lesson's simulated data.
    ``fault`` names a teaching fault (a wrong M step) or is None for correct EM; ``variance`` is the
    variance model (:data:`VARIANCE_MODELS`). Every run takes the whole configuration
    (:class:`~em_tui.core.trajectory.Trajectory`, :func:`~em_tui.core.init.multi_start`,
    :func:`~em_tui.core.select.select_k`, :func:`~em_tui.core.optima.explore`), so a new setting is a
    new field here and its use in the engine.
    """

    k: int = data_mod.DEFAULT_START.k
    tol: float = DEFAULT_TOL
    max_iter: int = DEFAULT_MAX_ITER
    init: str = "user"
    restarts: int = 1
    seed: int = data_mod.DEFAULT_SEED
    fault: str | None = None  # (a Fault given is kept by its name)
    variance: str = "unequal"

    def __post_init__(self) -> None:
        k = check_k(self.k, form="whole range")
        check_run_options(self.tol, self.max_iter)  # the same checks and words as a trajectory's
        tol = float(self.tol)
        if self.max_iter > MAX_ITERATIONS:
            raise ParameterError(f"the iteration cap must be at most {MAX_ITERATIONS:,}, got {self.max_iter!r}")
        check_choice("start method", self.init, INIT_METHODS)
        whole_number("restarts", self.restarts, 1, MAX_RESTARTS)
        check_choice("variance model", self.variance, VARIANCE_MODELS)
        if self.fault not in (None, "", "none") and self.variance != "unequal":
            raise ParameterError(f"the teaching faults are mistakes in the M step with one σ per component; "
                                 f"leave out the fault or use the unequal variance model, not {self.variance!r}")
        object.__setattr__(self, "k", k)
        object.__setattr__(self, "tol", tol)
        object.__setattr__(self, "max_iter", int(self.max_iter))
        object.__setattr__(self, "restarts", int(self.restarts))
        object.__setattr__(self, "seed", check_seed(self.seed))
        object.__setattr__(self, "fault", fault_name(self.fault))

    def runs_like(self, other: "FitConfig") -> bool:
        """The same run settings (stopping rule, fault, variance model): from one start on one data
        set, runs made with either configuration are the same run (K, the start method, its restarts
        and seed only choose the start)."""
        return (self.tol, self.max_iter, self.fault, self.variance) == (other.tol, other.max_iter, other.fault,
                                                                        other.variance)

    def but(self, **changes) -> "FitConfig":
        """A copy with ``changes`` (checked like a new configuration)."""
        return replace(self, **changes)
