"""The messages workers post to the app and its screens (plain dataclasses, one per outcome).

A worker never touches a widget: it computes in its thread with ``should_stop`` taken from its
own cancellation, then posts one of these; the handler on the UI thread turns it into a frame or
a table row. A worker that fails is not handled here: the app's one ``Worker.StateChanged`` handler
shows its error on the screen that started it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.message import Message
from textual.worker import Worker


# -- the simulator's own work (running to convergence, exports) ------------------------------
@dataclass
class RunStep(Message):
    """The run to convergence (key g) has computed iteration ``t``: the session can move on to it.
    ``worker`` is the run's worker: the step of a run that was stopped is not taken."""

    worker: Worker
    t: int


@dataclass
class ExportDone(Message):
    """An export was written: the iteration and points it holds, the name asked for and the name written."""

    t: int
    n: int
    path: Path
    written: Path



# -- the dialogs' work (searches, k-means vs EM, loading data) -------------------------------
@dataclass
class SearchProgress(Message):
    """A search screen's fits: ``done`` of ``total`` finished."""

    done: int
    total: int


@dataclass
class SearchRows(Message):
    """The results a search has finished so far (the choice of K shows each K as it is done)."""

    result: Any


@dataclass
class SearchDone(Message):
    """A search ended: everything it finished, and whether it was cancelled before the end.
    ``worker`` is the search's worker: the end of a search stopped while a newer one goes on is not shown."""

    worker: Worker
    result: Any
    cancelled: bool


@dataclass
class BaselineDone(Message):
    """The k-means vs EM screen's k-means fit and rug, computed once."""

    baseline: Any


@dataclass
class CompareProgress(Message):
    """EM at ladder rung ``rung`` has done ``iterations`` iterations so far (in ``worker``)."""

    worker: Worker
    rung: int
    iterations: int


@dataclass
class CompareDone(Message):
    """EM at ladder rung ``rung`` converged (or reached its cap): the comparison with k-means."""

    rung: int
    result: Any


@dataclass
class DataTaken(Message):
    """The data screen's new data were read and made ready to run (``loaded``); the session has not
    taken them yet: the screen's handler hands them over, on the UI thread, unless it was closed."""

    loaded: Any


@dataclass
class StartMade(Message):
    """The start editor's k-means or random restarts were fitted and the best start made ready to run
    (``made``) by ``worker``; the session takes it on the UI thread, unless the worker was cancelled
    (the editor closed, or a newer fit asked for)."""

    worker: Worker
    made: Any
