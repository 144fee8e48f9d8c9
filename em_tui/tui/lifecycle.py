"""How the app starts and ends: pastes made visible, signals that quit as q does, errors reported in one line."""

from __future__ import annotations

import asyncio
import signal

from textual import events
from textual.worker import WorkerFailed

from .plain import pasted

#: Signals that end the app the way q does, so that the terminal is restored on the way out. Not SIGHUP:
#: after a hang-up there is no terminal to restore, and writing to it would keep the app from ending.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Lifecycle:
    """The app's way in and out (mixed into :class:`~em_tui.tui.app.EmApp`)."""

    async def on_event(self, event: events.Event) -> None:
        """A paste reaches the field it goes into with its control characters made visible."""
        if isinstance(event, events.Paste) and not event.is_forwarded:
            event.text = pasted(event.text)
        await super().on_event(event)

    def _stop_on_signals(self) -> None:
        """In a terminal or a browser, SIGTERM quits as q does: Textual's way out leaves the alternate
        screen, turns mouse reporting off and shows the cursor again. Headless (the tests) the
        process's signals are left alone."""
        if self.is_headless:
            return
        loop = asyncio.get_running_loop()
        for sig in STOP_SIGNALS:
            try:
                loop.add_signal_handler(sig, self._stop, sig)
            except (NotImplementedError, RuntimeError, ValueError):  # no such signals here, or not the main thread
                pass

    def _stop(self, sig: signal.Signals) -> None:
        self.stopped_by = signal.Signals(sig)
        self.exit(return_code=128 + int(sig))

    def _handle_exception(self, error: Exception) -> None:
        """An error of the app's own ends it as in Textual (terminal restored, return code 1), but the
        command line reports it in one line (``failure``) instead of a traceback."""
        if self.failure is None:
            self.failure = error.error if isinstance(error, WorkerFailed) else error
        super()._handle_exception(error)
        self._exit_renderables.clear()  # Textual's traceback, printed after the terminal is restored
