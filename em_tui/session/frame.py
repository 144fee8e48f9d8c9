"""The frame: an immutable snapshot of everything the simulator's screen draws, at one moment.

The session builds one per change (with the pure functions of :mod:`em_tui.session.view`);
the app holds it in a reactive and every widget draws its own part of it. No widget
computes a density, a responsibility or a table row: they are all here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.anomaly import Anomalies
from ..core.model import Mixture
from ..core.trajectory import Decrease


def truth_columns(truth: Mixture | None, k: int) -> bool:
    """True values and errors are shown for the lesson's data fitted with its own K."""
    return truth is not None and truth.k == k


@dataclass(frozen=True, eq=False)
class Histogram:
    """The data binned once per data set (edges fixed, heights as a density)."""

    edges: np.ndarray
    heights: np.ndarray

    @property
    def width(self) -> float:
        return float(self.edges[1] - self.edges[0])


@dataclass(frozen=True, eq=False)
class Backdrop:
    """What stays the same for a whole run (the data and the start): the top panel's bins, axes and
    fixed curves. Built once when the data or the start change, shared by every frame of the run."""

    histogram: Histogram
    #: the top panel's x range (the data's range, padded)
    x_range: tuple[float, float]
    #: the x limits the top panel draws with (a small margin around ``x_range``)
    x_limits: tuple[float, float]
    #: the x values the curves are drawn at
    grid: np.ndarray
    #: the true density on the grid (the lesson's data), or None
    true_density: np.ndarray | None
    #: the top of the y axis (fixed for the run, so that only the curves move)
    y_top: float
    #: the LL at the true parameters on these data (the lesson's; the table shows it beside EM's), or None
    true_ll: float | None = None


@dataclass(frozen=True)
class Cell:
    """One column of the claim strip: the component (numbered by mean, from 0) that claims the x
    there and the shade of how sure it is, or an anomaly mark."""

    char: str
    #: the component's number by mean (its colour), or -1 for an anomaly's mark
    rank: int


@dataclass(frozen=True, eq=False)
class Frame:
    """Everything the simulator screen shows, at one moment (compared by identity: each change is a new frame).

    A change of the words alone (a refusal, "running…") or of where the strip goes is a copy of the
    frame with only those fields new (:func:`~em_tui.session.view.with_status`,
    :func:`~em_tui.session.view.with_strip`): the curves, the table and the rest are the same
    objects, so the widgets that draw them see nothing new and do not redraw."""

    seed: int
    n: int
    k: int
    #: the lesson's simulated data (the seed draws them), not the user's own (the seed seeds k-means)
    simulated: bool
    #: the iteration cap (the highest iteration the "show t" field takes)
    cap: int
    start: Mixture
    #: the start's means as the fields show them
    start_means: tuple[float, ...]
    fault: str | None
    #: iteration shown (parameters after t full iterations)
    t: int
    #: True between the E step and the M step of iteration t + 1
    half: bool
    #: parameters at t (in the engine's component order)
    params: Mixture
    #: component indices by mean (how components are numbered, coloured and matched to the truth)
    order: tuple[int, ...]
    #: LL[0..t]
    ll: tuple[float, ...]
    #: the sizes of the terms each LL[t] sums (the decrease detector's margin follows them)
    ll_sizes: tuple[float, ...]
    #: the soft counts behind the parameters: pi_k(t) * N in a full state,
    #: the E step's new N_k at params(t) in the half state (the run's own E step: under a fault whose
    #: weights are not divided by p(x_i), their sums, which do not add up to N)
    nk: np.ndarray
    #: t is the run's last iteration and EM converged there (End.verdict "converged": EM's own updates met
    #: the stopping rule, no component collapsed); never under a teaching fault
    converged: bool
    #: the first LL decrease seen since the run was (re)started, or None
    alarm: Decrease | None
    #: the model the data were drawn from (the lesson's), or None for the user's own data
    truth: Mixture | None
    #: what data these are: "simulated (seed 0)", or a data set's name
    label: str
    #: the data's smallest and largest values
    data_range: tuple[float, float]
    #: the points flagged as anomalies under params (when the anomaly marks are on), or None
    anomalies: Anomalies | None
    #: the run's fixed panel: bins, axes, the true density
    backdrop: Backdrop
    #: each component's weighted density pi_k N(x | mu_k, sigma_k) on the grid, (K, grid), by mean
    components: np.ndarray
    #: the estimated mixture's density on the grid (the components' sum)
    estimate: np.ndarray
    #: per-bin responsibility shares (K, bins) of the histogram by mean, in the half state only
    split: np.ndarray | None
    #: the claim strip's cells, one per column of the plot's canvas
    strip: tuple[Cell, ...]
    #: the column the strip starts at (under the canvas, after the y axis' labels)
    strip_left: int
    #: the parameter table: (name, estimate, true, error) rows with the truth, else (k, π, μ, σ, N)
    table: tuple[tuple[str, ...], ...]
    #: each table row's component, numbered by mean from 0 (its colour)
    table_ranks: tuple[int, ...]
    #: the table's heads: (the row it goes over, its cells), the truth's table only (the counts have their own)
    table_heads: tuple[tuple[int, tuple[str, ...]], ...]
    #: the table's closing lines: LL (with the truth: beside the LL at the true parameters), ΔLL, t, convergence
    summary: tuple[str, ...]
    #: the warning banner ("" when LL has not fallen)
    banner: str
    #: the LL panel's axes: y from lo to hi (a margin around LL[0..t]) and x from 0 to right
    ll_axes: tuple[float, float, int]
    #: the status line's words (what just happened, or why a key did nothing)
    status: str = ""
    #: the status is a refusal (drawn as one)
    refused: bool = False
    #: the run's E step divides by p(x_i): False under a fault whose "responsibilities" (the E-step
    #: views: the split, N_k in the half state, the responsibilities screen) are π_k N(x_i | μ_k, σ_k)
    e_normalised: bool = True
    #: where the LL panel marks the first fall, (iteration, LL[iteration]), once shown; else None
    ll_fell: tuple[int, float] | None = None
    #: the marked point (Session.mark_point): its 0-based index in the data and its x, or None
    marked: int | None = None
    marked_x: float | None = None

    @property
    def ll_now(self) -> float:
        return self.ll[-1]

    @property
    def delta_ll(self) -> float | None:
        return self.ll[-1] - self.ll[-2] if len(self.ll) > 1 else None

    @property
    def histogram(self) -> Histogram:
        return self.backdrop.histogram

    @property
    def x_range(self) -> tuple[float, float]:
        return self.backdrop.x_range

    @property
    def truth_columns(self) -> bool:
        """True values and errors are shown for the lesson's data fitted with its own K."""
        return truth_columns(self.truth, self.params.k)
