"""What the k-means vs EM screen (key c) draws for one result, as a plain value (no Textual here).

The screen keeps one :class:`CompareView` per result; its panels draw the curves it holds. The
curves come from the view functions of :mod:`em_tui.session.dialogs`, computed once per panel width.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core import hardsoft
from . import dialogs


@dataclass(frozen=True)
class HardCurves:
    """The k-means panel's drawing: the rug's x, the cluster of each, and each cluster's indicator."""

    rug: np.ndarray
    owner: np.ndarray
    steps: list


@dataclass(frozen=True)
class SoftCurves:
    """The EM panel's drawing: the rug's x, the component that claims each, and γ_k(x) on a grid."""

    rug: np.ndarray
    owner: np.ndarray
    grid: list[float]
    gamma: np.ndarray


@dataclass(frozen=True, eq=False)
class CompareView:
    """What both panels draw for one result: the k-means fit, the rug of the data, and EM's fit (None
    while it is computed). One per result, kept with it: its curves (from the view functions of
    :mod:`em_tui.session.dialogs`) are computed once per panel width, the first time a panel of
    that width draws them, and every redraw after that (a resize back, a new theme, going back to
    this σ) draws what is kept here."""

    x_limits: tuple[float, float]
    occupied: np.ndarray
    kmeans: hardsoft.KMeansFit
    em: hardsoft.SharedSdFit | None
    _curves: dict = field(default_factory=dict, repr=False)

    def hard(self, columns: int) -> HardCurves:
        """k-means' curves for a panel of ``columns`` dot columns."""
        key = ("hard", columns)
        if key not in self._curves:
            xs = dialogs.rug(self.occupied, self.x_limits, columns)
            owner, steps = dialogs.hard_curves(self.kmeans.centres, self.x_limits, xs)
            self._curves[key] = HardCurves(xs, owner, steps)
        return self._curves[key]

    def soft(self, columns: int, points: int) -> SoftCurves:
        """EM's curves for a panel of ``columns`` dot columns, on a grid of ``points`` (EM's fit is known)."""
        key = ("soft", columns, points)
        if key not in self._curves:
            xs = dialogs.rug(self.occupied, self.x_limits, columns)
            gamma, grid, owner = dialogs.soft_curves(self.em, self.x_limits, points, xs)
            self._curves[key] = SoftCurves(xs, owner, grid.tolist(), gamma)
        return self._curves[key]
