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
from .checks import check_choice, check_run_options, whole_number
from .faults import get_fault
from .init import INIT_METHODS
from .limits import MAX_ITERATIONS, MAX_RESTARTS, SEED_LIMIT
from .model import K_MAX, K_MIN
from .trajectory import DEFAULT_MAX_ITER, DEFAULT_TOL

#: The variance models the simulator runs: one σ per component ("unequal"). The engine's M step also
#: pools one σ for all components ("equal", :data:`em.VARIANCE_MODELS`), which is room for that lesson.
VARIANCE_MODELS = ("unequal",)


def check_seed(seed) -> int:
    """The seed as an int, or ParameterError (a whole number from 0 to SEED_LIMIT)."""
    return whole_number("the seed", seed, 0, SEED_LIMIT)


def fault_name(fault: str | None) -> str | None:
    """A teaching fault's name, or None for correct EM ("" and "none" too); unknown names are refused
    with the list of faults."""
    if fault in (None, "", "none"):
        return None
    get_fault(fault)  # raises with the list of names
    return fault


@dataclass(frozen=True)
class FitConfig:
    """How EM is run: K, the stopping rule, the start's method, its seed, a teaching fault, the variance model.

    ``init`` is how the start is made ("user": given values; "kmeans" or "random": the best of
    ``restarts`` starts seeded by ``seed``); ``seed`` also draws the lesson's simulated data.
    ``fault`` names a teaching fault (a wrong M step) or is None for correct EM.
    """

    k: int = 2
    tol: float = DEFAULT_TOL
    max_iter: int = DEFAULT_MAX_ITER
    init: str = "user"
    restarts: int = 1
    seed: int = 0
    fault: str | None = None
    variance: str = "unequal"

    def __post_init__(self) -> None:
        whole_number("K", self.k, K_MIN, K_MAX)
        check_run_options(self.tol, self.max_iter)  # the same checks and words as a trajectory's
        tol = float(self.tol)
        if self.max_iter > MAX_ITERATIONS:
            raise ParameterError(f"the iteration cap must be at most {MAX_ITERATIONS:,}, got {self.max_iter!r}")
        check_choice("start method", self.init, INIT_METHODS)
        whole_number("restarts", self.restarts, 1, MAX_RESTARTS)
        check_choice("variance model", self.variance, VARIANCE_MODELS)
        object.__setattr__(self, "k", int(self.k))
        object.__setattr__(self, "tol", tol)
        object.__setattr__(self, "max_iter", int(self.max_iter))
        object.__setattr__(self, "restarts", int(self.restarts))
        object.__setattr__(self, "seed", check_seed(self.seed))
        object.__setattr__(self, "fault", fault_name(self.fault))

    def but(self, **changes) -> "FitConfig":
        """A copy with ``changes`` (checked like a new configuration)."""
        return replace(self, **changes)
