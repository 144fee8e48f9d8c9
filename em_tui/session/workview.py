"""The worked arithmetic of one iteration as lines of text: what the worked screen shows (no UI here).

For the point chosen (the point mode's mark, or a row of the responsibilities view), the E step at
the parameters shown (θ^t; in the half state the E step just done is the same one), every number
plugged in: π_k, N(x_i | μ_k, σ_k²) written out with its exponent, their product, the sum p(x_i) and
each γ_ik as a ratio, then the same in the log domain with the log-sum-exp shift. Then the M step from
θ^t to θ^(t+1) (the next iteration), each component's sums and the new π_k, μ_k, σ_k as fractions of
them, and the new LL. Then the textbook table, one row per point (only the rows asked for).

Components are numbered by their means at iteration t (1: the lowest), as the simulator's table
numbers them, and keep that numbering through the M step of the same iteration. Under a teaching
fault the numbers are the faulty code's, and the line that fault gets wrong ends in :data:`FAULTY`.
Every number is written with at most :data:`DIGITS` significant digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from ..core import work
from ..core.faults import Fault, get_fault
from ..core.model import LOG_2PI, Mixture
from ..core.prepared import Prepared

#: Significant digits of every number shown.
DIGITS = 6
#: What ends the line a teaching fault gets wrong.
FAULTY = "✗ faulty line"


def num(v: float) -> str:
    """``v`` with at most DIGITS significant digits ("-inf" and "nan" as such; no "-0")."""
    if v == 0:
        return "0"
    return f"{v:.{DIGITS}g}"


def signed(v: float) -> str:
    """``v`` as a term after "+" or "−": "+ 2" or "− 2" (its sign carried by the operator)."""
    return f"− {num(-v)}" if v < 0 else f"+ {num(v)}"


@dataclass(frozen=True)
class Line:
    """One line of the worked arithmetic; ``faulty``: the line a teaching fault gets wrong."""

    text: str
    faulty: bool = False

    def __str__(self) -> str:
        return f"{self.text}   {FAULTY}" if self.faulty else self.text


@dataclass(frozen=True, eq=False)
class Worked:
    """What the worked screen works on: the data, θ^t numbered by mean, the iteration and the fault."""

    data: Prepared
    #: θ^t, components in the order of their means (the app's numbering)
    model: Mixture
    t: int
    half: bool
    fault: Fault | None
    #: θ^s of the run shown, for s = 0..t (what the check grades against, with correct EM from θ^t)
    earlier: Callable[[int], Mixture]

    @property
    def normalised(self) -> bool:
        """The E step divides by p(x_i) (False under the unnormalised fault)."""
        return self.fault is None or self.fault.normalised

    @property
    def k(self) -> int:
        return self.model.k

    @property
    def n(self) -> int:
        return self.data.n

    def point(self, index: int) -> work.PointWork:
        """The E step at the point of 0-based ``index``, the faulty code's under a fault."""
        return work.point_work(float(self.data.x[index]), index, self.model, self.normalised)

    def step(self) -> work.StepWork:
        """The M step from θ^t to θ^(t+1), the faulty code's under a fault (a few chunked passes over
        the data: a few hundredths of a second at 10⁶ points; the screen still runs it in a worker)."""
        return work.step_work(self.data, self.model, self.t + 1, self.fault)

    def sums(self) -> work.ColumnSums:
        """The textbook table's column sums over all the data (a pass: the screen's worker runs it)."""
        return work.column_sums(self.data, self.model, self.normalised)

    def rows(self, start: int, stop: int) -> list[work.TableRow]:
        """The textbook table's rows start..stop (0-based, data order) only."""
        return work.table_rows(self.data.x, self.model, start, stop, self.normalised)


def worked(session) -> Worked:
    """What the session shows, to be worked out (its data, θ^t by mean, t, half state and fault)."""
    run = session.trajectory
    fault = get_fault(session.fault) if session.fault else None
    return Worked(session.data, run.params(session.t).sorted_by_mean(), session.t, session.half, fault,
                  run.params)


def numbering(w: Worked) -> str:
    return f"components numbered by their means at iteration {w.t} (1: the lowest)"


# -- the E step at one point ------------------------------------------------------------------------
def e_lines(w: Worked, index: int) -> list[Line]:
    """The E step at point ``index`` (0-based), plain and in the log domain, every number plugged in."""
    p = w.point(index)
    x = num(p.x)
    when = f"the parameters of iteration {w.t}" + (" (the E step just done)" if w.half else "")
    lines = [Line(f"E step at point {p.index} (x = {x}) with {when}"), Line(numbering(w)), Line("")]
    for k, c in enumerate(p.components, start=1):
        lines += [
            Line(f"component {k}: π{k} = {num(c.weight)}, μ{k} = {num(c.mean)}, σ{k} = {num(c.sd)}"),
            Line(f"  z = (x − μ{k}) / σ{k} = ({x} {signed(-c.mean)}) / {num(c.sd)} = {num(c.z)}"),
            Line(f"  exponent = −z²/2 = {num(c.exponent)}"),
            Line(f"  N(x | μ{k}, σ{k}²) = exp({num(c.exponent)}) / ({num(c.sd)} × √(2π)) = {num(c.density)}"),
            Line(f"  π{k} N{k} = {num(c.weight)} × {num(c.density)} = {num(c.weighted)}"),
        ]
    terms = " ".join(signed(c.weighted) for c in p.components).removeprefix("+ ")
    lines += [Line(""), Line(f"p(x) = Σ_k π_k N_k = {terms} = {num(p.density)}   (√(2π) = {num(work.SQRT_2PI)})")]
    if p.normalised and p.density == 0:  # every π_k N_k underflows: the plain ratio is 0 / 0
        lines.append(Line("every π_k N_k underflows to 0 in double precision here, so γ_k = 0 / 0 in this form;"))
        lines.append(Line("the log domain below keeps the exponents and gives each γ_k: "
                          + ", ".join(f"γ{k} = {num(c.responsibility)}" for k, c in enumerate(p.components, 1))))
    for k, c in enumerate(p.components, start=1):
        if p.normalised and p.density == 0:
            continue
        if p.normalised:
            lines.append(Line(f"γ{k} = π{k} N{k} / p(x) = {num(c.weighted)} / {num(p.density)} = {num(c.responsibility)}"))
        else:
            lines.append(Line(f"γ{k} = π{k} N{k}, not divided by p(x): w{k} = {num(c.responsibility)}", faulty=True))
    total = math.fsum(p.responsibilities)
    lines.append(Line(f"Σ_k γ_k = {num(total)}" + ("" if p.normalised else " (not 1: the E step did not divide)")))
    if p.normalised:
        lines += [Line(""), Line("The same in the log domain (what EM computes: nothing underflows far from"),
                  Line("every component): l_k = log π_k − log σ_k − ½ log(2π) + exponent, "
                       f"½ log(2π) = {num(0.5 * LOG_2PI)}")]
    else:  # the fault's code stops at w_k above; the log domain is correct EM's, for comparison
        lines += [Line(""), Line("Correct EM, for comparison (the fault's code stops at w_k above), in the log"),
                  Line("domain: l_k = log π_k − log σ_k − ½ log(2π) + exponent, "
                       f"½ log(2π) = {num(0.5 * LOG_2PI)}")]
    for k, c in enumerate(p.components, start=1):
        log_w = math.log(c.weight) if c.weight > 0 else -math.inf
        lines.append(Line(f"  l{k} = {num(log_w)} {signed(-math.log(c.sd))} − {num(0.5 * LOG_2PI)} "
                          f"{signed(c.exponent)} = {num(c.log_term)}"))
    lines.append(Line(f"  shift s = max_k l_k = {num(p.shift)}"))
    for k, c in enumerate(p.components, start=1):
        lines.append(Line(f"  exp(l{k} − s) = exp({num(c.log_term - p.shift)}) = {num(c.shifted)}"))
    lines.append(Line(f"  Σ_k exp(l_k − s) = {num(p.shifted_sum)}"))
    for k, c in enumerate(p.components, start=1):
        gamma = c.shifted / p.shifted_sum
        name = f"γ{k}" if p.normalised else f"correct γ{k}"
        lines.append(Line(f"  {name} = exp(l{k} − s) / Σ = {num(c.shifted)} / {num(p.shifted_sum)} = {num(gamma)}"))
    lines += [Line(f"  log p(x) = s + log Σ = {num(p.shift)} {signed(math.log(p.shifted_sum))} = {num(p.log_density)}"),
              Line(("Why the same γ" if p.normalised else "Why correct EM's γ is the same in both domains")
                   + ": exp(l_k) = π_k N_k, and exp(l_k − s) = exp(l_k) × exp(−s): the"),
              Line("factor exp(−s) is in every term of the ratio, above and below the line: it cancels.")]
    if not p.normalised:
        lines.append(Line("(Correct EM divides by p(x) in both domains; the fault's code does not.)"))
    return lines


# -- the M step ------------------------------------------------------------------------------------
def m_lines(w: Worked, s: work.StepWork) -> list[Line]:
    """The M step from θ^t to θ^(t+1): each component's sums and the new parameters, then the LL."""
    t1 = s.t
    weight = "γ" if w.normalised else "w"
    lines = [Line(f"M step of iteration {t1}: from the {weight} at the parameters of iteration {w.t}, "
                  f"over all N = {s.n:,} points"), Line(numbering(w)), Line("")]
    for k, c in enumerate(s.components, start=1):
        nk_line = f"  N{k} = Σ_i {weight}_i{k} = {num(c.n_k)}"
        lines += [Line(f"component {k} (its mean was {num(c.old_mean)}):"),
                  Line(nk_line if w.normalised else nk_line + f" (Σ of π{k} N{k}: not divided by p(x_i))",
                       faulty=s.faulty == "responsibilities")]
        lines.append(Line(f"  Σ_i {weight}_i{k} x_i = {num(c.sum_x)}"))
        if c.empty:
            lines.append(Line(f"  N{k} is about 0: the component is empty, its mean and σ are kept"))
        else:
            lines.append(Line(f"  μ{k} = Σ {weight}x / N{k} = {num(c.sum_x)} / {num(c.n_k)} = {num(c.mean)}"))
        lines.append(Line(f"  Σ_i {weight}_i{k} (x_i − μ{k})² = {num(c.sum_sq_dev)}   (about the new μ{k})"))
        if not c.empty:
            if s.faulty == "variance":
                lines.append(Line(f"  σ{k}² = Σ {weight}(x − μ{k})² / N = {num(c.sum_sq_dev)} / {s.n:,} = "
                                  f"{num(c.variance)}", faulty=True))
            else:
                lines.append(Line(f"  σ{k}² = Σ {weight}(x − μ{k})² / N{k} = {num(c.sum_sq_dev)} / {num(c.n_k)} = "
                                  f"{num(c.variance)}"))
            if s.faulty == "sd":
                lines.append(Line(f"  σ{k} = σ{k}² = {num(c.variance)} (no square root)", faulty=True))
            else:
                lines.append(Line(f"  σ{k} = √σ{k}² = √{num(c.variance)} = {num(math.sqrt(max(c.variance, 0.0)))}"))
            if c.floored:
                lines.append(Line(f"  σ{k} lifted to the data's floor: σ{k} = {num(c.sd)}"))
        total = f"N = {s.n:,}" if w.normalised else f"Σ_j N_j = {num(s.n_total)}"
        lines.append(Line(f"  π{k} = N{k} / {total.split(' = ')[0]} = {num(c.n_k)} / "
                          f"{total.split(' = ')[1]} = {num(c.weight)}"))
    lines += [Line(""),
              Line(f"LL[{w.t}] = Σ_i log p(x_i) at the parameters of iteration {w.t} = {num(s.ll_before)}"),
              Line(f"LL[{t1}] = Σ_i log p(x_i) at the new parameters = {num(s.ll_after)}   "
                   f"(ΔLL = {num(s.ll_after - s.ll_before)})")]
    if s.fault:
        lines.append(Line(f"(under the fault {s.fault}: the faulty code's numbers; EM's own would differ)"))
    return lines


# -- the textbook table ----------------------------------------------------------------------------
#: Characters of the table's columns: point, x, each π_k N_k, p(x), each γ_k.
POINT_W, X_W, CELL_W, GAMMA_W = 7, 11, 11, 10


def table_head(w: Worked) -> str:
    g = "γ" if w.normalised else "w"
    cells = "".join(f"{f'π{k}N{k}':>{CELL_W}}" for k in range(1, w.k + 1))
    gammas = "".join(f"{g + str(k):>{GAMMA_W}}" for k in range(1, w.k + 1))
    return f"{'point':>{POINT_W}}{'x':>{X_W}}{cells}{'p(x)':>{CELL_W}}{gammas}"


def _g(v: float, width: int) -> str:
    return f"{v:>{width}.4g}"


def table_line(row: work.TableRow) -> str:
    """One row: the point's number, x, each π_k N_k, p(x) and each γ_k (4 significant digits)."""
    cells = "".join(_g(v, CELL_W) for v in row.weighted)
    gammas = "".join(_g(v, GAMMA_W) for v in row.responsibilities)
    return f"{row.index:>{POINT_W}}{num(row.x):>{X_W}}{cells}{_g(row.density, CELL_W)}{gammas}"


def sums_lines(w: Worked, sums: work.ColumnSums) -> list[str]:
    """The column sums under the table, and what the γ columns' sums are (N_k) and the LL."""
    cells = "".join(_g(v, CELL_W) for v in sums.weighted)
    gammas = "".join(_g(v, GAMMA_W) for v in sums.responsibilities)
    g = "γ" if w.normalised else "w"
    return [f"{'Σ':>{POINT_W}}{'':>{X_W}}{cells}{_g(sums.density, CELL_W)}{gammas}",
            f"Σ_i {g}_ik = N_k: " + ", ".join(f"N{k} = {num(v)}" for k, v in enumerate(sums.responsibilities, 1))
            + f" · LL = Σ_i log p(x_i) = {num(sums.log_likelihood)}"]
