"""The lab mode's question (key L, then a step): one question about the next half step, in a box at the
bottom of the screen (the plots stay in sight above it), answered in a field.

Enter answers: an answer of the wrong kind (a word where a number is asked for, γ above 1) is said in the
box, which stays; a readable one is scored and kept in the record, and the box closes with it (the app then
takes the step). Esc puts the question away: no step is taken and nothing is scored.
"""

from __future__ import annotations

from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Input, Label, Static

from ...errors import Refused
from ...session.lab import Entry, Question
from ..plain import plain
from .dialog import Dialog

#: The longest answer typed (a number or a word is far shorter).
MAX_ANSWER = 40


class QuestionScreen(Dialog[Entry]):
    """The question, what to type and the tolerance, the answer's field and its error line."""

    AUTO_FOCUS = "#question-answer"

    def __init__(self, question: Question, answer: Callable[[Question, str], Entry], score: str) -> None:
        super().__init__()
        self.question = question
        self._answer = answer
        self._score = score

    def compose(self) -> ComposeResult:
        q = self.question
        with Vertical(id="question", classes="dialog-box"):
            yield Label(plain(f"lab · {self._score} · {q.text}"), id="question-text", classes="dialog-title")
            yield Label(plain(f"{q.hint}. {self.key('submit', Input)} answers, then the {q.step} step is shown; "
                              f"{self.key('close')}: no step, nothing scored."), classes="dialog-note")
            yield Input(id="question-answer", max_length=MAX_ANSWER, placeholder="your answer")
            yield Static("", id="question-error", classes="dialog-error")
        yield Footer(compact=True)

    @on(Input.Submitted, "#question-answer")
    def _submitted(self, event: Input.Submitted) -> None:
        field = self.query_one("#question-answer", Input)
        try:
            entry = self._answer(self.question, event.value)
        except Refused as exc:
            self.show_error(str(exc))  # the question stays, nothing recorded
            field.add_class("-invalid")
            return
        self.dismiss(entry)
