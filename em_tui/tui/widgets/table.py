"""The live parameter table: estimates beside the true values, and the run's status."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...core.numfmt import fit_number
from ..plain import printable
from ...session.session import Frame
from .plots import TEXT_COLOURS


def _fmt(v: float) -> str:
    """Three decimals, or four significant digits when that would not fit the column."""
    return f"{v:.3f}" if abs(v) < 1e4 else f"{v:.4g}"


def _signed(v: float) -> str:
    return f"{v:+.3f}" if abs(v) < 1e3 else f"{v:+.3g}"


def _count(v: float) -> str:
    return f"{v:.1f}" if abs(v) < 1e4 else f"{v:.0f}"


def has_truth_columns(frame: Frame) -> bool:
    """True values and errors are shown for the lesson's data fitted with its own K."""
    return frame.truth is not None and frame.truth.k == frame.params.k


def table_rows(frame: Frame) -> list[tuple[str, str, str, str]]:
    """(name, estimate, true, error) rows, components in order of their means.

    Components are matched to the truth by that order (the left estimate with the
    left true component), so label switching in the engine cannot mislead.
    """
    order = frame.order()
    truth = frame.truth.sorted_by_mean() if has_truth_columns(frame) else None
    rows = []
    for name, est, attr in (("π", frame.params.weights, "weights"), ("μ", frame.params.means, "means"),
                            ("σ", frame.params.sds, "sds")):
        for i, j in enumerate(order):
            e = float(est[j])
            if truth is not None:
                true = float(getattr(truth, attr)[i])
                rows.append((f"{name}{i + 1}", _fmt(e), _fmt(true), _signed(e - true)))
            else:
                rows.append((f"{name}{i + 1}", _fmt(e), "", ""))
    for i, j in enumerate(order):
        true_n = _count(float(truth.weights[i]) * frame.n) if truth is not None else ""
        rows.append((f"N{i + 1}", _count(float(frame.nk[j])), true_n, ""))
    return rows


def component_rows(frame: Frame) -> list[tuple[str, str, str, str, str]]:
    """(k, π, μ, σ, N) per component, in order of the means (the user's data: no truth)."""
    p = frame.params
    return [
        (str(i + 1), f"{p.weights[j]:.3f}", fit_number(float(p.means[j]), 9, 3), fit_number(float(p.sds[j]), 7, 3),
         _count(float(frame.nk[j])))
        for i, j in enumerate(frame.order())
    ]


class ParamTable(Static):
    """Per component π, μ, σ and N_k: estimate, true value, error; then LL, ΔLL, t, convergence.

    Fixed-width columns (not a table that measures itself), so the layout is the same at every size.
    """

    _lines = -1

    def show(self, frame: Frame) -> None:
        text = Text(no_wrap=True, overflow="crop")
        if has_truth_columns(frame):
            self._truth_rows(frame, text)
        else:
            lo, hi = frame.data_range
            text.append(f"{printable(frame.label)}\n", style="bold")
            text.append(f"N {frame.n:,} · {lo:.4g} to {hi:.4g}\n\n")
            text.append(f"{'k':<2}{'π':>5} {'μ':>9} {'σ':>7} {'N':>6}\n", style="bold")
            for idx, (k, pi, mu, sd, nk) in enumerate(component_rows(frame)):
                text.append(f"{k:<2}", style=TEXT_COLOURS[idx])
                text.append(f"{pi:>5} {mu:>9} {sd:>7} ")
                text.append(f"{nk:>6}\n", style="bold" if frame.half else "")
        text.append("\n" + "\n".join(status_lines(frame)))
        lines = text.plain.count("\n")
        # same number of lines: repaint this widget only, no new layout of the screen
        self.update(text, layout=lines != self._lines)
        self._lines = lines

    def _truth_rows(self, frame: Frame, text: Text) -> None:
        text.append(f"{'':<3} {'est.':>9} {'true':>8} {'error':>7}\n", style="bold")
        for name, est, true, err in table_rows(frame):
            idx = int(name[1:]) - 1
            colour = TEXT_COLOURS[idx] if idx < len(TEXT_COLOURS) else ""
            text.append(f"{name:<3}", style=colour)
            text.append(f" {est:>9}", style="bold" if frame.half and name.startswith("N") else "")
            text.append(f" {true:>8} {err:>7}\n")


def status_lines(frame: Frame) -> list[str]:
    """LL, ΔLL, the iteration and whether the run has converged."""
    ll = frame.ll_now
    digits = 3 if abs(ll) < 1e5 else 1
    delta = frame.delta_ll
    stage = f"{frame.t} (+ E step)" if frame.half else str(frame.t)
    return [
        f"LL   {ll:,.{digits}f}",
        f"ΔLL  {'—' if delta is None else f'{delta:+.4g}'}",
        f"t    {stage}",
        f"converged: {'yes' if frame.converged else 'no'}",
    ]
