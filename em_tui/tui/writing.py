"""Files the simulator writes: key x's export (a Textual worker) and key s's session file.

Both go to the current folder under new names (nothing is overwritten); in a browser
(em-tui serve) the file is also handed to the browser as a download.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from ..errors import Refused
from ..session import outcomes as out
from ..session import words
from ..session.sessionfile import SessionError, save as save_session
from .messages import ExportDone
from .workers import unfinished


class Writes:
    """The app's exports and session files (mixed into :class:`~em_tui.tui.app.EmApp`; handlers named
    ``on_<message>``, since ``@on`` is only read on the app's own class)."""

    def action_export(self) -> None:
        """Write parameters and responsibilities to a new CSV in the current folder (in a thread).

        What is written is taken when x is pressed: keys pressed while the file is written
        (new data, another iteration) do not reach it."""
        writing = unfinished(self, "export")
        if writing:
            self.say(error=words.still_writing(writing[0].name))
            return
        s = self.session
        snapshot = s.export_snapshot()
        path = _in_current_folder(f"em-tui-{s.scenario_stem}.csv")
        self.say(s.note(out.Writing(path.name)))
        # the worker is named after its file (what a second x is told); run_worker is what @work calls
        self.run_worker(partial(self._export, snapshot, path), name=path.name, group="export", thread=True,
                        exclusive=True, exit_on_error=False)

    def _export(self, snapshot, path: Path) -> None:
        """The export's worker: write the file, then say so. A file that cannot be written is refused
        with the reason (nothing was written); like any failure of a worker, the app's one
        ``on_worker_state_changed`` shows it in the status line."""
        try:
            written = snapshot.save(path)
        except OSError as exc:
            raise Refused(words.write_failed(path, exc)) from None
        self.post_message(ExportDone(snapshot.t, snapshot.n, path, written))

    def on_export_done(self, done: ExportDone) -> None:
        self.say(self.session.note(out.Written("export", str(done.written), done.path.name, done.t, done.n,
                                               self._offer_download(done.written))))

    def action_save(self) -> None:
        """Save the scenario as a new session file in the current folder (em-tui --session FILE reopens it)."""
        s = self.session
        path = _in_current_folder(f"em-tui-session-{s.scenario_stem}.json")
        try:
            written = save_session(s, path)
        except OSError as exc:
            self.say(error=words.write_failed(path, exc))
            return
        except SessionError as exc:
            self.say(error=words.not_saved(exc))
            return
        self.say(s.note(out.Written("session", str(written), path.name, s.t, s.data.n,
                                     self._offer_download(written))))

    def _offer_download(self, path: Path) -> str:
        """In a browser (em-tui serve), hand the file just written to the browser as a download: the file
        is on the server, not on the student's machine. Returns the words to add to the status line."""
        if not self.is_web:
            return ""
        try:
            self.deliver_text(path, encoding="utf-8")
        except OSError as exc:
            return words.download_words(exc)
        return words.download_words(None)


def _in_current_folder(name: str) -> Path:
    """Where x and s write ``name``: the current folder (a relative name if the folder was removed,
    so that the write fails with a message instead of the key crashing)."""
    try:
        return Path.cwd() / name
    except OSError:
        return Path(name)
