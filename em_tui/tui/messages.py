"""The messages workers post to the app and its screens (plain dataclasses, one per outcome).

A worker never touches a widget: it computes in its thread with ``should_stop`` taken from its
own cancellation, then posts one of these; the handler on the UI thread turns it into a frame or
a table row. A worker that fails is not handled here: the app's one ``Worker.StateChanged`` handler
shows its error on the screen that started it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.message import Message


# -- the simulator's own work (running to convergence, exports) ------------------------------
@dataclass
class RunDone(Message):
    """The run to convergence reached the end (converged or the cap)."""

    worker: object


@dataclass
class ExportDone(Message):
    """An export was written: the iteration and points it holds, the name asked for and the name written."""

    t: int
    n: int
    path: Path
    written: Path


@dataclass
class ExportFailed(Message):
    """An export could not be written (nothing was)."""

    path: Path
    error: OSError



# -- the dialogs' work (searches, k-means vs EM, loading data) -------------------------------
