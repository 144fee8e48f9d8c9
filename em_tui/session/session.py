"""What the simulator shows, as plain Python: a session and its immutable frames.

The app never computes EM itself. A key or an input becomes a call on
:class:`Session`; the session asks the core engine for what it needs and
returns a new :class:`Frame`, an immutable snapshot of everything on screen.
Widgets only draw frames. This module imports no UI code, so tests (and the
fuzz test) can compare the screen with the engine through it.

A request that cannot be carried out (an M step before an E step, a seed that
is not a whole number, ...) raises :class:`Refused` with a message for the
student, and leaves the session exactly as it was.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core import data as data_mod
from ..core import em
from ..errors import EmTuiError, Refused
from ..core.anomaly import Anomalies, find_anomalies, percent
from ..core.faults import get_fault
from ..core.init import multi_start, seeded_start
from ..core.limits import SEED_LIMIT
from ..core.model import Mixture, collapsed_components
from ..core.safewrite import write_new
from ..core.trajectory import DEFAULT_MAX_ITER, DEFAULT_TOL, Decrease, Trajectory, find_decrease

#: The lesson's presets: (name, means). sigma = 1.5 and pi = 0.5 as in the default start.
PRESETS: dict[str, tuple[float, float]] = {
    "clean start (1, 3)": (1.0, 3.0),
    "both at 2.0": (2.0, 2.0),
    "far start (-2, 7)": (-2.0, 7.0),
}
START_SD = 1.5
#: Start means further than this from 0 are refused (the lesson's data live within about -5..10).
MEAN_LIMIT = 1e6
#: Components the app shows (one colour each, a legend that fits).
K_MIN, K_APP_MAX = 1, 8
#: Bins of the histogram: at least this many, at most MAX_BINS.
MIN_BINS, MAX_BINS = 12, 48
#: Characters of the data's label kept in the names of written files (names stay short).
FILE_STEM_MAX = 60
#: Points of the grid the curves are drawn on (about two braille dots apart at 120 columns).
GRID_POINTS = 81


@dataclass(frozen=True)
class Histogram:
    """The data binned once per data set (edges fixed, heights as a density)."""

    edges: np.ndarray
    heights: np.ndarray

    @property
    def width(self) -> float:
        return float(self.edges[1] - self.edges[0])


@dataclass(frozen=True)
class Frame:
    """Everything the simulator screen shows, at one moment."""

    seed: int
    n: int
    start: Mixture
    fault: str | None
    #: iteration shown (parameters after t full iterations)
    t: int
    #: True between the E step and the M step of iteration t + 1
    half: bool
    #: parameters at t (in the engine's component order)
    params: Mixture
    #: LL[0..t]
    ll: tuple[float, ...]
    #: the soft counts behind the parameters: pi_k(t) * N in a full state,
    #: the E step's new N_k at params(t) in the half state
    nk: np.ndarray
    #: the run converged and t is its last iteration
    converged: bool
    #: the first LL decrease seen since the run was (re)started, or None
    alarm: Decrease | None
    #: a line for the status bar (what just happened, or why a key did nothing)
    message: str
    #: per-bin responsibility shares (K, bins) of the histogram, in the half state only
    split: np.ndarray | None = field(default=None, compare=False)
    #: the model the data were drawn from (the lesson's), or None for the user's own data
    truth: Mixture | None = field(default=None, compare=False)
    #: what data these are: "simulated (seed 0)", or a data set's name
    label: str = ""
    #: the data's smallest and largest values
    data_range: tuple[float, float] = (0.0, 0.0)
    #: the points flagged as anomalies under params (when the anomaly marks are on), or None
    anomalies: Anomalies | None = field(default=None, compare=False)

    @property
    def ll_now(self) -> float:
        return self.ll[-1]

    @property
    def delta_ll(self) -> float | None:
        return self.ll[-1] - self.ll[-2] if len(self.ll) > 1 else None

    def order(self) -> np.ndarray:
        """Component indices sorted by mean (how components are matched to the truth)."""
        return self.params.order()


#: Points whose responsibilities an export computes and writes at a time.
EXPORT_CHUNK = 65536


@dataclass(frozen=True)
class ExportSnapshot:
    """Everything one export writes, fixed when the export starts (see :meth:`Session.export_snapshot`).

    The CSV: comment lines (#) give the data, the iteration and one line per component
    (numbered by their means: k, pi, mu, sigma); then a header and one row per point in
    the data's order: x, gamma_1..gamma_K, the most likely component. Responsibilities
    are computed in chunks, so the file is written without an N x K table in memory.
    """

    #: the data (a read-only view)
    x: np.ndarray
    #: the parameters at iteration t
    params: Mixture
    t: int
    #: the log-likelihood at t
    ll: float
    label: str

    @property
    def n(self) -> int:
        return int(self.x.size)

    def write(self, fh) -> None:
        params = self.params
        order = params.order()
        label = _CONTROL.sub("?", self.label)  # one comment line, whatever the file's name holds
        fh.write(f"# em-tui export: data {label}, N = {self.n}, iteration {self.t}, LL = {self.ll!r}\n")
        fh.write("# component,pi,mu,sigma\n")
        w, m, sd = params.weights.tolist(), params.means.tolist(), params.sds.tolist()
        for i, j in enumerate(order.tolist()):
            fh.write(f"# {i + 1},{w[j]!r},{m[j]!r},{sd[j]!r}\n")
        fh.write("x," + ",".join(f"gamma_{i + 1}" for i in range(params.k)) + ",component\n")
        for lo in range(0, self.n, EXPORT_CHUNK):
            fh.write(export_rows(self.x, params, order, lo, min(lo + EXPORT_CHUNK, self.n)))

    def save(self, path) -> Path:
        """Write the CSV as a new file (see :func:`~em_tui.core.safewrite.write_new`); the name written."""
        return write_new(path, self.write)


def export_rows(x: np.ndarray, params: Mixture, order: np.ndarray, lo: int, hi: int) -> str:
    """CSV rows of the points x[lo:hi]: x, their responsibilities (components in ``order``), the likeliest."""
    gamma = em.responsibilities(x, params, lo, hi)[order]
    best = gamma.argmax(axis=0) + 1
    block = np.column_stack([x[lo:hi], gamma.T])
    return "".join(",".join(repr(float(v)) for v in row) + f",{b}\n" for row, b in zip(block, best))


#: Control characters (a newline in a file's name would break the export's comment line).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _fault_name(fault: str | None) -> str | None:
    if fault in (None, "", "none"):
        return None
    get_fault(fault)  # raises with the list of names
    return fault


class Session:
    """The simulator's state: data, start, the EM trajectory and the iteration shown.

    With no ``dataset`` the data are the lesson's, drawn from ``seed``, and the start
    is ``means`` with σ = 1.5 and equal weights. With the user's own ``dataset`` the
    start is ``means`` (σ = the data's sd, equal weights) when given, else k-means
    seeded by ``seed`` (the first start ``em-tui fit --init kmeans --seed S`` makes).
    """

    def __init__(
        self,
        seed: int = data_mod.DEFAULT_SEED,
        n: int = data_mod.DEFAULT_N,
        means: tuple[float, ...] | None = (1.0, 3.0),
        fault: str | None = None,
        max_iter: int = DEFAULT_MAX_ITER,
        tol: float = DEFAULT_TOL,
        dataset: data_mod.DataSet | None = None,
        k: int | None = None,
        start: Mixture | None = None,
    ) -> None:
        self.n = int(n)
        self.max_iter = int(max_iter)
        self.tol = float(tol)
        self.dataset = dataset
        if k is None:
            k = len(means) if means is not None else 2
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not K_MIN <= k <= K_APP_MAX:
            raise Refused(f"K must be a whole number from {K_MIN} to {K_APP_MAX}, got {k!r}")
        self.k = int(k)
        if dataset is None and means is None and start is None:
            raise Refused("the lesson's data need start means")
        #: an exact start (from a session file), used until the start or seed is changed
        self._exact_start = start
        #: held while the trajectory grows (a worker thread may be growing it)
        self._lock = threading.Lock()
        #: the anomaly quantile while the anomaly marks are on (key a), else None
        self.anomaly_quantile: float | None = None
        self._anomalies: tuple[tuple, Anomalies] | None = None
        self._load(seed, means, _fault_name(fault))
        self.message = "iteration 0: the start. Press → (or n, space) for one EM iteration, e for the E step alone."

    @property
    def simulated(self) -> bool:
        """The lesson's simulated data (with a known truth), not the user's own."""
        return self.dataset is None

    @property
    def truth(self) -> Mixture | None:
        return data_mod.TRUE_MODEL if self.simulated else None

    @property
    def start_means(self) -> tuple[float, ...]:
        """The start's means as the fields show them (typed ones, or the k-means start's)."""
        return self.means if self.means is not None else tuple(float(v) for v in self.start.means)

    @property
    def file_stem(self) -> str:
        """The data's label made safe for a file name ("simulated-seed-0", "galaxies", ...)."""
        return re.sub(r"[^A-Za-z0-9]+", "-", self.label)[:FILE_STEM_MAX].strip("-") or "data"

    @property
    def scenario_stem(self) -> str:
        """What names the files x and s write: the data, K and the iteration ("galaxies-k3-t12")."""
        return f"{self.file_stem}-k{self.k}-t{self.t}"

    @property
    def label(self) -> str:
        if self.simulated:
            return f"simulated (seed {self.seed})"
        return self.dataset.name

    # -- set-up -------------------------------------------------------------
    def _load(self, seed: int, means: tuple[float, ...] | None, fault: str | None) -> None:
        """Build data and trajectory for (seed, means, fault); on error nothing changes."""
        check_seed(seed)
        if self.simulated:
            x = data_mod.simulate(seed, self.n)
        else:
            x = data_mod.validate_data(self.dataset.values, self.k)
        prepared = em.prepare(x)
        if self._exact_start is not None and means is None:
            if self._exact_start.k != self.k:
                raise Refused(f"the start has {self._exact_start.k} components but K is {self.k}")
            start = self._exact_start
        elif means is not None:
            start = _start(means, self.k, START_SD if self.simulated else prepared.sd)
        else:
            start = seeded_start(prepared, self.k, "kmeans", int(seed))
        traj = Trajectory(prepared, start, tol=self.tol, max_iter=self.max_iter, fault=fault or None)
        hist = _histogram(x)
        self.seed, self.fault = int(seed), fault
        if means is None and self.simulated:  # a saved start on the lesson's data: its means
            means = tuple(start.means.tolist())
        self.means = None if means is None else tuple(float(v) for v in means)
        self.data, self.start, self.trajectory, self.histogram = prepared, start, traj, hist
        self.x_range = _x_range(x)
        self.t, self.half = 0, False
        self.alarm: Decrease | None = None
        self._reached = 0

    def set_start(self, k: int, method: str, restarts: int = 1, start: Mixture | None = None) -> None:
        """A new K and start: your own values (``start``), or the best of ``restarts`` k-means or
        random starts (seeded by the seed, as ``em-tui fit --init METHOD --restarts R``).
        On any error nothing changes."""
        old = (self.k, self._exact_start)
        try:
            if not K_MIN <= k <= K_APP_MAX:
                raise Refused(f"K must be from {K_MIN} to {K_APP_MAX}, got {k}")
            if method == "user":
                if start is None or start.k != k:
                    raise Refused(f"your start needs {k} components")
                chosen, what = start, "your start"
            else:
                runs = multi_start(self.data, k, restarts, self.seed, method, tol=self.tol,
                                   max_iter=self.max_iter, fault=self.fault or None)
                chosen = runs.best.start
                what = (f"{'k-means' if method == 'kmeans' else 'random'} start"
                        + (f", the best of {restarts} by final LL ({runs.final_lls.max():,.3f})" if restarts > 1 else ""))
            self.k, self._exact_start = k, chosen
            self._load(self.seed, None, self.fault)
            if method != "user":
                self._adopt(runs.best)
        except EmTuiError as exc:
            self.k, self._exact_start = old
            raise Refused(str(exc)) from None
        note = ""
        means = np.sort(chosen.means)
        spread = self.data.sd or 1.0
        if k > 1 and (np.diff(means) <= 1e-9 * spread).any():
            note = " Two start means are equal: EM may not separate those components."
        self.message = (f"restarted at iteration 0 with K = {k}, {what}: π "
                        + ", ".join(f"{v:.3g}" for v in chosen.weights) + "; μ "
                        + ", ".join(f"{v:.4g}" for v in chosen.means) + "; σ "
                        + ", ".join(f"{v:.3g}" for v in chosen.sds) + "." + note)

    def open_fit(self, k: int, start: Mixture, what: str, run: Trajectory | None = None) -> None:
        """A fit found by a search (the choice of K, the local optima): its start, with correct EM,
        shown at its end. ``run``, the search's own finished run from that start, is taken over
        instead of being computed again. On any error nothing changes."""
        fault = self.fault
        self.fault = None  # the searches fit with EM's own updates
        try:
            self.set_start(k, "user", 1, start)
        except Refused:
            self.fault = fault
            raise
        self._adopt(run)
        self.goto(self.max_iter)
        self.message = (f"{what}: {self.end_reason()} LL = {self.trajectory.ll[-1]:,.3f}; 0 shows its start."
                        + (f" Fault {fault!r} is off." if fault else ""))

    def _adopt(self, run: Trajectory | None) -> None:
        """Take over a run made elsewhere from this session's start, data and settings (saves redoing it)."""
        if (run is not None and run.start == self.start and run.tol == self.tol and run.max_iter == self.max_iter
                and (run.fault.name if run.fault else None) == (self.fault or None)
                and run.data.n == self.data.n
                and np.array_equal(run.data.x, self.data.x)):
            self.trajectory = run

    def load_data(self, dataset: data_mod.DataSet | None) -> None:
        """New data: the user's own (a k-means start, K kept), or None for the lesson's
        (K = 2 from the lesson's start). On any error the current data and run stay."""
        old = (self.dataset, self.k)
        self.dataset = dataset
        if dataset is None:
            self.k = 2
        try:
            self.restart(means=(1.0, 3.0) if dataset is None else None)
        except Refused:
            self.dataset, self.k = old
            raise
        where = "the lesson's simulated data" if dataset is None else f"{dataset.name} ({dataset.n:,} values)"
        self.message = f"loaded {where}; " + self.message

    def restart(self, *, seed: int | None = None, means: tuple[float, ...] | None | bool = False,
                fault: str | None | bool = False) -> None:
        """Start again at iteration 0 with a new seed, start or fault (others kept).

        ``means=None`` asks for the k-means start (the user's data only).
        """
        exact = self._exact_start
        if seed is not None or means is not False:
            self._exact_start = None  # a new start or seed replaces a saved start
        seed = self.seed if seed is None else seed
        means = self.means if means is False else means
        fault = self.fault if fault is False else _fault_name(fault)  # type: ignore[arg-type]
        if means is None and self.simulated:
            raise Refused("the lesson's data need start means")
        try:
            self._load(seed, means, fault)
        except EmTuiError as exc:
            self._exact_start = exact
            raise Refused(str(exc)) from None
        what = f"fault {fault!r} on" if fault else "correct EM"
        if self.means is None:
            begin = f"k-means start (seed {self.seed})"
        else:
            begin = f"start means ({', '.join(_g(v) for v in self.means)})"
        data = f"seed {self.seed}" if self.simulated else self.label
        self.message = f"restarted at iteration 0: {data}, {begin}, {what}"

    # -- moving -------------------------------------------------------------
    @property
    def reached(self) -> int:
        """The furthest iteration shown since the run was (re)started (what the banner has seen)."""
        return self._reached

    @property
    def at_end(self) -> bool:
        """t is the last iteration there will ever be (converged, or at the cap)."""
        return self.t == self.trajectory.iterations and self.trajectory.done

    def compute_next(self) -> None:
        """Make sure iteration t + 1 exists (the only slow part; safe to run in a worker thread)."""
        with self._lock:
            if self.t == self.trajectory.iterations and not self.trajectory.done:
                self.trajectory.step()

    def step(self) -> None:
        """One full iteration forward (or the M step, if the E step was just done)."""
        if self.half:
            self.m_step()
            return
        if self.at_end:
            raise Refused(self.end_reason() + " ← goes back, 0 shows the start.")
        self.compute_next()
        self._move_to(self.t + 1)
        self.message = f"iteration {self.t}: E step then M step. {self._ll_note()}"

    def back(self) -> None:
        if self.half:
            self.half = False
            self.message = f"iteration {self.t}: E step undone (the parameters had not moved)."
            return
        if self.t == 0:
            raise Refused("already at iteration 0 (the start).")
        self.t -= 1
        self.message = f"back to iteration {self.t} (from the record: nothing recomputed)."

    def e_step(self) -> None:
        if self.half:
            raise Refused(f"the E step of iteration {self.t + 1} is done; press m for its M step.")
        if self.at_end:
            raise Refused(self.end_reason())
        self.half = True
        self.message = (f"E step of iteration {self.t + 1}: responsibilities computed at the current parameters "
                        "(the data shared out by r), N_k updated; parameters not moved yet. Press m.")

    def m_step(self) -> None:
        if not self.half:
            raise Refused("press e first: the M step uses the responsibilities from the E step.")
        self.compute_next()
        self.half = False
        self._move_to(self.t + 1)
        self.message = f"M step: iteration {self.t} done; π, μ, σ moved to the weighted averages. {self._ll_note()}"

    def home(self) -> None:
        self.t, self.half = 0, False
        self.message = "iteration 0: the start."

    def goto(self, t: int) -> None:
        """Show iteration t, computing up to it if needed (stops early at convergence)."""
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 0 <= t <= self.max_iter:
            raise Refused(f"the iteration must be a whole number from 0 to {self.max_iter}, got {t!r}")
        with self._lock:
            while self.trajectory.iterations < t and not self.trajectory.done:
                self.trajectory.step()
        target = min(int(t), self.trajectory.iterations)
        self.half = False
        self._move_to(target)
        if target < t:
            self.message = f"{self.end_reason()} Showing iteration {target}."
        else:
            self.message = f"iteration {target}. {self._ll_note()}"

    def _move_to(self, t: int) -> None:
        self.t = t
        if t > self._reached:
            self._reached = t
            if self.alarm is None:
                self.alarm = find_decrease(self.trajectory.ll[: t + 1])

    def end_reason(self) -> str:
        tr = self.trajectory
        if tr.converged:
            text = f"converged at iteration {tr.iterations} (LL changed by less than {self.tol:g})."
        else:
            text = f"reached the iteration cap ({self.max_iter})."
        note = degenerate_note(tr.final, self.data)
        return f"{text} {note}" if note else text

    def _ll_note(self) -> str:
        tr = self.trajectory
        if self.t == tr.iterations and tr.done:
            reason = self.end_reason()
            return reason[0].upper() + reason[1:]
        return ""

    # -- reading ------------------------------------------------------------
    def export_snapshot(self) -> "ExportSnapshot":
        """What key x writes, taken now: the data, the parameters at the iteration shown and the label.

        Take it in the thread that changes the session (the UI's) and write it anywhere later:
        new data or a new iteration after this call do not reach the file."""
        x = self.data.x.view()
        x.flags.writeable = False
        return ExportSnapshot(x=x, params=self.trajectory.params(self.t), t=self.t,
                              ll=float(self.trajectory.ll_at(self.t)), label=self.label)

    def export_csv(self, path) -> Path:
        """Write :meth:`export_snapshot` as a new CSV at ``path`` (or ``path`` with a counter);
        returns the name written."""
        return self.export_snapshot().save(path)

    def sorted_data(self) -> tuple[np.ndarray, np.ndarray]:
        """(x sorted, the original index of each) — sorted once per data set."""
        if getattr(self, "_sorted_for", None) is not self.data:
            order = np.argsort(self.data.x, kind="stable")
            self._sorted = (self.data.x[order], order)
            self._sorted_for = self.data
        return self._sorted

    def anomalies(self, quantile: float | None = None) -> Anomalies | None:
        """The points below the quantile of log p(x) under the parameters shown (the marks' quantile
        unless another is given); None when the marks are off and no quantile is given."""
        q = self.anomaly_quantile if quantile is None else quantile
        if q is None:
            return None
        key = (self.trajectory, self.t, q)
        cached = self._anomalies
        if cached is None or cached[0][0] is not key[0] or cached[0][1:] != key[1:]:
            try:
                found = find_anomalies(self.data.x, self.trajectory.params(self.t), q)
            except EmTuiError as exc:
                raise Refused(str(exc)) from None
            self._anomalies = (key, found)
        return self._anomalies[1]

    def mark_anomalies(self, quantile: float | None) -> None:
        """Turn the anomaly marks on at this quantile, or off with None (a bad quantile changes nothing)."""
        if quantile is None:
            self.anomaly_quantile = None
            self.message = "anomaly marks off."
            return
        found = self.anomalies(quantile)
        self.anomaly_quantile = found.quantile
        self.message = (f"anomalies: {found.count} of {found.n:,} points below the {percent(found.quantile)} quantile "
                        f"of log p(x) ({found.threshold:.4g}), marked ! on the strip; a lists them.")

    def frame(self) -> Frame:
        tr, t = self.trajectory, self.t
        params = tr.params(t)
        split = None
        if self.half:
            nk = tr.nk(t)
            split = _responsibility_split(self.data, params, self.histogram)
        else:
            nk = params.weights * self.data.n
        return Frame(
            seed=self.seed, n=self.data.n, start=self.start, fault=self.fault, t=t, half=self.half,
            params=params, ll=tuple(tr.ll[: t + 1].tolist()), nk=nk,
            converged=bool(tr.converged and t == tr.iterations),
            alarm=self.alarm, message=self.message, split=split, truth=self.truth, label=self.label,
            data_range=(self.data.centre + self.data.u_min, self.data.centre + self.data.u_max),
            anomalies=self.anomalies(),
        )


def degenerate_note(model: Mixture, data: em.Prepared) -> str:
    """A warning when EM ended somewhere that teaches a lesson of its own, else ''."""
    spread = data.sd if data.n else 1.0
    order = model.order()  # numbered as in the table: by their means
    collapsed = [i + 1 for i, j in enumerate(order) if j in collapsed_components(model, spread)]
    if collapsed:
        which = (f"Component {collapsed[0]}" if len(collapsed) == 1 else
                 "Components " + ", ".join(str(c) for c in collapsed[:-1]) + f" and {collapsed[-1]}")
        return (f"{which} collapsed onto a point (σ ≈ 0): the likelihood has no maximum there, "
                "so a smaller σ always 'fits better' — a known EM failure; try another start.")
    empty = [i + 1 for i, w in enumerate(model.weights[order]) if w * data.n < 0.5]
    if empty:
        return f"Component {empty[0]} is empty (π ≈ 0): it explains no points; try a start inside the data."
    if model.k == 2 and abs(model.means[0] - model.means[1]) <= 1e-6 * spread \
            and abs(model.sds[0] - model.sds[1]) <= 1e-6 * spread:
        return ("The two components are identical: from a symmetric start EM can never tell them apart "
                "(every update treats both alike). Try a start with two different means.")
    return ""


def _g(v: float) -> str:
    return f"{v:g}"


def check_seed(seed) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= SEED_LIMIT:
        raise Refused(f"the seed must be a whole number from 0 to {SEED_LIMIT}, got {seed!r}")


def _start(means, k: int, sd: float) -> Mixture:
    """K means with equal weights and a common σ."""
    try:
        values = [float(v) for v in means]
    except (TypeError, ValueError):
        raise Refused(f"a start needs {k} means, got {means!r}") from None
    if len(values) != k:
        raise Refused(f"K is {k}, so the start needs {k} means, got {len(values)}")
    for m in values:
        if not (abs(m) <= MEAN_LIMIT):  # also refuses NaN
            raise Refused(f"a start mean must be a number within ±{MEAN_LIMIT:g}, got {m:g}")
    return Mixture.create([1.0 / k] * k, values, [sd] * k)


def _x_range(x: np.ndarray) -> tuple[float, float]:
    """The fixed x range of the top panel: the data's range, padded by 5% on each side."""
    lo, hi = float(x.min()), float(x.max())
    pad = 0.05 * (hi - lo) if hi > lo else 1.0
    return lo - pad, hi + pad


def _histogram(x: np.ndarray) -> Histogram:
    """Bin once with NumPy (Freedman-Diaconis width, MIN_BINS..MAX_BINS bins), as a density."""
    lo, hi = _x_range(x)
    q75, q25 = np.percentile(x, [75, 25])
    iqr = float(q75 - q25)
    bins = int(np.ceil((hi - lo) / (2.0 * iqr * x.size ** (-1.0 / 3.0)))) if iqr > 0 else MIN_BINS
    bins = int(np.clip(bins, MIN_BINS, MAX_BINS))
    heights, edges = np.histogram(x, bins=bins, range=(lo, hi), density=True)
    return Histogram(edges, heights)


def _responsibility_split(data: em.Prepared, params: Mixture, hist: Histogram) -> np.ndarray:
    """(K, bins): each bin's density height shared out by the points' responsibilities."""
    k, nb = params.k, hist.heights.size
    out = np.zeros((k, nb))
    lo, width = float(hist.edges[0]), hist.width
    chunk = 65536
    for start in range(0, data.n, chunk):
        xc = data.x[start : start + chunk]
        idx = np.clip(((xc - lo) / width).astype(int), 0, nb - 1)
        r = em.responsibilities(data.x, params, start, start + xc.size)
        for j in range(k):
            out[j] += np.bincount(idx, weights=r[j], minlength=nb)
    return out / (data.n * width)
