"""The log-likelihood path as rows: t, LL[t], its change ΔLL[t] = LL[t] − LL[t−1], and whether LL fell
there by more than rounding can explain (the decrease detector of :mod:`em_tui.core.trajectory`,
step by step: a correct EM never lets it fall). The LL path screen and the export both read it."""

from __future__ import annotations

from dataclasses import dataclass

from .trajectory import find_decrease


@dataclass(frozen=True)
class LLStep:
    """Iteration ``t`` of a path: its LL, the change from t − 1 (None at t = 0) and whether LL fell."""

    t: int
    ll: float
    delta: float | None
    fell: bool


def ll_steps(ll, sizes, lo: int = 0, hi: int | None = None) -> list[LLStep]:
    """The rows lo..hi − 1 of the path ``ll`` (LL[0], LL[1], ...; all of it by default); ``sizes`` are the
    sizes of the terms each LL[t] sums (:meth:`Trajectory.term_sizes`), which the decrease detector's
    margin follows."""
    hi = len(ll) if hi is None else min(hi, len(ll))
    rows = []
    for t in range(max(lo, 0), hi):
        now = float(ll[t])
        if t == 0:
            rows.append(LLStep(0, now, None, False))
        else:
            rows.append(LLStep(t, now, now - float(ll[t - 1]), find_decrease([ll[t - 1], ll[t]], [sizes[t - 1], sizes[t]]) is not None))
    return rows
