"""What a session method did, as values (the words are the app's text module's: em_tui.tui.text,
but for why a run ended and why a key cannot act now, worded here once, with or without key names).

Each method of :class:`~em_tui.session.session.Session` that changes the session returns
one of these; the app turns it into the status line. A key that cannot act here raises
:class:`NotNow` (a :class:`~em_tui.errors.Refused` holding the outcome that explains it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..core.anomaly import Anomalies
from ..core.model import Mixture, collapsed_components
from ..errors import Refused


#: Two means (or sds) closer than this share of the data's spread are "the same" (a start's equal
#: means, a K = 2 run ended in two identical components).
EQUAL_REL = 1e-6


def equal_values(values, spread: float) -> bool:
    """Two of ``values`` are the same, within EQUAL_REL × ``spread``."""
    return bool(len(values) > 1 and (np.diff(np.sort(values)) <= EQUAL_REL * spread).any())


@dataclass(frozen=True)
class End:
    """Why a run ended: converged (LL changed by less than tol) or the cap; and what it ended in."""

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

    @classmethod
    def of(cls, run, data) -> "End":
        """How ``run`` (a Trajectory on the prepared ``data``) ended, components numbered by mean."""
        model, spread = run.final, data.spread
        order = model.order()
        gone = collapsed_components(model, spread)
        collapsed = tuple(i + 1 for i, j in enumerate(order) if j in gone)
        empty = tuple(i + 1 for i, w in enumerate(model.weights[order]) if w * data.n < 0.5)
        identical = model.k == 2 and equal_values(model.means, spread) and equal_values(model.sds, spread)
        return cls(bool(run.converged), run.iterations, run.tol, run.max_iter, collapsed, empty, identical)


class Outcome:
    """Base of the outcomes (for type checks)."""


@dataclass(frozen=True)
class Opened(Outcome):
    """A new session at iteration 0."""


@dataclass(frozen=True)
class Stepped(Outcome):
    t: int
    #: the run ended at t
    end: End | None


@dataclass(frozen=True)
class EStepped(Outcome):
    #: the iteration whose E step was done (t + 1)
    iteration: int


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


class NotNow(Refused):
    """A key that cannot act now; ``outcome`` says why (worded by the text module, with the keys;
    its ``str`` is the same sentence without key names, from :func:`not_now`)."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome
        super().__init__(outcome)

    def __str__(self) -> str:
        return not_now(self.outcome)


# -- the words a session file's replay can end in --------------------------------------------------
# The simulator's text module (em_tui.tui.text) words every outcome; for these it uses the functions
# here, with its key names. Without key names (keys=None: a session file's error, read outside the
# simulator) the same sentences are given without their "press …" parts, so a refusal says the same
# thing wherever it is shown.
#: A key's name for an action ("step" → "→"), or None where no keys are named.
Keys = Callable[[str], str] | None


def end_words(end: End) -> str:
    """Why the run ended, and a warning when it ended somewhere that teaches a lesson of its own."""
    if end.converged:
        text = f"converged at iteration {end.iterations} (LL changed by less than {end.tol:g})."
    else:
        text = f"reached the iteration cap ({end.max_iter})."
    note = ""
    if end.collapsed:
        c = end.collapsed
        which = (f"Component {c[0]}" if len(c) == 1 else
                 "Components " + ", ".join(str(v) for v in c[:-1]) + f" and {c[-1]}")
        note = (f"{which} collapsed onto a point (σ ≈ 0): the likelihood has no maximum there, "
                "so a smaller σ always 'fits better' — a known EM failure; try another start.")
    elif end.empty:
        note = f"Component {end.empty[0]} is empty (π ≈ 0): it explains no points; try a start inside the data."
    elif end.identical:
        note = ("The two components are identical: from a symmetric start EM can never tell them apart "
                "(every update treats both alike). Try a start with two different means.")
    return f"{text} {note}" if note else text


def not_now(outcome: Outcome, keys: Keys = None) -> str:
    """Why a key cannot act now (``outcome``: one of the outcomes a NotNow holds)."""
    if isinstance(outcome, AtEnd):
        back = f" {keys('back')} goes back, {keys('home')} shows the start." if keys and outcome.back else ""
        return end_words(outcome.end) + back
    if isinstance(outcome, EAlreadyDone):
        then = f"; press {keys('m_step')} for its M step" if keys else ""
        return f"the E step of iteration {outcome.iteration} is done{then}."
    if isinstance(outcome, NeedE):
        first = f"press {keys('e_step')} first: t" if keys else "t"
        return f"{first}he M step uses the responsibilities from the E step."
    if isinstance(outcome, NoPresets):
        how = (f" ({keys('new_seed')}: another k-means start; fields μ₁, μ₂: your own means when K = 2)"
               if keys else "")
        return f"the presets are the lesson's starts; your data start from k-means{how}"
    raise TypeError(f"no words for {outcome!r}")
