"""Running to convergence (key g): a Textual worker that steps until the end at a readable pace.

The engine's iteration is computed in the worker's thread; the step itself (the iteration
shown) is taken on the UI thread. Any move, g or Esc cancels the worker, and the run stops
at once: the pace is a wait on the worker's own cancellation.
"""

from __future__ import annotations

from textual import work
from textual.widgets import Input
from textual.worker import get_current_worker

from ..errors import Refused
from .messages import RunDone


class Runs:
    """The app's run to convergence (mixed into :class:`~em_tui.tui.app.EmApp`; its handlers are named
    ``on_<message>``, since ``@on`` is only read on the app's own class)."""

    @property
    def running(self) -> bool:
        """A run to convergence is going on (a live worker of the "run" group)."""
        return any(w.group == "run" and not w.is_cancelled and not w.is_finished for w in self.workers)

    def _stop_run(self) -> bool:
        """Stop the run to convergence, if one is going on; True if one was."""
        if not self.running:
            return False
        self.workers.cancel_group(self, "run")
        self.show(self.session.run_stopped())  # the status no longer says "running"
        return True

    def action_run(self) -> None:
        if self._stop_run():
            return
        if self._do(self.session.run_started):
            self._run()
            self.show()  # now "running"

    def action_escape(self) -> None:
        if self.running:
            self._stop_run()
        elif isinstance(self.focused, Input):
            self.set_focus(None)

    @work(thread=True, exclusive=True, group="run", exit_on_error=False)
    def _run(self) -> None:
        """Step until the end, one iteration per ``pace`` seconds, until the worker is cancelled.

        The engine's iteration is computed here, in the worker's thread; the step itself (the
        iteration shown) is taken on the UI thread, which must have drawn it before the next one
        is computed: that wait is why this worker calls back instead of posting."""
        worker = get_current_worker()
        session = self.session
        while not worker.is_cancelled:
            session.compute_next()
            if worker.is_cancelled or not self.call_from_thread(self._run_step, worker):
                return
            worker.cancelled_event.wait(self.pace)  # the readable pace; a stop ends the wait at once
        return

    def _run_step(self, worker) -> bool:
        """One iteration of the run, on the UI thread; False when the run is over."""
        if worker.is_cancelled:  # stopped while the iteration was computed
            return False
        try:
            outcome = self.session.step()
        except Refused:
            outcome = None
        if outcome is None or self.session.at_end:
            self.post_message(RunDone(worker))
            return False
        self.show(outcome)
        return True

    def on_run_done(self, message: RunDone) -> None:
        self.show(self.session.run_finished())
