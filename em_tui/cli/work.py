"""``em-tui fit --work``: iteration 1 worked out, number by number, as a student computes it by hand.

The E step at the start (each point's π_k N(x | μ_k, σ_k²), their sum p(x) and each γ_ik) and the
M step made of it (each component's N_k, Σγx, Σγ(x − μ')², and the new π, μ, σ), from
:mod:`em_tui.core.work`. Components are numbered as the fit numbers them: in the order given for your own
start, by their start mean for a k-means or random start (the JSON's ``start``). Under a teaching fault
the numbers are the faulty code's, and the output names the line that is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core import work
from ..core.checks import parse_whole
from ..core.faults import get_fault
from ..core.model import Mixture
from ..errors import UsageError

#: --work lists every point up to this many; beyond it --point I chooses one
MAX_WORK_POINTS = 50


def check_work_options(do_work: bool, point: str | None) -> None:
    """``--point`` goes with ``--work`` only (checked before any data are read)."""
    if point is not None and not do_work:
        raise UsageError("--point chooses the point whose E step --work shows; give --work too")


def work_points(point: str | None, n: int) -> list[int]:
    """The 0-based indices of the points --work shows: every one up to MAX_WORK_POINTS, else --point's."""
    if point is None:
        if n > MAX_WORK_POINTS:
            raise UsageError(f"--work lists every point only up to N = {MAX_WORK_POINTS}; these data have "
                             f"N = {n:,}: choose one with --point I (1..{n})")
        return list(range(n))
    try:
        i = parse_whole(point, "--point", 1, n, error=UsageError)
    except UsageError:
        shown = point if len(point) <= 30 else point[:27] + "..."
        raise UsageError(f"--point must be a whole number in 1..{n:,} (the points are numbered from 1), "
                         f"got {shown!r}") from None
    return [i - 1]


@dataclass(frozen=True)
class FitWork:
    """Iteration 1 worked out, its components in the fit's numbering (``order``: the engine's index of
    each component shown, in turn)."""

    points: tuple[work.PointWork, ...]
    step: work.StepWork
    order: tuple[int, ...]
    by_mean: bool

    def start(self) -> Mixture:
        s = self.step.previous
        o = list(self.order)
        return Mixture.create(s.weights[o], s.means[o], s.sds[o])

    def as_dict(self) -> dict:
        o = self.order
        points = [{"index": p.index, "x": p.x,
                   "weighted_densities": [p.components[j].weighted for j in o],
                   "density": p.density,
                   "responsibilities": [p.components[j].responsibility for j in o]} for p in self.points]
        comps = [{"n_k": c.n_k, "sum_x": c.sum_x, "sum_sq_dev": c.sum_sq_dev, "variance": c.variance,
                  "weight": c.weight, "mean": c.mean, "sd": c.sd}
                 for c in (self.step.components[j] for j in o)]
        return {"iteration": 1, "components_numbered": "by start mean" if self.by_mean else "as given",
                "start": self.start().as_dict(), "points": points, "components": comps,
                "n_total": self.step.n_total, "ll_before": self.step.ll_before, "ll_after": self.step.ll_after,
                "fault": self.step.fault, "faulty": self.step.faulty}


def fit_work(data, start: Mixture, fault_name: str | None, indices: list[int], by_mean: bool) -> FitWork:
    """Iteration 1 from ``start`` on the prepared ``data``: the E step at the points ``indices`` and the
    whole M step (the fault's code under ``fault_name``), numbered by start mean when ``by_mean``."""
    fault = None if fault_name is None else get_fault(fault_name)
    normalised = fault is None or fault.normalised
    points = tuple(work.point_work(float(data.x[i]), i, start, normalised) for i in indices)
    step = work.step_work(data, start, 1, fault)
    order = tuple(int(j) for j in (start.order() if by_mean else np.arange(start.k)))
    return FitWork(points, step, order, by_mean)


#: what each wrong line of a fault's arithmetic is, in words
_FAULTY = {"responsibilities": "the responsibilities (π·N not divided by p(x): the w columns)",
           "variance": "the variance (Σγ(x−μ)² divided by N, not N_k)",
           "sd": "the sd (σ is the variance: the square root forgotten)"}


#: the width of a column of the --work tables (a space, then a number of 6 significant digits)
_W = 13


def _g(v: float) -> str:
    return " " + f"{v:.6g}".rjust(_W - 1)


def work_lines(w: FitWork) -> list[str]:
    """The table output's part for --work."""
    k = len(w.order)
    start = w.start()
    numbered = "by their start mean" if w.by_mean else "in the order of your start"
    lines = ["", f"iteration 1 worked out (components numbered {numbered}; points from 1):",
             "start: π = " + ", ".join(f"{v:.6g}" for v in start.weights)
             + "; μ = " + ", ".join(f"{v:.6g}" for v in start.means)
             + "; σ = " + ", ".join(f"{v:.6g}" for v in start.sds)]
    if w.step.fault is not None:
        lines.append(f"under the fault {w.step.fault}: these are the faulty code's numbers; the wrong line is "
                     f"{_FAULTY.get(w.step.faulty, w.step.faulty)}")
    gamma = "γ" if w.step.fault != "unnormalised" else "w"
    lines += ["", "E step at the start: π_k·N(x | μ_k, σ_k²), p(x) = their sum, "
                  + ("γ_k = π_k·N / p(x)" if gamma == "γ" else "w_k = π_k·N (not divided by p(x))"),
              f"{'point':>6}{'x':>{_W}}" + "".join(f"{f'π{j}·N{j}':>{_W}}" for j in range(1, k + 1))
              + f"{'p(x)':>{_W}}" + "".join(f"{f'{gamma}{j}':>{_W}}" for j in range(1, k + 1))]
    for p in w.points:
        lines.append(f"{p.index:>6}{_g(p.x)}" + "".join(_g(p.components[j].weighted) for j in w.order)
                     + _g(p.density) + "".join(_g(p.components[j].responsibility) for j in w.order))
    g = gamma
    variance = {"divide-by-n": f"σ² = Σ{g}(x−μ)² / N (not N_k: the fault)",
                "forgot-sqrt": f"σ = Σ{g}(x−μ)² / N_k (no square root: the fault)"}.get(
        w.step.fault, f"σ² = Σ{g}(x−μ)² / N_k")
    weight = "π = N_k / Σ_j N_j" if g == "w" else "π = N_k / N"
    lines += ["", f"M step: N_k = Σ{g}, μ = Σ{g}x / N_k, {variance}, {weight} (x − μ: about the new μ)",
              f"{'comp':>6}" + "".join(f"{h:>{_W}}" for h in ("N_k", f"Σ{g}x", f"Σ{g}(x−μ)²", "π", "μ", "σ"))]
    for number, j in enumerate(w.order, start=1):
        c = w.step.components[j]
        lines.append(f"{number:>6}{_g(c.n_k)}{_g(c.sum_x)}{_g(c.sum_sq_dev)}{_g(c.weight)}{_g(c.mean)}{_g(c.sd)}")
    lines.append(f"LL[0] = {w.step.ll_before:.6g}   LL[1] = {w.step.ll_after:.6g}")
    return lines
