"""The live parameter table: estimates beside the true values, and the run's status."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...core.data import TRUE_MODEL
from ..session import Frame
from .plots import COMPONENT_COLOURS


def _fmt(v: float) -> str:
    """Three decimals, or four significant digits when that would not fit the column."""
    return f"{v:.3f}" if abs(v) < 1e4 else f"{v:.4g}"


def _signed(v: float) -> str:
    return f"{v:+.3f}" if abs(v) < 1e3 else f"{v:+.3g}"


def _count(v: float) -> str:
    return f"{v:.1f}" if abs(v) < 1e5 else f"{v:.0f}"


def table_rows(frame: Frame) -> list[tuple[str, str, str, str]]:
    """(name, estimate, true, error) rows, components in order of their means.

    Components are matched to the truth by that order (the left estimate with the
    left true component), so label switching in the engine cannot mislead.
    """
    order = frame.order()
    truth = TRUE_MODEL.sorted_by_mean()
    rows = []
    for name, est, true in (
        ("π", frame.params.weights, truth.weights),
        ("μ", frame.params.means, truth.means),
        ("σ", frame.params.sds, truth.sds),
    ):
        for i, j in enumerate(order):
            e = float(est[j])
            if i < truth.k:
                rows.append((f"{name}{i + 1}", _fmt(e), _fmt(float(true[i])), _signed(e - float(true[i]))))
            else:
                rows.append((f"{name}{i + 1}", _fmt(e), "", ""))
    for i, j in enumerate(order):
        rows.append((f"N{i + 1}", _count(float(frame.nk[j])), _count(float(truth.weights[i]) * frame.n) if i < truth.k else "", ""))
    return rows


class ParamTable(Static):
    """Per component π, μ, σ and N_k: estimate, true value, error; then LL, ΔLL, t, convergence.

    Fixed-width columns (not a table that measures itself), so the layout is the same at every size.
    """

    _lines = -1

    def show(self, frame: Frame) -> None:
        text = Text(no_wrap=True, overflow="crop")
        text.append(f"{'':<3} {'est.':>9} {'true':>8} {'error':>7}\n", style="bold")
        for name, est, true, err in table_rows(frame):
            idx = int(name[1:]) - 1
            colour = COMPONENT_COLOURS[idx] if idx < len(COMPONENT_COLOURS) else ""
            text.append(f"{name:<3}", style=colour)
            text.append(f" {est:>9}", style="bold" if frame.half and name.startswith("N") else "")
            text.append(f" {true:>8} {err:>7}\n")
        text.append("\n" + "\n".join(status_lines(frame)))
        lines = text.plain.count("\n")
        # same number of lines: repaint this widget only, no new layout of the screen
        self.update(text, layout=lines != self._lines)
        self._lines = lines


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
