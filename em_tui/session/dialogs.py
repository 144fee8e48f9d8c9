"""What the dialogs compute and show, as plain values: searches, rows and curves (no Textual here).

The screens in :mod:`em_tui.tui.screens` never call the EM engine or compute a density themselves:
their workers call the search functions below (with ``should_stop`` from the worker's cancellation)
and their handlers draw the rows and curves the view functions return. Everything here takes values
(the data, a mixture, a finished search) and returns values, so it is tested without a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..core import em, hardsoft
from ..core.anomaly import Anomalies
from ..core.config import FitConfig
from ..core.model import K_MAX, Mixture, collapsed_components
from ..core.optima import METHOD_NAMES, Solution, StartRun, explore, group_runs
from ..core.select import SelectionRow, select_k
from ..core.trajectory import e_weights
from ..core.points import point_number

#: Starts per K in the choice of K (k-means, seeded by the session's seed, as em-tui fit --select-k).
CHOOSE_K_RESTARTS = 5
#: Bins of the k-means vs EM rug under the curves (grouped down to the plot's braille columns).
RUG_BINS = 1024

Stop = Callable[[], bool]


# -- the start editor ---------------------------------------------------------------------------
def suggested_start(x, k: int) -> Mixture:
    """Equal weights, means at the data's (i + 1/2)/K quantiles, σ = sd / K (a neutral first guess)."""
    data = em.prepare(x)  # the session's prepared data as they are (an array is prepared here)
    means = np.quantile(data.x, (np.arange(k) + 0.5) / k)
    return Mixture.create([1.0 / k] * k, means, [data.spread / k] * k)


# -- the choice of K (key k) and the local optima (key o) ------------------------------------------
def choose_k(x, config: FitConfig, *, should_stop: Stop, progress: Callable[[int, int], None],
             on_row: Callable[[list[SelectionRow]], None]) -> list[SelectionRow]:
    """K = 1..K_MAX, each the best of CHOOSE_K_RESTARTS k-means starts seeded by ``config.seed``, run
    with ``config``'s stopping rule and variance model and with correct EM (its fault is not used);
    ``on_row`` gets the rows finished so far each time a K is finished (so that they appear one by one)."""
    done: list[SelectionRow] = []

    def row_done(row: SelectionRow) -> None:
        done.append(row)
        on_row(list(done))

    search = config.but(init="kmeans", restarts=CHOOSE_K_RESTARTS, fault=None)
    return select_k(x, K_MAX, search, should_stop=should_stop, progress=progress, on_row=row_done)


def local_optima(x, config: FitConfig, current: Mixture, *, should_stop: Stop,
                 progress: Callable[[int, int], None]) -> list[StartRun]:
    """EM from ``current`` and from ``config.restarts`` random and as many k-means starts (K, seed,
    stopping rule and variance model: ``config``'s; correct EM, its fault not used); every run kept."""
    return explore(x, config.but(fault=None), current=current, should_stop=should_stop, progress=progress)


def _num(v: float) -> str:
    """Four significant digits, whole numbers with separators from 1,000 to 10⁷ (no exponent there)."""
    return f"{v:,.0f}" if 1e3 <= abs(v) < 1e7 else f"{v:.4g}"


def _by(sol: Solution) -> str:
    counts = sol.by_method()
    return " · ".join(f"{counts[m]} {METHOD_NAMES[m]}" if m != "current" else METHOD_NAMES[m]
                      for m in ("current", "random", "kmeans") if m in counts)


#: How far (in LL) a K's best fit must fall below the previous K's to count as a fall (less is a tie:
#: rounding, or two fits stopped a little short of the same LL by the stopping rule).
LL_FELL_BY = 1e-6


def ll_fell(rows: list[SelectionRow]) -> list[int]:
    """The K (in ``rows``, one per K in order) whose best LL is below the previous K's.

    More components can always fit at least as well (K + 1 components can copy K of them and leave
    the last empty), so the best LL never truly falls as K grows: where it does, that K's best of
    its starts is a local optimum, and other starts (the next seed) may do better."""
    return [r.k for prev, r in zip(rows, rows[1:]) if r.log_likelihood < prev.log_likelihood - LL_FELL_BY]


@dataclass(frozen=True)
class OptimaView:
    """The local optima's table: one row per distinct solution (best first), and what the status says."""

    solutions: list[Solution]
    rows: list[tuple[str, str, str, str]]
    collapsed: list[bool]
    mine: int | None  # the row the current start reached


def optima_view(x, runs: list[StartRun]) -> OptimaView:
    solutions = group_runs(runs)
    data = em.prepare(x)  # the data's floor and values judge a collapse
    collapsed = [bool(collapsed_components(sol.final, data)) for sol in solutions]
    rows = []
    for i, sol in enumerate(solutions):
        means = " · ".join(_num(v) for v in np.sort(sol.final.means))
        capped = f" ({sol.capped} at the cap)" if sol.capped else ""
        if collapsed[i]:
            capped += " · collapsed (σ ≈ 0)"
        rows.append((str(i + 1), f"{sol.ll:,.3f}", f"{sol.count} of {len(runs)}: {_by(sol)}{capped}", means))
    mine = next((i for i, s in enumerate(solutions) if any(r.method == "current" for r in s.runs)), None)
    return OptimaView(solutions, rows, collapsed, mine)


# -- anomalies (key a) and responsibilities (key t) -----------------------------------------------
def anomaly_rows(found: Anomalies, model: Mixture, max_rows: int) -> list[tuple[str, str, str, str, int, float]]:
    """The first ``max_rows`` flagged points (least likely first): (#, point, x, log p(x), the
    component that claims it (numbered by the means, 0-based), its γ)."""
    values = found.values[:max_rows]
    if not values.size:
        return []
    rank = model.ranks()  # rank[j]: component j's number (0-based), numbered by their means
    gamma = em.responsibilities(values, model)
    best = gamma.argmax(axis=0)
    return [(str(i + 1), f"{point_number(idx):,}", f"{x:.6g}", f"{ld:.4f}", int(rank[best[i]]), float(gamma[best[i], i]))
            for i, (idx, x, ld) in enumerate(zip(found.index[:max_rows], values, found.log_density[:max_rows]))]


def row_texts(x_sorted: np.ndarray, order: np.ndarray, model: Mixture, lo: int, hi: int,
              normalised: bool = True) -> list[tuple[str, int]]:
    """Rows lo..hi of the responsibilities view: (text, most likely component's display index) for
    each point. Components are numbered by their means, as in the table. With ``normalised=False``
    (a fault's E step without the division by p(x_i)) the rows are its weights w_ik, then their sum."""
    comp_order = model.order()
    gamma = e_weights(x_sorted, model, normalised, lo, hi)[comp_order]  # (K, rows)
    best = gamma.argmax(axis=0)
    sums = None if normalised else gamma.sum(axis=0)
    rows = []
    for r in range(hi - lo):
        if sums is None:
            cells = " ".join(f"{g:7.4f}" for g in gamma[:, r])
        else:
            cells = " ".join(weight_cell(g) for g in gamma[:, r]) + " " + weight_cell(sums[r])
        rows.append((f"{lo + r + 1:>9} {point_number(order[lo + r]):>9} {x_sorted[lo + r]:>12.5g}  {cells}   {best[r] + 1:>2}",
                     int(best[r])))
    return rows


def weight_cell(v: float) -> str:
    """An unnormalised weight π_k N(x_i | μ_k, σ_k) (a density: it can be far from 0..1) in 7 columns."""
    return f"{v:7.4f}" if v == 0 or 1e-3 <= abs(v) < 100 else f"{v:7.1e}"


# -- k-means against EM (key c) -------------------------------------------------------------------
@dataclass(frozen=True)
class CompareData:
    """The k-means vs EM screen's data, prepared once, and the ladder of shared σ over their spread."""

    data: em.Prepared
    scale: float
    ladder: np.ndarray


def compare_data(x) -> CompareData:
    data = hardsoft.prepare(x)  # the session's prepared data as they are
    scale = data.spread
    return CompareData(data, scale, hardsoft.sd_ladder(scale))


@dataclass(frozen=True)
class Baseline:
    """What the k-means vs EM screen computes once: k-means from the k-means++ seeds of the
    session's seed, and which of RUG_BINS bins over the x range hold data (for the rug)."""

    kmeans: hardsoft.KMeansFit
    occupied: np.ndarray


def compare_baseline(cd: CompareData, k: int, seed: int, x_limits: tuple[float, float]) -> Baseline:
    kmeans = hardsoft.kmeans_fit(cd.data, hardsoft.kmeans_seeds(cd.data, k, seed))
    counts, _ = np.histogram(cd.data.x, bins=RUG_BINS, range=x_limits)
    return Baseline(kmeans, counts > 0)


def compare_at(cd: CompareData, base: Baseline, k: int, seed: int, rung: int, *, should_stop: Stop,
               progress: Callable[[int], None]) -> hardsoft.Comparison | None:
    """EM with the shared σ of ladder rung ``rung`` against the baseline's k-means (None if stopped)."""
    return hardsoft.compare(cd.data, k, seed, float(cd.ladder[rung]), kmeans=base.kmeans,
                            should_stop=should_stop, progress=progress)


def rug(occupied: np.ndarray, x_limits: tuple[float, float], columns: int) -> np.ndarray:
    """x at the centres of the plot's dot columns that hold at least one data point."""
    columns = max(1, columns)
    group = np.arange(occupied.size) * columns // occupied.size
    hit = np.zeros(columns, dtype=bool)
    hit[group[occupied]] = True
    lo, hi = x_limits
    return lo + (np.flatnonzero(hit) + 0.5) * (hi - lo) / columns


def hard_curves(centres: np.ndarray, x_limits: tuple[float, float], rug_x: np.ndarray):
    """k-means' curves: the cluster of each rug position (its nearest centre), and for each cluster
    its indicator over the x range as a polyline (xs, ys), 0 outside its cell and 1 inside (None
    when its cell is outside the range)."""
    lo, hi = x_limits
    edges = np.concatenate([[-np.inf], (centres[:-1] + centres[1:]) / 2.0, [np.inf]])
    steps: list[tuple[list[float], list[float]] | None] = []
    for i in range(centres.size):
        left, right = max(float(edges[i]), lo), min(float(edges[i + 1]), hi)
        if right <= left:
            steps.append(None)
            continue
        px, py = [left, right], [1.0, 1.0]
        if edges[i] > lo:  # the step up from 0 at the left cut
            px, py = [left] + px, [0.0] + py
        if edges[i + 1] < hi:  # and down at the right one
            px, py = px + [right], py + [0.0]
        steps.append((px, py))
    return hardsoft.kmeans_assign(rug_x, centres), steps


def soft_curves(fit: hardsoft.SharedSdFit, x_limits: tuple[float, float], points: int,
                rug_x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """EM's responsibilities γ_k(x) on a grid of ``points`` over the x range (K, points), the grid,
    and the component that claims each rug position."""
    grid = np.linspace(x_limits[0], x_limits[1], points)
    gamma = hardsoft.shared_sd_responsibilities(grid, fit.means, fit.weights, fit.sd)
    owner = (hardsoft.shared_sd_responsibilities(rug_x, fit.means, fit.weights, fit.sd).argmax(axis=0)
             if rug_x.size else np.zeros(0, dtype=int))
    return gamma, grid, owner
