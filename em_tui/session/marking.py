"""The marked point: one point of the data the screen highlights (a mark on the claim strip and a thin
vertical line on the mixture plot), by its 0-based index in the data, or none.

:meth:`Marking.mark_point` is the whole API another screen needs to highlight a point (a question
"which component claims this point?", the point mode of the worked arithmetic): give it an index,
or None to take the mark away. The point mode moves the mark along x with :meth:`Marking.move_mark`.
Both return a :class:`PointMarked` outcome (worded in :mod:`em_tui.session.words`) and refuse a bad
index with a clear message, leaving the mark as it was. New data or a new start take the mark away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.checks import whole_number
from ..errors import Refused


@dataclass(frozen=True)
class PointMarked:
    """The mark is on point ``index`` (0-based; None: no mark), at ``x``; ``place`` is its place by x
    (from 1) of ``n`` points."""

    index: int | None
    x: float | None = None
    place: int | None = None
    n: int = 0
    #: moved by the point mode (:meth:`Marking.move_mark`): the words name its keys
    moving: bool = False


class Marking:
    """The session's marked point (mixed into :class:`~em_tui.session.session.Session`)."""

    #: the marked point's 0-based index in the data, or None
    marked: int | None = None

    def mark_point(self, index: int | None) -> PointMarked:
        """Mark the point at 0-based ``index`` in the data (None: no mark). A bad index is refused
        ("the point must be a whole number from 1 to N", in point numbers) and the mark stays."""
        if index is None:
            self.marked = None
            return self._did(PointMarked(None))
        n = self.data.n
        number = whole_number("the point", _plus_one(index), 1, n, error=Refused)
        self.marked = int(number) - 1
        return self._did(self._marked_now())

    def move_mark(self, by: int | str) -> PointMarked:
        """Move the mark ``by`` places along x (clamped to the first and last point), or to the
        "first" or "last" point by x; with no mark yet, start at the middle point by x."""
        x_sorted, order = self.sorted_data()
        n = order.size
        if self.marked is None:
            place = n // 2
        elif by == "first":
            place = 0
        elif by == "last":
            place = n - 1
        else:
            place = min(max(self.mark_place() - 1 + int(by), 0), n - 1)
        self.marked = int(order[place])
        return self._did(self._marked_now(moving=True))

    def mark_place(self) -> int:
        """The marked point's place by x, from 1 (equal values keep the data's order)."""
        _, order = self.sorted_data()
        return int(np.flatnonzero(order == self.marked)[0]) + 1

    def _marked_now(self, moving: bool = False) -> PointMarked:
        return PointMarked(self.marked, float(self.data.x[self.marked]), self.mark_place(), self.data.n, moving)


def _plus_one(index):
    """``index`` + 1 when it is a whole number (so that the refusal speaks of point numbers)."""
    if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
        return int(index) + 1
    return index
