"""What the session gives to read without changing anything: the export's snapshot, the sorted
data and the anomalies under the parameters shown (a part of :class:`~em_tui.session.session.Session`)."""

from __future__ import annotations

import numpy as np

from ..core.anomaly import Anomalies, find_anomalies
from ..core.export import ExportSnapshot
from ..errors import EmTuiError, Refused


class Reading:
    """The session's reading methods (mixed into :class:`~em_tui.session.session.Session`, whose
    ``data``, ``trajectory``, ``t``, ``label`` and ``anomaly_quantile`` they read)."""

    _sorted: tuple | None = None
    _anomalies: tuple[tuple, Anomalies] | None = None

    def export_snapshot(self) -> ExportSnapshot:
        """What key x writes, taken now: the data, the parameters at the iteration shown, the start, the
        LL path up to it, the label and the lab mode's record.

        Take it in the thread that changes the session (the UI's) and write it anywhere later:
        new data or a new iteration after this call do not reach the file."""
        x = self.data.x.view()
        x.flags.writeable = False
        return ExportSnapshot(x=x, params=self.trajectory.params(self.t), t=self.t,
                              ll=float(self.trajectory.ll_at(self.t)), label=self.label, start=self.start,
                              path=np.array(self.trajectory.ll[: self.t + 1]),
                              path_sizes=self.trajectory.term_sizes(self.t), notes=self.lab.export_lines())

    def export_csv(self, path):
        """Write :meth:`export_snapshot` as a new CSV at ``path`` (or ``path`` with a counter);
        returns the name written."""
        return self.export_snapshot().save(path)

    def sorted_data(self) -> tuple[np.ndarray, np.ndarray]:
        """(x sorted, the original index of each) — sorted once per data set."""
        if self._sorted is None or self._sorted[0] is not self.data:
            order = np.argsort(self.data.x, kind="stable")
            self._sorted = (self.data, (self.data.x[order], order))
        return self._sorted[1]

    def anomalies(self, quantile: float | None = None) -> Anomalies | None:
        """The points below the quantile of log p(x) under the parameters shown (the marks' quantile
        unless another is given); None when the marks are off and no quantile is given."""
        q = self.anomaly_quantile if quantile is None else quantile
        if q is None:
            return None
        key = (self.trajectory, self.t, q)
        cached = self._anomalies
        if cached is None or cached[0][0] is not key[0] or cached[0][1:] != key[1:]:
            try:
                found = find_anomalies(self.data.x, self.trajectory.params(self.t), q)
            except EmTuiError as exc:
                raise Refused(str(exc)) from None
            self._anomalies = (key, found)
        return self._anomalies[1]

