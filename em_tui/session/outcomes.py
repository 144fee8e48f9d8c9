"""What a session method did, as values; :mod:`em_tui.session.words` turns them into words.

Each method of :class:`~em_tui.session.session.Session` that changes the session returns
one of these; the app shows their words in the status line. A key that cannot act here raises
:class:`~em_tui.session.words.NotNow` (a :class:`~em_tui.errors.Refused` holding the outcome that
explains it).
"""

from __future__ import annotations

from dataclasses import dataclass
import numpy as np

from ..core.anomaly import Anomalies
from ..core.model import Mixture, collapsed_components


#: Two means (or sds) closer than this share of the data's spread are "the same" (a start's equal
#: means, a K = 2 run ended in two identical components).
EQUAL_REL = 1e-6


def equal_values(values, spread: float) -> bool:
    """Two of ``values`` are the same, within EQUAL_REL × ``spread``."""
    return bool(len(values) > 1 and (np.diff(np.sort(values)) <= EQUAL_REL * spread).any())


@dataclass(frozen=True)
class End:
    """Why a run ended and what it ended in: the stopping rule met (LL changed by less than tol) or
    the cap, under EM's own updates or a teaching fault's, with or without a collapsed component.

    ``converged`` is the stopping rule alone; whether the run reached EM's answer is :attr:`verdict`
    (what the words, and ``em-tui fit``, say)."""

    #: LL changed by less than tol (the stopping rule was met, whatever the updates were)
    converged: bool
    iterations: int
    tol: float
    max_iter: int
    #: components (numbered by mean) collapsed onto a point (σ ≈ 0)
    collapsed: tuple[int, ...] = ()
    #: components with π ≈ 0
    empty: tuple[int, ...] = ()
    #: K = 2 and the two components are the same
    identical: bool = False
    #: the teaching fault whose updates the run made (None: EM's own)
    fault: str | None = None

    @property
    def verdict(self) -> str:
        """What the run's end is: "fault" (updates not EM's: never EM's answer, whatever stopped it),
        "collapsed" (a component on a point: LL climbs without bound, no maximum), "converged" (EM's
        answer: the stopping rule met by EM's own updates) or "cap" (stopped at the iteration cap)."""
        if self.fault is not None:
            return "fault"
        if self.collapsed:
            return "collapsed"
        return "converged" if self.converged else "cap"

    @classmethod
    def of(cls, run, data) -> "End":
        """How ``run`` (a Trajectory on the prepared ``data``) ended, components numbered by mean."""
        model, spread = run.final, data.spread
        order = model.order()
        gone = collapsed_components(model, data)
        collapsed = tuple(i + 1 for i, j in enumerate(order) if j in gone)
        empty = tuple(i + 1 for i, w in enumerate(model.weights[order]) if w * data.n < 0.5)
        identical = model.k == 2 and equal_values(model.means, spread) and equal_values(model.sds, spread)
        fault = None if run.fault is None else run.fault.name
        return cls(bool(run.converged), run.iterations, run.tol, run.max_iter, collapsed, empty, identical, fault)


class Outcome:
    """Base of the outcomes (for type checks)."""


@dataclass(frozen=True)
class Opened(Outcome):
    """A new session at iteration 0."""

    #: the data's label when they were drawn for a student (``em-tui --student ID``), else None
    student_data: str | None = None


@dataclass(frozen=True)
class Stepped(Outcome):
    t: int
    #: the run ended at t
    end: End | None


@dataclass(frozen=True)
class EStepped(Outcome):
    #: the iteration whose E step was done (t + 1)
    iteration: int
    #: under a fault whose E step leaves out the division by p(x_i): the sum of its weights over every
    #: point and component, Σ_k N_k (which is N for responsibilities); None for a correct E step
    total: float | None = None
    #: the number of points (what Σ_k N_k is for responsibilities)
    n: int = 0


@dataclass(frozen=True)
class MStepped(Outcome):
    t: int
    end: End | None


@dataclass(frozen=True)
class EUndone(Outcome):
    t: int


@dataclass(frozen=True)
class SteppedBack(Outcome):
    t: int


@dataclass(frozen=True)
class Home(Outcome):
    pass


@dataclass(frozen=True)
class Shown(Outcome):
    """goto: iteration ``t`` shown; ``asked`` was beyond the run's end when t < asked."""

    t: int
    asked: int
    end: End | None


@dataclass(frozen=True)
class Restarted(Outcome):
    """Iteration 0 of a new run: new data seed, start means or fault."""

    simulated: bool
    seed: int
    label: str
    #: the typed start means, or None for a k-means start
    means: tuple[float, ...] | None
    fault: str | None
    #: the data were drawn for a student (``--student``): the label names them
    for_student: bool = False


@dataclass(frozen=True)
class StartSet(Outcome):
    """A new K and start (the start editor)."""

    k: int
    method: str
    restarts: int
    #: the best start's final LL (several restarts), else None
    best_ll: float | None
    start: Mixture
    #: two start means are equal
    equal_means: bool


@dataclass(frozen=True)
class FitOpened(Outcome):
    """A search's fit shown at its end."""

    what: str
    end: End
    ll: float
    #: the fault that was on (and is now off), or None
    fault_off: str | None


@dataclass(frozen=True)
class DataLoaded(Outcome):
    #: the data set's name and size, or None for the lesson's data
    name: str | None
    n: int
    restarted: Restarted


@dataclass(frozen=True)
class PresetApplied(Outcome):
    name: str
    restarted: Restarted
    #: what EM run from the preset to the end shows (the preset's own words)
    shows: str = ""


@dataclass(frozen=True)
class AnomaliesMarked(Outcome):
    #: the points flagged, or None when the marks were turned off
    found: Anomalies | None


@dataclass(frozen=True)
class SessionOpened(Outcome):
    name: str
    t: int
    quantile: float | None
    note: str


@dataclass(frozen=True)
class RunStarted(Outcome):
    t: int


@dataclass(frozen=True)
class RunStopped(Outcome):
    t: int


@dataclass(frozen=True)
class RunFinished(Outcome):
    end: End
    t: int


@dataclass(frozen=True)
class PaceSet(Outcome):
    """A pace key: the seconds between a run's iterations now (0: no pause), and whether that changed
    (not past the fastest or the slowest pace)."""

    pace: float
    faster: bool
    changed: bool


@dataclass(frozen=True)
class Writing(Outcome):
    name: str


@dataclass(frozen=True)
class Written(Outcome):
    """An export (x) or a saved session (s) written to ``path`` (another name when ``asked`` was taken)."""

    kind: str  # "export" or "session"
    #: the file written (its whole name)
    path: str
    #: the name asked for, in the same folder (``path``'s own name unless that name was taken)
    asked: str
    t: int = 0
    n: int = 0
    #: what the browser was told ("" outside a browser, else "sent" or the reason it failed)
    download: str = ""


# -- keys that cannot act here ------------------------------------------------------------------
@dataclass(frozen=True)
class AtEnd(Outcome):
    """The run has ended: no further step. ``back`` says ← and 0 in the words."""

    end: End
    back: bool = False


@dataclass(frozen=True)
class EAlreadyDone(Outcome):
    iteration: int


@dataclass(frozen=True)
class NeedE(Outcome):
    """The M step needs the E step first."""


@dataclass(frozen=True)
class NoPresets(Outcome):
    """The presets are the lesson's (the user's data start from k-means)."""
