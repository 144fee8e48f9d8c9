"""The input fields: start means, data seed and the iteration to show.

Enter applies a field. A bad value gets a message under its field and nothing
else changes; the app reports a value the session refuses the same way
(:meth:`Controls.show_error`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.validation import Function, ValidationResult, Validator
from textual.widgets import Input, Label, Static

from ...core.checks import parse_whole, to_number
from ...core.reading import is_number
from ...errors import ParameterError
from ..plain import plain
from ..keynames import key_for
from .fields import steady_cursors
from ...session.frame import Frame
from ...session.session import MEAN_LIMIT, SEED_LIMIT


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    validators: tuple[Validator, ...]
    kind: type


def _finite(text: str) -> bool:
    return not is_number(text) or math.isfinite(to_number(text))


def _within_limit(text: str) -> bool:
    """A start mean inside ±MEAN_LIMIT (a text that is no finite number is refused by the checks before)."""
    return not is_number(text) or not math.isfinite(to_number(text)) or abs(to_number(text)) <= MEAN_LIMIT


def whole_check(low: int, high: int, description: str) -> Validator:
    """A field's check for a whole number from ``low`` to ``high``, read as the command line reads one
    (:func:`~em_tui.core.checks.parse_whole`: a minus sign "−" as "-")."""

    def whole(text: str) -> bool:
        try:
            parse_whole(text, "the value", low, high)
        except ParameterError:
            return False
        return True

    return Function(whole, description)


def fields() -> tuple[Field, ...]:
    """The four fields. The iteration's range depends on the run's cap: see :func:`iteration_check`."""
    mean = (
        Function(is_number, "not a number: type a value such as 1.5 or -2 (a decimal point, not a comma)"),
        Function(_finite, "must be a finite number"),
        Function(_within_limit, f"a start mean must be within ±{MEAN_LIMIT:g}"),
    )
    return (
        Field("mu1", "μ₁ start", mean, float),
        Field("mu2", "μ₂ start", mean, float),
        Field("seed", "data seed",
              (whole_check(0, SEED_LIMIT, f"the seed must be a whole number from 0 to {SEED_LIMIT}"),), int),
        Field("t", "show t", (), int),
    )


def iteration_check(cap: int) -> Validator:
    """The "show t" field's check: a whole number from 0 to the run's cap."""
    return whole_check(0, cap, f"the iteration must be a whole number from 0 to {cap}")


class Controls(Vertical):
    """Four one-line fields with a message line under each."""

    class Changed(Message):
        """A field was submitted with a valid value."""

        def __init__(self, field: str, value) -> None:
            super().__init__()
            self.field = field
            self.value = value

    #: the app's frame (bound to it): the fields mirror its seed, iteration and start means, and
    #: follow its K (μ₁/μ₂ only when K = 2), its kind of data (what the seed does) and its cap
    frame: reactive[Frame | None] = reactive(None, init=False, repaint=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._fields = {f.id: f for f in fields()}
        #: the (K, simulated, cap) the fields are laid out for, and the values they show
        self._layout: tuple[int, bool, int] | None = None
        self._state: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        for f in self._fields.values():
            with Horizontal(classes="field", id=f"row-{f.id}"):
                yield Label(f.label, classes="field-label", id=f"label-{f.id}")
                yield Input(id=f"in-{f.id}", validators=list(f.validators), validate_on=["submitted"],
                            select_on_focus=True)
            yield Static("", id=f"err-{f.id}", classes="field-error")

    def _lay_out(self, k: int, simulated: bool, cap: int) -> None:
        """μ₁/μ₂ only when K = 2; the seed draws the lesson's data, or seeds the k-means start on
        the user's own data; the iteration goes up to the cap."""
        self._layout = (k, simulated, cap)
        for fid in ("mu1", "mu2"):
            self.query_one(f"#row-{fid}").display = k == 2
            if k != 2:
                self.clear_error(fid)
        self.query_one("#label-seed", Label).update("data seed" if simulated else "start seed")
        self.query_one("#in-t", Input).validators = [iteration_check(cap)]

    @property
    def shown(self) -> list[str]:
        """The ids of the fields on screen."""
        two = self._layout is None or self._layout[0] == 2
        return [fid for fid in self._fields if two or not fid.startswith("mu")]

    def on_mount(self) -> None:
        steady_cursors(self)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        fid = (event.input.id or "")[3:]
        field = self._fields.get(fid)
        if field is None:
            return
        result: ValidationResult | None = event.validation_result
        if result is not None and not result.is_valid:
            empty = f"type a value, then {key_for(Input.BINDINGS, 'submit')}"  # the key Textual's Input submits on
            self.show_error(fid, result.failure_descriptions[0] if event.value.strip() else empty)
            return
        self.clear_error(fid)
        value = parse_whole(event.value, field.label) if field.kind is int else to_number(event.value)
        self.post_message(self.Changed(fid, value))

    def show_error(self, fid: str, text: str) -> None:
        err = self.query_one(f"#err-{fid}", Static)
        err.update(plain(f"✗ {text}"))
        err.add_class("shown")
        self.query_one(f"#in-{fid}", Input).add_class("-invalid")

    def clear_error(self, fid: str) -> None:
        err = self.query_one(f"#err-{fid}", Static)
        err.update("")
        err.remove_class("shown")
        self.query_one(f"#in-{fid}", Input).remove_class("-invalid")

    def clear_errors(self) -> None:
        for fid in self._fields:
            self.clear_error(fid)

    def watch_frame(self, old: Frame | None, frame: Frame | None) -> None:
        if frame is not None:
            self.show(frame)

    def show(self, frame: Frame, force: bool = False) -> None:
        """Mirror the state in the fields (a field being edited is left alone unless ``force``)."""
        layout = (frame.k, frame.simulated, frame.cap)
        if layout != self._layout:
            self._lay_out(*layout)
        state = {"seed": str(frame.seed), "t": str(frame.t)}
        if frame.k == 2:
            means = frame.start_means
            state.update(mu1=f"{means[0]:.4g}", mu2=f"{means[1]:.4g}")
        self._state = state
        for fid, text in state.items():
            inp = self.query_one(f"#in-{fid}", Input)
            if (force or self.app.focused is not inp) and inp.value != text:
                inp.value = text

    @on(Input.Blurred)
    def _left(self, event: Input.Blurred) -> None:
        """Leaving a field without Enter: it shows the state again and its message goes."""
        fid = (event.input.id or "")[3:]
        if fid in self._state:
            event.input.value = self._state[fid]
            self.clear_error(fid)
