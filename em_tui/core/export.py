"""Key x's CSV: the parameters at one iteration, the start, the LL path and every point's responsibilities.

Responsibilities are computed and written in the engine's chunks (:func:`~em_tui.core.prepared.chunks`),
so the file is written without an N x K table in memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import em
from .llpath import ll_steps
from .model import Mixture
from .points import POINT_NOTE, point_number
from .prepared import chunks
from .safewrite import write_new

#: Control characters (a newline in a file's name would break the export's comment line).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ExportSnapshot:
    """Everything one export writes, fixed when the export starts (see ``Session.export_snapshot``).

    The CSV: comment lines (#) give the data, the iteration and one line per component
    (numbered by their means: k, pi, mu, sigma), the start the same way (``# start,k,pi,mu,sigma``),
    the log-likelihood path up to the iteration (``# ll,t,LL,delta_LL,fell``: fell is 1 where LL fell,
    which a correct EM never lets happen), the lab mode's record when it has one (``# lab,t,step,kind,
    question,answer,correct,tolerance,right``, after a line with the score) and what a point number is; then a header and one row per
    point in the data's order: its number (1 = the first value), x, gamma_1..gamma_K, the most likely
    component.
    """

    #: the data (a read-only view)
    x: np.ndarray
    #: the parameters at iteration t
    params: Mixture
    t: int
    #: the log-likelihood at t
    ll: float
    label: str
    #: the parameters at iteration 0
    start: Mixture
    #: LL[0..t]
    path: np.ndarray
    #: the sizes of the terms each LL[t] sums (the decrease detector's margin follows them)
    path_sizes: np.ndarray
    #: more comment lines, written after the LL path (the lab mode's record), without their "# "
    notes: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return int(self.x.size)

    def write(self, fh) -> None:
        params = self.params
        order = params.order()
        label = _CONTROL.sub("?", self.label)  # one comment line, whatever the file's name holds
        fh.write(f"# em-tui export: data {label}, N = {self.n}, iteration {self.t}, LL = {self.ll!r}\n")
        fh.write("# component,pi,mu,sigma\n")
        fh.write(_components(params, "# "))
        fh.write("# start (iteration 0): start,component,pi,mu,sigma\n")
        fh.write(_components(self.start, "# start,"))
        fh.write(f"# log-likelihood path to iteration {self.t}: ll,t,LL,delta_LL,fell\n")
        for step in ll_steps(self.path, self.path_sizes):
            delta = "" if step.delta is None else repr(step.delta)
            fh.write(f"# ll,{step.t},{step.ll!r},{delta},{int(step.fell)}\n")
        for note in self.notes:
            fh.write(f"# {_CONTROL.sub('?', note)}\n")
        fh.write(f"# {POINT_NOTE}\n")
        fh.write("point,x," + ",".join(f"gamma_{i + 1}" for i in range(params.k)) + ",component\n")
        for part in chunks(self.n, params.k):
            fh.write(export_rows(self.x, params, order, part.start, part.stop))

    def save(self, path) -> Path:
        """Write the CSV as a new file (see :func:`~em_tui.core.safewrite.write_new`); the name written."""
        return write_new(path, self.write)


def _components(model: Mixture, prefix: str) -> str:
    """One line per component of ``model``, numbered by their means: k, pi, mu, sigma."""
    w, m, sd = model.weights.tolist(), model.means.tolist(), model.sds.tolist()
    return "".join(f"{prefix}{i + 1},{w[j]!r},{m[j]!r},{sd[j]!r}\n" for i, j in enumerate(model.order().tolist()))


def export_rows(x: np.ndarray, params: Mixture, order: np.ndarray, lo: int, hi: int) -> str:
    """CSV rows of the points x[lo:hi]: their numbers, x, their responsibilities (components in
    ``order``), the likeliest."""
    gamma = em.responsibilities(x, params, lo, hi)[order]
    best = gamma.argmax(axis=0) + 1
    block = np.column_stack([x[lo:hi], gamma.T])
    return "".join(f"{point_number(lo + r)}," + ",".join(repr(float(v)) for v in row) + f",{b}\n"
                   for r, (row, b) in enumerate(zip(block, best)))
