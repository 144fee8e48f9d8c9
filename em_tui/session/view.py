"""Pure view functions: from the engine's values to what the screen draws (no UI code).

Each is called once per frame by :meth:`Session.frame`; the widgets only draw what these
return. Densities and responsibilities for the screen are computed here and nowhere else
in the app.
"""

from __future__ import annotations

import math

from dataclasses import replace

import numpy as np

from ..core import em
from ..core.anomaly import Anomalies
from ..core.faults import get_fault
from ..core.model import Mixture
from ..core.numfmt import fit_number
from ..core.prepared import chunks
from ..core.trajectory import Decrease, Trajectory, e_weights
from .frame import Backdrop, Cell, Frame, Histogram, truth_columns
from .outcomes import End

#: Bins of the histogram: at least this many, at most MAX_BINS.
MIN_BINS, MAX_BINS = 12, 48
#: Points of the grid the curves are drawn on (about two braille dots apart at 120 columns).
GRID_POINTS = 81
#: Shades of the strip, from sure (γ ≥ 0.9) to torn (γ near 1/K).
SHADES = ((0.9, "█"), (0.75, "▓"), (0.6, "▒"), (0.0, "░"))
#: The strip's mark of an anomaly.
ANOMALY_MARK = "!"


def frozen(a: np.ndarray) -> np.ndarray:
    """``a`` made read-only (a frame's arrays are never changed after it is built)."""
    a.flags.writeable = False
    return a


# -- the run's fixed panel ----------------------------------------------------------
def x_range(x: np.ndarray) -> tuple[float, float]:
    """The fixed x range of the top panel: the data's range, padded by 5% on each side."""
    lo, hi = float(x.min()), float(x.max())
    pad = 0.05 * (hi - lo) if hi > lo else 1.0
    return lo - pad, hi + pad


def histogram(x: np.ndarray) -> Histogram:
    """Bin once with NumPy (Freedman-Diaconis width, MIN_BINS..MAX_BINS bins), as a density."""
    lo, hi = x_range(x)
    q75, q25 = np.percentile(x, [75, 25])
    iqr = float(q75 - q25)
    bins = int(np.ceil((hi - lo) / (2.0 * iqr * x.size ** (-1.0 / 3.0)))) if iqr > 0 else MIN_BINS
    bins = int(np.clip(bins, MIN_BINS, MAX_BINS))
    heights, edges = np.histogram(x, bins=bins, range=(lo, hi), density=True)
    return Histogram(frozen(edges), frozen(heights))


def backdrop(data: em.Prepared, start: Mixture, truth: Mixture | None) -> Backdrop:
    """Bins, axes, the true density and the LL at the truth for the (prepared) ``data`` and a run from ``start``."""
    x = data.x
    hist = histogram(x)
    lo, hi = x_range(x)
    inset = 0.02 * (hi - lo)  # keep the curves' last dots inside the frame
    grid = np.linspace(lo + inset, hi - inset, GRID_POINTS)
    true = truth.density(grid) if truth is not None else None
    tops = [float(hist.heights.max()), float(start.density(grid).max())]
    if true is not None:
        tops.append(float(true.max()))
    margin = 0.015 * (hi - lo)  # the histogram's outer edges stay inside the frame
    return Backdrop(hist, (lo, hi), (lo - margin, hi + margin), frozen(grid),
                    None if true is None else frozen(true), 1.15 * max(tops),
                    None if truth is None else em.log_likelihood(data, truth))


# -- the curves -----------------------------------------------------------------------
def curves(model: Mixture, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(components by mean (K, grid), their sum): pi_k N(x | mu_k, sigma_k) and the mixture's density."""
    comps = model.weighted_component_densities(grid)[model.order()]
    return frozen(comps), frozen(comps.sum(axis=0))


def responsibility_split(data: em.Prepared, model: Mixture, hist: Histogram, normalised: bool = True) -> np.ndarray:
    """(K, bins), components by mean: each bin's density height shared out by the points' responsibilities.

    With ``normalised=False`` (a fault's E step without the division by p(x_i)) the shares are those of
    its weights w_ik = π_k N(x_i | μ_k, σ_k): what that code computes, which do not add up to the bin."""
    k, nb = model.k, hist.heights.size
    out = np.zeros((k, nb))
    lo, width = float(hist.edges[0]), hist.width
    for part in chunks(data.n, k):  # the engine's chunk size: no N x K table in memory
        xc = data.x[part]
        idx = np.clip(((xc - lo) / width).astype(int), 0, nb - 1)
        r = e_weights(data.x, model, normalised, part.start, part.stop)
        for j in range(k):
            out[j] += np.bincount(idx, weights=r[j], minlength=nb)
    return frozen((out / (data.n * width))[model.order()])


def claim_cells(model: Mixture, x_limits: tuple[float, float], width: int,
                marks: np.ndarray | None = None) -> tuple[Cell, ...]:
    """One cell per column along x: the component that claims a point there (numbered by means, as
    in the table), shaded by how sure it is (its responsibility). Columns holding one of the x
    values in ``marks`` (anomalies) show a ``!`` instead."""
    if width <= 0:
        return ()
    lo, hi = x_limits
    xs = lo + (np.arange(width) + 0.5) * (hi - lo) / width
    rank = model.ranks()
    gamma = em.responsibilities(xs, model)
    best = gamma.argmax(axis=0)
    marked = set()
    if marks is not None and marks.size:
        marked = set(np.clip(((marks - lo) / (hi - lo) * width).astype(int), 0, width - 1).tolist())
    cells = []
    for c in range(width):
        if c in marked:
            cells.append(Cell(ANOMALY_MARK, -1))
            continue
        sure = float(gamma[best[c], c])
        cells.append(Cell(next(ch for level, ch in SHADES if sure >= level), int(rank[best[c]])))
    return tuple(cells)


# -- the table -------------------------------------------------------------------------
def _fmt(v: float) -> str:
    """Three decimals, or four significant digits when that would not fit the column."""
    return f"{v:.3f}" if abs(v) < 1e4 else f"{v:.4g}"


#: Characters of the truth's table's error column.
ERROR_WIDTH = 7


def _signed(v: float) -> str:
    """With its sign, three decimals or as many as fit the error column (an exponent past that)."""
    fixed = (f"{v:+.{d}f}" for d in (3, 2, 1, 0))
    return next((t for t in fixed if len(t) <= ERROR_WIDTH), f"{v:+.0e}")


def _count(v: float) -> str:
    return f"{v:.1f}" if abs(v) < 1e4 else f"{v:.0f}"


#: The truth's table's heads: over the parameters and the LL (estimate, true value, error), and over
#: the counts, whose true column is the count expected of each component, π·N: a sample of N points
#: holds about that many from each, not exactly.
TRUTH_HEAD = ("", "est.", "true", "error")
COUNT_HEAD = ("", "N_k", "expected", "(π·N)")


def table_heads(k: int) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """The truth's table's heads for K components, (the row each goes over, its cells): the parameters'
    over row 0, the counts' over the first N row (after K rows each of π, μ and σ, and the LL row)."""
    return ((0, TRUTH_HEAD), (3 * k + 1, COUNT_HEAD))


def table_rows(params: Mixture, nk: np.ndarray, n: int, truth: Mixture, ll: float,
               true_ll: float) -> tuple[tuple[str, ...], ...]:
    """(name, estimate, true, error) rows, components in order of their means: π, μ and σ; then EM's LL
    ``ll`` beside ``true_ll``, the LL at the true parameters on the same data (a sample's best fit
    scores higher than the model it was drawn from, which is why the estimates differ from the truth);
    then N_k beside the truth's expected count π·N (under :data:`COUNT_HEAD`).

    Components are matched to the truth by that order (the left estimate with the
    left true component), so label switching in the engine cannot mislead.
    """
    order = params.order()
    truth = truth.sorted_by_mean()
    rows = []
    for name, est, attr in (("π", params.weights, "weights"), ("μ", params.means, "means"), ("σ", params.sds, "sds")):
        for i, j in enumerate(order):
            e, true = float(est[j]), float(getattr(truth, attr)[i])
            rows.append((f"{name}{i + 1}", _fmt(e), _fmt(true), _signed(e - true)))
    rows.append(("LL", fit_number(ll, 9, 3).strip(), fit_number(true_ll, 8, 3).strip(), _signed(ll - true_ll)))
    for i, j in enumerate(order):
        rows.append((f"N{i + 1}", _count(float(nk[j])), _count(float(truth.weights[i]) * n), ""))
    return tuple(rows)


def table_ranks(table: tuple[tuple[str, ...], ...], k: int, with_truth: bool) -> tuple[int, ...]:
    """Each table row's component, numbered by mean from 0 (its colour); -1 for the LL row."""
    if not with_truth:
        return tuple(range(k))
    return tuple(range(k)) * 3 + (-1,) + tuple(range(k))


def component_rows(params: Mixture, nk: np.ndarray) -> tuple[tuple[str, ...], ...]:
    """(k, π, μ, σ, N) per component, in order of the means (the user's data: no truth)."""
    return tuple(
        (str(i + 1), f"{params.weights[j]:.3f}", fit_number(float(params.means[j]), 9, 3).strip(),
         fit_number(float(params.sds[j]), 7, 3).strip(), _count(float(nk[j])))
        for i, j in enumerate(params.order())
    )


def summary_lines(ll: tuple[float, ...], t: int, half: bool, converged: bool,
                  with_truth: bool = False) -> tuple[str, ...]:
    """LL (unless the truth's table has it, beside the truth's), ΔLL, the iteration and whether the
    run has converged."""
    now = ll[-1]
    digits = 3 if abs(now) < 1e5 else 1
    delta = ll[-1] - ll[-2] if len(ll) > 1 else None
    stage = f"{t} (+ E step)" if half else str(t)
    return (
        *(() if with_truth else (f"LL   {now:,.{digits}f}",)),
        f"ΔLL  {'—' if delta is None else f'{delta:+.4g}'}",
        f"t    {stage}",
        f"converged: {'yes' if converged else 'no'}",
    )


def banner(alarm: Decrease | None, fault: str | None) -> str:
    """The warning over the plots when LL has fallen ("" while it has not): when and by how much, then
    one line that says what the fault does wrong (its summary names the wrong formula)."""
    if alarm is None:
        return ""
    head = f"⚠ LL FELL at iteration {alarm.iteration} by {alarm.amount:.4g} — EM never lets LL fall: wrong updates."
    if fault is None:
        return head
    return f"{head}\n{fault}: {get_fault(fault).summary}"


def ll_mark(alarm: Decrease | None, ll: tuple[float, ...]) -> tuple[int, float] | None:
    """Where the LL panel marks the fall: (iteration, LL there) once that iteration is shown, else None."""
    if alarm is None or alarm.iteration >= len(ll):
        return None
    return alarm.iteration, ll[alarm.iteration]


def anomaly_marks(found: Anomalies | None) -> np.ndarray | None:
    return found.values if found is not None else None


# -- the frame ---------------------------------------------------------------------------
def start_means(scenario, start: Mixture) -> tuple[float, ...]:
    """The start's means as the fields show them: the typed ones, else the start's."""
    return scenario.means if scenario.means is not None else tuple(float(v) for v in start.means)


def frame(scenario, run: Trajectory, t: int, half: bool, data: em.Prepared, start: Mixture, back: Backdrop,
          alarm: Decrease | None, found: Anomalies | None, status: str, refused: bool,
          strip: tuple[int, int], marked: int | None = None) -> Frame:
    """The frame of iteration ``t`` (its E step done when ``half``) of ``run`` in ``scenario``."""
    params = run.params(t)
    split = None
    if half:  # the run's own E step: a fault's unnormalised weights and their sums, if that is what it computes
        nk = run.half(t).nk
        split = responsibility_split(data, params, back.histogram, run.e_normalised)
    else:
        nk = params.weights * data.n
    nk = frozen(np.array(nk, dtype=float))
    ll = tuple(run.ll[: t + 1].tolist())
    # "converged" only for EM's own updates that met the stopping rule without a collapse (End.verdict)
    converged = bool(t == run.iterations and run.done and End.of(run, data).verdict == "converged")
    truth = scenario.truth
    comps, total = curves(params, back.grid)
    with_truth = truth_columns(truth, params.k)
    table = table_rows(params, nk, data.n, truth, ll[-1], back.true_ll) if with_truth else component_rows(params, nk)
    return Frame(
        seed=scenario.seed, n=data.n, k=scenario.k, simulated=scenario.simulated, cap=scenario.config.max_iter,
        start=start,
        start_means=start_means(scenario, start), fault=scenario.fault, t=t, half=half, params=params,
        order=tuple(params.order().tolist()), ll=ll, ll_sizes=tuple(run.term_sizes(t).tolist()), nk=nk, converged=converged,
        alarm=alarm, truth=truth, label=scenario.label,
        data_range=(data.centre + data.u_min, data.centre + data.u_max),
        anomalies=found, backdrop=back, components=comps, estimate=total, split=split,
        strip=claim_cells(params, back.x_limits, strip[1], anomaly_marks(found)), strip_left=strip[0],
        table=table, table_ranks=table_ranks(table, params.k, with_truth),
        table_heads=table_heads(params.k) if with_truth else (), summary=summary_lines(ll, t, half, converged, with_truth),
        banner=banner(alarm, scenario.fault), ll_axes=ll_axes(ll, t), status=status, refused=refused,
        e_normalised=run.e_normalised, ll_fell=ll_mark(alarm, ll),
        marked=marked, marked_x=None if marked is None else float(data.x[marked]),
    )


def ll_axes(ll: tuple[float, ...], t: int) -> tuple[float, float, int]:
    """The LL panel's y limits (8 % of the range beyond LL's lowest and highest; ±max(1, 1e-3·|LL|)
    around a flat LL) and its x axis' right end (a little past t, at least 10)."""
    lo, hi = min(ll), max(ll)
    if hi - lo < 1e-9 * (1 + abs(hi)):
        pad = max(1.0, 1e-3 * abs(hi))
    else:
        pad = 0.08 * (hi - lo)
    return lo - pad, hi + pad, max(10, math.ceil(t * 1.05) + 1)


def with_status(frame: Frame, status: str, refused: bool) -> Frame:
    """``frame`` with other words in the status line (everything else is the same objects)."""
    return replace(frame, status=status, refused=refused)


def with_strip(frame: Frame, strip: tuple[int, int]) -> Frame:
    """``frame`` with the claim strip laid out again for ``strip`` = (first column, columns): only the
    strip's cells are computed (the top panel's canvas moved, say after a resize)."""
    cells = claim_cells(frame.params, frame.backdrop.x_limits, strip[1], anomaly_marks(frame.anomalies))
    return replace(frame, strip=cells, strip_left=strip[0])
