"""The LL path screen's rows (key l) as text: t, LL[t], ΔLL = LL[t] − LL[t−1] and a mark where LL fell
(the decrease detector's, step by step: see :mod:`em_tui.core.llpath`). Pure, computed for the rows on
screen only."""

from __future__ import annotations

from ..core.llpath import ll_steps

#: The mark of an iteration at which LL fell.
FELL_MARK = "⚠ LL fell"
#: The columns' heads, over the rows.
HEAD = f"{'t':>7}  {'LL[t]':>20}  {'ΔLL':>13}"


def ll_path_rows(ll, sizes, lo: int, hi: int) -> list[tuple[str, bool]]:
    """Rows lo..hi − 1 of the LL path ``ll`` (LL[0..t], with the sizes of the terms each sums): (text,
    whether LL fell there)."""
    rows = []
    for step in ll_steps(ll, sizes, lo, hi):
        delta = "" if step.delta is None else f"{step.delta:+.6g}"
        mark = FELL_MARK if step.fell else ""
        rows.append((f"{step.t:>7}  {step.ll:>20.6f}  {delta:>13}  {mark}".rstrip(), step.fell))
    return rows
