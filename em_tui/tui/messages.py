"""The messages workers post to the app and its screens (plain dataclasses, one per outcome).

A worker never touches a widget: it computes in its thread with ``should_stop`` taken from its
own cancellation, then posts one of these; the handler on the UI thread turns it into a frame or
a table row. A worker that fails is not handled here: the app's one ``Worker.StateChanged`` handler
shows its error on the screen that started it.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


# -- the simulator's own work (running to convergence, exports) ------------------------------


# -- the dialogs' work (searches, k-means vs EM, loading data) -------------------------------
