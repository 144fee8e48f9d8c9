"""Running to convergence (key g): a Textual worker that steps until the end at a pace the keys set.

The worker computes each next iteration of the run in its thread and posts a :class:`RunStep`
for it; the handler, on the UI thread, moves the session on to that iteration (already computed:
nothing slow is left to do) and draws the session's frame, so the iteration shown is always the
session's. Any move, g or Esc cancels the worker, and the run stops at once: the pace is a wait
on the worker's own cancellation, and a step a cancelled worker posted is not taken.

The pace keys move along :data:`PACES`; while a run goes on a new pace takes effect at once (a new
worker goes on from the iteration shown: the iterations already computed are not computed again).
The to-the-end key runs a worker that computes every iteration left without a pause and posts only
the last one, which the session goes to at once.
"""

from __future__ import annotations

from textual import work
from textual.widgets import Input
from textual.worker import get_current_worker

from ..errors import Refused
from ..session import outcomes as out
from .messages import RunStep
from .workers import going_on

#: The paces a run can go at, slowest first: seconds between iterations (the fastest still leaves the
#: screen time to draw each one; the to-the-end key skips the drawing).
PACES = (1.0, 0.6, 0.3, 0.15, 0.08, 0.04, 0.02)
#: The pace a run starts at (readable: about seven iterations a second).
RUN_PACE = 0.15


class Runs:
    """The app's run to convergence (mixed into :class:`~em_tui.tui.app.EmApp`; its handlers are named
    ``on_<message>``, since ``@on`` is only read on the app's own class)."""

    #: seconds between the iterations of a run (one of PACES once a pace key was pressed)
    pace: float = RUN_PACE
    #: whether the run going on goes straight to its end (the to-the-end key), not at the pace
    to_end: bool = False

    @property
    def running(self) -> bool:
        """A run to convergence is going on (a live worker of the "run" group)."""
        return bool(going_on(self, "run"))

    def _stop_run(self) -> bool:
        """Stop the run to convergence, if one is going on; True if one was."""
        if not self.running:
            return False
        self.workers.cancel_group(self, "run")
        self.say(self.session.run_stopped())  # the status no longer says "running"
        return True

    def action_run(self) -> None:
        if self._stop_run():
            return
        self._start_run(to_end=False)

    def action_to_end(self) -> None:
        """To convergence at once: while a run goes on it goes on without pauses, else one starts so."""
        if self.running:
            self._go_on(to_end=True)
        else:
            self._start_run(to_end=True)

    def _start_run(self, to_end: bool) -> None:
        try:
            started = self.session.run_started()
        except Refused as exc:
            self.refuse(exc)
            return
        self._go_on(to_end)
        self.say(started)  # "running", now that the worker is there

    def _go_on(self, to_end: bool) -> None:
        """A new run worker from the iteration shown (it replaces the one going on, if any)."""
        self.to_end = to_end
        self._run(self.frame.t, to_end)

    def action_faster(self) -> None:
        self._set_pace(faster=True)

    def action_slower(self) -> None:
        self._set_pace(faster=False)

    def _set_pace(self, faster: bool) -> None:
        """The next pace of PACES (from a pace between two of them, the nearer one that way); a run
        going on goes on at it at once. At either end the pace stays, and the status says so."""
        paces = [p for p in PACES if p < self.pace] if faster else [p for p in PACES if p > self.pace]
        if paces:
            self.pace = paces[0] if faster else paces[-1]
            if self.running and not self.to_end:
                self._go_on(to_end=False)
        self.say(out.PaceSet(self.pace, faster, bool(paces)))

    def action_escape(self) -> None:
        if self.running:
            self._stop_run()
        elif isinstance(self.focused, Input):
            self.set_focus(None)

    @work(thread=True, exclusive=True, group="run", exit_on_error=False)
    def _run(self, t: int, to_end: bool = False) -> None:
        """From iteration ``t``: compute the next iteration, post it, wait ``pace`` seconds; until the
        run's end or the worker's cancellation (which also ends the wait at once). ``to_end``: no
        waits, and only the last iteration is posted."""
        worker = get_current_worker()
        session = self.session
        while not worker.is_cancelled and session.compute_through(t + 1):
            t += 1
            if not to_end:
                self.post_message(RunStep(worker, t))
                worker.cancelled_event.wait(self.pace)
        if to_end and not worker.is_cancelled:
            self.post_message(RunStep(worker, t))

    def on_run_step(self, message: RunStep) -> None:
        """One iteration of the run (or, to the end, its last one), taken into the session and drawn
        (on the UI thread). A step of a stopped run (its worker cancelled: a key moved, g or Esc) is
        not taken."""
        if message.worker.is_cancelled:
            return
        try:  # the next iteration is one step (the M step, after an E step); the end of a run to the end, a move
            outcome = self.session.step() if message.t == self.frame.t + 1 else self.session.goto(message.t)
        except Refused:  # nothing left to step to (the end was reached another way)
            outcome = None
        if outcome is None or self.session.at_end:
            self.workers.cancel_group(self, "run")  # the end: the worker stops waiting for a next iteration
            self.show(self.session.run_finished())
        else:
            self.show(outcome)
