"""Anomalies: points the fitted mixture finds unlikely.

Each point gets its log-density under the mixture, log p(x_i). The cut is the
``quantile`` of those N values (NumPy's default, linear interpolation between
order statistics); the points strictly below the cut are flagged. With
N = 200 and the default 1 % that is the two least likely points.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from .checks import ascii_minus
from .model import Mixture
from .points import point_number
from .prepared import Prepared

DEFAULT_QUANTILE = 0.01
#: The largest quantile taken: beyond half of the data, "anomaly" stops meaning anything.
MAX_QUANTILE = 0.5


def parse_quantile(text) -> float:
    """A quantile from ``0.01`` or ``1%``; it must lie in (0, 0.5]."""
    raw = ascii_minus(str(text)).strip()
    percent = raw.endswith("%")
    body = raw[:-1].strip() if percent else raw
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", body):
        raise ParameterError(f"the anomaly quantile must be a number such as 0.01 or 1%, got {raw!r}")
    q = float(body) / (100.0 if percent else 1.0)
    if not 0.0 < q <= MAX_QUANTILE:
        shown = f"{q:g}" + (f" ({raw})" if percent else "")
        raise ParameterError(f"the anomaly quantile must be above 0 and at most {MAX_QUANTILE:g} (50%), got {shown}")
    return q


def percent(q: float) -> str:
    """A quantile as a percentage: 0.01 -> '1%'."""
    return f"{100 * q:.6g}%"


@dataclass(frozen=True)
class Anomalies:
    """The flagged points, least likely first."""

    quantile: float
    #: the cut: the quantile of the N log-densities
    threshold: float
    #: indices into the data (as given), least likely first
    index: np.ndarray
    values: np.ndarray
    log_density: np.ndarray
    n: int

    @property
    def count(self) -> int:
        return int(self.index.size)

    def as_dict(self) -> dict:
        return {
            "quantile": self.quantile,
            "threshold_log_density": self.threshold,
            "count": self.count,
            "points": [
                {"index": int(i), "point": point_number(i), "x": float(v), "log_density": float(ld)}
                for i, v, ld in zip(self.index, self.values, self.log_density)
            ],
        }


def find_anomalies(x, model: Mixture, quantile: float = DEFAULT_QUANTILE) -> Anomalies:
    """Points whose log-density under ``model`` falls below the ``quantile`` of all N log-densities.

    ``x``: the prepared data (or their values)."""
    if isinstance(quantile, bool) or not isinstance(quantile, (int, float, np.floating)) \
            or not 0.0 < float(quantile) <= MAX_QUANTILE:
        raise ParameterError(f"the anomaly quantile must be above 0 and at most {MAX_QUANTILE:g}, got {quantile!r}")
    x = x.x if isinstance(x, Prepared) else np.asarray(x, dtype=float).reshape(-1)
    logp = model.log_density(x)
    threshold = float(np.quantile(logp, float(quantile)))
    flagged = np.flatnonzero(logp < threshold)
    flagged = flagged[np.argsort(logp[flagged], kind="stable")]
    return Anomalies(float(quantile), threshold, flagged, x[flagged], logp[flagged], int(x.size))
