"""What the simulator shows, as plain Python: a session and its immutable frames.

The app never computes EM itself. A key or an input becomes a call on
:class:`Session`; the session asks the core engine for what it needs and returns an
outcome (:mod:`em_tui.session.outcomes`: what it did, as values); :meth:`Session.frame`
then gives a new :class:`~em_tui.session.frame.Frame`, an immutable snapshot of
everything on screen, built by the pure functions of :mod:`em_tui.session.view`.
Widgets only draw frames. This module imports no UI code, so tests (and the fuzz test)
can compare the screen with the engine through it.

What the session runs is one frozen :class:`~em_tui.session.scenario.Scenario` (data,
start, fit settings); a change makes a new scenario, and on any error the old one stays.
A request that cannot be carried out (an M step before an E step, a seed that is not a
whole number, ...) raises :class:`Refused` with a message for the student, and leaves
the session exactly as it was.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..core import data as data_mod
from ..core.checks import whole_number
from ..core.init import multi_start
from ..core.limits import SEED_LIMIT
from ..core.model import Mixture, check_k
from ..core.trajectory import Decrease, Trajectory
from ..errors import EmTuiError, Refused
from . import outcomes as out
from . import view
from .frame import Frame
from .lab import Lab
from .words import NotNow
from .loading import Loaded, build
from .marking import Marking
from .reading import Reading
from .scenario import K_APP_MAX, K_MIN, KMEANS, LESSON, LESSON_MEANS, MEAN_LIMIT, PRESETS, START_SD, Scenario

__all__ = ["Session", "Frame", "Refused", "Scenario", "PRESETS", "START_SD", "K_MIN", "K_APP_MAX",
           "MEAN_LIMIT", "SEED_LIMIT"]


def _of_scenario(name: str, doc: str, config: bool = False) -> property:
    """A read-only property of the session that is its scenario's (or its configuration's) value."""
    if config:
        return property(lambda self: getattr(self.scenario.config, name), doc=doc)
    return property(lambda self: getattr(self.scenario, name), doc=doc)


@dataclass(frozen=True, eq=False)
class StartMade:
    """A new start made ready to run (:meth:`Session.prepare_start`): what it runs, the best restart's
    own run (taken over, not computed again), and what the status line will say."""

    loaded: Loaded
    run: Trajectory | None
    outcome: out.StartSet


class Session(Marking, Reading):
    """The simulator's state: a scenario, its EM trajectory and the iteration shown.

    ``Session(scenario)`` (``Scenario.build(seed=, n=, means=, ...)`` makes one from loose settings; no
    scenario: the lesson's). With the lesson's data the start is the means with σ = START_SD and equal
    weights; with the user's own data, the means with σ = the data's sd, or k-means seeded by the seed
    (the first start ``em-tui fit --init kmeans --seed S`` makes).
    """

    def __init__(self, scenario: Scenario = LESSON) -> None:
        if not isinstance(scenario, Scenario):
            raise TypeError(f"a session runs a Scenario (Scenario.build(...) makes one), got {scenario!r}")
        #: held while the trajectory grows (a worker thread may be growing it); what it has computed
        self._lock, self._computed = threading.Lock(), (None, -1)
        #: the anomaly quantile while the anomaly marks are on (key a), else None
        self.anomaly_quantile: float | None = None
        self.lab = Lab()  #: the lab mode (predict, then reveal): on or off, its record and score
        self._load(scenario)
        #: what the last change did (the status line's subject)
        self.last: out.Outcome = out.Opened(self.label if scenario.for_student is not None else None)

    # -- the scenario's values (read-only: a change is a new scenario) -------
    simulated = _of_scenario("simulated", "the lesson's simulated data (with a known truth), not the user's own")
    dataset = _of_scenario("dataset", "the user's own data, or None for the lesson's")
    truth = _of_scenario("truth", "the model the data were drawn from (the lesson's), or None")
    label = _of_scenario("label", 'what data these are: "simulated (seed 0)", or a data set\'s name')
    k = _of_scenario("k", "the number of components")
    seed = _of_scenario("seed", "the data's seed (the lesson's) or the k-means start's (the user's data)")
    fault = _of_scenario("fault", "the teaching fault on, or None")
    n = _of_scenario("n", "the lesson's data size")
    tol = _of_scenario("tol", "the convergence tolerance", config=True)
    max_iter = _of_scenario("max_iter", "the iteration cap", config=True)

    @property
    def means(self) -> tuple[float, ...] | None:
        """The start means (typed, or an exact start's on the lesson's data), or None (k-means)."""
        if self.scenario.means is None and self.simulated:
            return tuple(float(v) for v in self.start.means)
        return self.scenario.means

    @property
    def start_means(self) -> tuple[float, ...]:
        """The start's means as the fields show them (typed ones, or the start's)."""
        return view.start_means(self.scenario, self.start)

    @property
    def scenario_stem(self) -> str:
        """What names the files x and s write: the data, K and the iteration ("galaxies-k3-t12")."""
        return f"{self.scenario.file_stem}-k{self.k}-t{self.t}"

    # -- set-up -------------------------------------------------------------
    def _load(self, scenario: Scenario) -> None:
        """Build data and trajectory for ``scenario`` (the same data are not prepared again) and show
        its iteration 0; on error nothing changes."""
        self.take(build(scenario, getattr(self, "loaded", None)))

    def take(self, loaded: Loaded) -> None:
        """Show what :func:`~em_tui.session.loading.build` made, from iteration 0 (on the UI thread)."""
        self.loaded = loaded
        self.scenario = loaded.scenario
        self.data, self.start, self.trajectory, self.backdrop = loaded.data, loaded.start, loaded.trajectory, \
            loaded.backdrop
        self.t, self.half, self.marked = 0, False, None  # new data or a new start: no point marked
        self.alarm: Decrease | None = None
        self._reached = 0

    def set_start(self, k: int, method: str, restarts: int = 1, start: Mixture | None = None) -> out.StartSet:
        """A new K and start: your own values (``start``), or the best of ``restarts`` k-means or
        random starts (seeded by the seed, as ``em-tui fit --init METHOD --restarts R``).
        On any error nothing changes (:meth:`prepare_start` then :meth:`take_start`)."""
        return self.take_start(self.prepare_start(k, method, restarts, start))

    def prepare_start(self, k: int, method: str, restarts: int = 1, start: Mixture | None = None,
                      should_stop: Callable[[], bool] | None = None) -> StartMade | None:
        """What :meth:`set_start` would run, made without changing the session (up to MAX_RESTARTS EM
        runs: safe in a worker thread); None if ``should_stop`` stopped it. :meth:`take_start` shows it."""
        k = check_k(k, error=Refused, form="range")
        runs = None
        try:
            if method == "user":
                if start is None or start.k != k:
                    raise Refused(f"your start needs {k} components")
                chosen = start
            else:
                runs = multi_start(self.data, self.scenario.config.but(k=k, init=method, restarts=restarts),
                                   should_stop=should_stop)
                if should_stop is not None and should_stop():
                    return None
                chosen = runs.best.start
            loaded = build(self.scenario.but(start=chosen, k=k, init=method, restarts=restarts), self.loaded)
        except Refused:
            raise
        except EmTuiError as exc:
            raise Refused(str(exc)) from None
        best = float(runs.final_lls.max()) if runs is not None and restarts > 1 else None
        equal = out.equal_values(chosen.means, loaded.data.spread)
        return StartMade(loaded, runs.best if runs is not None else None,
                         out.StartSet(k, method, restarts, best, chosen, equal))

    def take_start(self, made: StartMade) -> out.StartSet:
        """Show a start made by :meth:`prepare_start`, from iteration 0 (on the UI thread)."""
        self.take(made.loaded)
        self._adopt(made.run)
        return self._did(made.outcome)

    def open_fit(self, k: int, start: Mixture, what: str, run: Trajectory | None = None) -> out.FitOpened:
        """A fit found by a search (the choice of K, the local optima): its start, with correct EM,
        shown at its end. ``run``, the search's own finished run from that start, is taken over
        instead of being computed again. On any error nothing changes."""
        fault = self.fault
        k = check_k(k, error=Refused, form="range")
        if start.k != k:
            raise Refused(f"your start needs {k} components")
        self._load(self.scenario.but(start=start, k=k, init="user", restarts=1, fault=None))  # EM's own updates
        self._adopt(run)
        self.goto(self.max_iter)
        self.last = out.FitOpened(what, self.end(), float(self.trajectory.ll[-1]), fault)
        return self.last

    def _adopt(self, run: Trajectory | None) -> None:
        """Take over a run made elsewhere from this session's start, data and settings (saves redoing it)."""
        if (run is not None and run.start == self.start and run.config.runs_like(self.scenario.config)
                and run.data.n == self.data.n
                and np.array_equal(run.data.x, self.data.x)):
            self.trajectory = run

    def prepare_data(self, dataset: data_mod.DataSet | None) -> Loaded:
        """What new data would run: the user's own (a k-means start, K kept), or None for the lesson's
        (K = 2 from the lesson's start). Pure: safe in a worker thread; :meth:`take_data` shows it."""
        if dataset is None:
            scenario = self.scenario.but(dataset=None, start=LESSON_MEANS, k=len(LESSON_MEANS), init="user")
        else:
            scenario = self.scenario.but(dataset=dataset, start=KMEANS, init="kmeans")
        return build(scenario, self.loaded)

    def take_data(self, loaded: Loaded) -> out.DataLoaded:
        """Show new data made by :meth:`prepare_data`."""
        self.take(loaded)
        dataset = loaded.scenario.dataset
        self.last = out.DataLoaded(None if dataset is None else dataset.name, self.data.n, self._restarted())
        return self.last

    def load_data(self, dataset: data_mod.DataSet | None) -> out.DataLoaded:
        """New data, at once (:meth:`prepare_data` then :meth:`take_data`); on any error the current data
        and run stay."""
        return self.take_data(self.prepare_data(dataset))

    def restart(self, *, seed: int | None = None, means: tuple[float, ...] | None | bool = False,
                fault: str | None | bool = False) -> out.Restarted:
        """Start again at iteration 0 with a new seed, start or fault (others kept).

        ``means=None`` asks for the k-means start (the user's data only). A new seed or
        start replaces an exact (saved) start.
        """
        settings: dict = {}
        if seed is not None:
            settings["seed"] = seed
        if fault is not False:
            settings["fault"] = fault
        start = self.scenario.start
        if means is not False:
            start = KMEANS if means is None else tuple(means)
        elif seed is not None and isinstance(start, Mixture):
            start = tuple(float(v) for v in start.means) if self.simulated else KMEANS
        if start == KMEANS and self.simulated:
            raise Refused("the lesson's data need start means")
        if start == KMEANS:
            settings["init"] = "kmeans"
        elif not isinstance(start, Mixture):
            settings["init"] = "user"
        self._load(self.scenario.but(start=start, **settings))
        self.last = self._restarted()
        return self.last

    def new_seed(self, seed: int | None = None) -> out.Restarted:
        """A new seed (the next one, wrapping after SEED_LIMIT, unless ``seed`` is given): the lesson's
        data drawn again from the same start, or, on the user's data, a new k-means start."""
        seed = (self.seed + 1) % (SEED_LIMIT + 1) if seed is None else seed
        return self.restart(seed=seed) if self.simulated else self.restart(seed=seed, means=None)

    def set_field(self, name: str, value) -> out.Outcome:
        """A field of the side panel typed in: a start mean ("mu1", "mu2", ...: the others kept), the
        seed (as :meth:`new_seed`) or the iteration shown ("t")."""
        if name.startswith("mu"):
            means = list(self.start_means)
            means[int(name[2:]) - 1] = value
            return self.restart(means=tuple(means))
        if name == "seed":
            return self.new_seed(value)
        if name == "t":
            return self.goto(value)
        raise ValueError(f"no field {name!r}")

    def preset_names(self) -> list[str]:
        """The lesson's presets to choose from (each opens its own data, so on any data)."""
        return list(PRESETS)

    def preset(self, name: str) -> out.PresetApplied:
        """Open one of the lesson's presets (see PRESETS): its data, K and start, with correct EM, from
        iteration 0. On any error nothing changes."""
        if name not in PRESETS:
            raise Refused(f"no preset is called {name!r}; the presets are: " + ", ".join(PRESETS))
        preset = PRESETS[name]
        self._load(preset.scenario())
        self.last = out.PresetApplied(name, self._restarted(), preset.shows)
        return self.last

    def _restarted(self) -> out.Restarted:
        exact = self.means is None and isinstance(self.scenario.start, Mixture)  # the editor's start, kept
        means = tuple(float(v) for v in self.start.means) if exact else self.means
        return out.Restarted(self.simulated, self.seed, self.label, means, self.fault, self.scenario.for_student is not None)

    # -- moving -------------------------------------------------------------
    @property
    def reached(self) -> int:
        """The furthest iteration shown since the run was (re)started (what the banner has seen)."""
        return self._reached

    @property
    def at_end(self) -> bool:
        """t is the last iteration there will ever be (converged, or at the cap)."""
        return self.t == self.trajectory.iterations and self.trajectory.done

    def compute_through(self, t: int) -> bool:
        """Compute the run up to iteration ``t`` (or its end) without showing it; True if iteration ``t`` exists.
        Safe in a worker thread; an iteration computed in full before is known without waiting for the lock."""
        run, known = self._computed
        if run is self.trajectory and t <= known:
            return True
        with self._lock:
            while self.trajectory.iterations < t and not self.trajectory.done:
                self.trajectory.step()
            self._computed = (self.trajectory, self.trajectory.iterations)  # computed in full
            return self.trajectory.iterations >= t

    def _did(self, outcome: out.Outcome) -> out.Outcome:
        self.last = outcome
        return outcome

    def step(self) -> out.Outcome:
        """One full iteration forward (or the M step, if the E step was just done)."""
        if self.half:
            return self.m_step()
        if self.at_end:
            raise NotNow(out.AtEnd(self.end(), back=True))
        self.compute_through(self.t + 1)
        self._move_to(self.t + 1)
        return self._did(out.Stepped(self.t, self._end_here()))

    def back(self) -> out.Outcome:
        if self.half:
            self.half = False
            return self._did(out.EUndone(self.t))
        if self.t == 0:
            raise Refused("already at iteration 0 (the start).")
        self.t -= 1
        return self._did(out.SteppedBack(self.t))

    def e_step(self) -> out.EStepped:
        if self.half:
            raise NotNow(out.EAlreadyDone(self.t + 1))
        if self.at_end:
            raise NotNow(out.AtEnd(self.end()))
        half = self.trajectory.half(self.t)  # the run's own E step (a fault's w_ik do not sum to 1)
        self.half = True
        return self._did(out.EStepped(self.t + 1, None if half.normalised else float(half.nk.sum()), self.data.n))

    def m_step(self) -> out.MStepped:
        if not self.half:
            raise NotNow(out.NeedE())
        self.compute_through(self.t + 1)
        self.half = False
        self._move_to(self.t + 1)
        return self._did(out.MStepped(self.t, self._end_here()))

    def to_last(self) -> out.Shown:
        """Show the last iteration computed so far (key End)."""
        return self.goto(self.trajectory.iterations)

    def home(self) -> out.Home:
        self.t, self.half = 0, False
        return self._did(out.Home())

    def goto(self, t: int) -> out.Shown:
        """Show iteration t, computing up to it if needed (stops early at convergence)."""
        whole_number("the iteration", t, 0, self.max_iter, error=Refused)
        self.compute_through(t)
        target = min(int(t), self.trajectory.iterations)
        self.half = False
        self._move_to(target)
        return self._did(out.Shown(target, int(t), self.end() if target < t else self._end_here()))

    def _move_to(self, t: int) -> None:
        self.t = t
        if t > self._reached:
            self._reached = t
            if self.alarm is None:
                self.alarm = self.trajectory.first_decrease(t)

    def end(self) -> out.End:
        """Why the run ended (or will: at the iteration cap) and what it ended in."""
        return out.End.of(self.trajectory, self.data)

    def _end_here(self) -> out.End | None:
        tr = self.trajectory
        return self.end() if self.t == tr.iterations and tr.done else None

    def run_stopped(self) -> out.RunStopped:
        """A run to convergence was stopped here (the app's worker runs it; the session records it)."""
        return self._did(out.RunStopped(self.t))

    def run_started(self) -> out.RunStarted:
        if self.at_end and not self.half:
            raise NotNow(out.AtEnd(self.end()))
        return self._did(out.RunStarted(self.t))

    def run_finished(self) -> out.RunFinished:
        return self._did(out.RunFinished(self.end(), self.t))

    def note(self, outcome: out.Outcome) -> out.Outcome:
        """Record what the app did with the session's values (a file written, ...): the status's subject."""
        return self._did(outcome)

    def mark_anomalies(self, quantile: float | None) -> out.AnomaliesMarked:
        """Turn the anomaly marks on at this quantile, or off with None (a bad quantile changes nothing)."""
        if quantile is None:
            self.anomaly_quantile = None
            return self._did(out.AnomaliesMarked(None))
        found = self.anomalies(quantile)
        self.anomaly_quantile = found.quantile
        return self._did(out.AnomaliesMarked(found))

    def frame(self, status: str = "", refused: bool = False, strip: tuple[int, int] = (0, 0)) -> Frame:
        """The screen now. ``strip``: where the claim strip's cells go, (first column, columns) —
        under the top panel's canvas."""
        return view.frame(self.scenario, self.trajectory, self.t, self.half, self.data, self.start,
                          self.backdrop, self.alarm, self.anomalies(), status, refused, strip, self.marked)
