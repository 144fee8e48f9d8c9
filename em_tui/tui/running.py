"""Running to convergence (key g): a Textual worker that steps until the end at a readable pace.

The worker computes each next iteration of the run in its thread and posts a :class:`RunStep`
for it; the handler, on the UI thread, moves the session on to that iteration (already computed:
nothing slow is left to do) and draws the session's frame, so the iteration shown is always the
session's. Any move, g or Esc cancels the worker, and the run stops at once: the pace is a wait
on the worker's own cancellation, and a step a cancelled worker posted is not taken.
"""

from __future__ import annotations

from textual import work
from textual.widgets import Input
from textual.worker import get_current_worker

from ..errors import Refused
from .messages import RunStep
from .workers import going_on


class Runs:
    """The app's run to convergence (mixed into :class:`~em_tui.tui.app.EmApp`; its handlers are named
    ``on_<message>``, since ``@on`` is only read on the app's own class)."""

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
        try:
            started = self.session.run_started()
        except Refused as exc:
            self.refuse(exc)
            return
        self._run(self.frame.t)
        self.say(started)  # "running", now that the worker is there

    def action_escape(self) -> None:
        if self.running:
            self._stop_run()
        elif isinstance(self.focused, Input):
            self.set_focus(None)

    @work(thread=True, exclusive=True, group="run", exit_on_error=False)
    def _run(self, t: int) -> None:
        """From iteration ``t``: compute the next iteration, post it, wait ``pace`` seconds; until the
        run's end or the worker's cancellation (which also ends the wait at once)."""
        worker = get_current_worker()
        session = self.session
        while not worker.is_cancelled and session.compute_through(t + 1):
            t += 1
            self.post_message(RunStep(worker, t))
            worker.cancelled_event.wait(self.pace)

    def on_run_step(self, message: RunStep) -> None:
        """One iteration of the run, taken into the session and drawn (on the UI thread). A step of a
        stopped run (its worker cancelled: a key moved, g or Esc) is not taken."""
        if message.worker.is_cancelled:
            return
        try:
            outcome = self.session.step()
        except Refused:  # nothing left to step to (the end was reached another way)
            outcome = None
        if outcome is None or self.session.at_end:
            self.workers.cancel_group(self, "run")  # the end: the worker stops waiting for a next iteration
            self.show(self.session.run_finished())
        else:
            self.show(outcome)
