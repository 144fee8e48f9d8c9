"""The lab mode (key L): predict, then reveal. Each half step is asked about first.

In lab mode the step key and the E and M keys take one half step each, after a question
(:class:`~em_tui.tui.screens.question.QuestionScreen`) about it made by the session's lab
(:mod:`em_tui.session.lab`): the answer is scored and recorded, then the step is taken and shown,
and the status line gives the verdict (the right answer, its tolerance) and, while the mode is on, the
score (the footer's key shows it too: "L 3/5"). Keys that jump over steps (run, to the end, the last
iteration, a later iteration typed in the t field) are refused with a clear status; going back (←,
Home, an earlier t) works and scores nothing. Leaving the mode keeps the record.
"""

from __future__ import annotations

from functools import partial

from ..errors import Refused
from ..session import words
from ..session.lab import Entry, LabAnswered, LabCancelled, LabRefused, Question
from .screens.question import QuestionScreen

#: The actions that jump over steps, refused in lab mode.
JUMPS = ("run", "to_end", "end")
#: The actions that take a half step in lab mode, after a question.
STEPS = ("step", "e_step", "m_step")
#: The views refused in lab mode: they show the next step's answer (γ at the parameters shown, the
#: worked E and M steps).
PEEKS = ("responsibilities", "work")


class LabMode:
    """The app's lab mode (mixed into :class:`~em_tui.tui.app.EmApp` before :class:`~em_tui.tui.running.Runs`,
    whose run keys it refuses in lab mode)."""

    def action_lab(self) -> None:
        self._stop_run()
        self.say(self.session.note(self.session.lab.toggle()))
        self.refresh_bindings()  # the footer's key shows the score while the mode is on

    def get_key_display(self, binding) -> str:
        """How the footer shows a key: the lab mode's key with the score while the mode is on ("L 3/5")."""
        shown = super().get_key_display(binding)
        lab = self.session.lab
        return f"{shown} {lab.score[0]}/{lab.score[1]} " if binding.action == "lab" and lab.on else shown

    def lab_status(self) -> str:
        """The end of the status line: the lab mode and its score while it is on ("" when off)."""
        lab = self.session.lab
        return words.lab_status(lab.on, *lab.score, self.keys)

    def lab_takes(self, action: str) -> bool:
        """In lab mode: ask before the half step ``action`` (one of STEPS) would take, or refuse a jump (one
        of JUMPS) or a view that shows the answer (one of PEEKS); True if the lab took the key. False: the key acts as it does outside the mode (any
        other key, and a step the session refuses anyway: at the end, an M step before the E step)."""
        s = self.session
        if not s.lab.on or action not in JUMPS + STEPS + PEEKS:
            return False
        if action in JUMPS + PEEKS:
            self.say(error=words.describe(LabRefused(peek=action in PEEKS), self.keys))
            return True
        e = not s.half if action == "step" else action == "e_step"
        if (e and (s.half or s.at_end)) or (not e and not s.half):
            return False
        question = s.lab.ask(s)
        if question.point is not None:  # the point asked about, marked ▲ on the strip above the box
            self.show(s.mark_point(question.point))
        self.push_screen(QuestionScreen(question, s.lab.answer, words.lab_score(*s.lab.score)),
                         partial(self._lab_answered, question))
        return True

    def lab_jumps(self, field: str, value) -> None:
        """In lab mode, a later iteration typed in the t field is refused (raises Refused)."""
        if self.session.lab.on and field == "t" and isinstance(value, int) and value > self.session.t:
            raise Refused(words.describe(LabRefused(), self.keys))

    def _lab_answered(self, question: Question, entry: Entry | None) -> None:
        s = self.session
        if entry is None:
            self.say(s.note(LabCancelled(question.step)))
            return
        try:
            then = s.m_step() if question.half else s.e_step()
        except Refused as exc:  # the state changed under the question (it cannot: the box is modal)
            self.refuse(exc)
            return
        self.show(s.note(LabAnswered(entry, *s.lab.score, then)))
        self.refresh_bindings()  # the new score in the footer

    def open_work(self, index: int) -> None:
        if not self.lab_takes("work"):
            super().open_work(index)

    def action_run(self) -> None:
        if not self.lab_takes("run"):
            super().action_run()

    def action_to_end(self) -> None:
        if not self.lab_takes("to_end"):
            super().action_to_end()
