"""The worked arithmetic (w then Enter, or Enter in the responsibilities view): the E step at one
point with every number plugged in (plain and in the log domain), the M step's sums for every
component, the textbook table, and a field in which a student checks their own numbers.

Everything shown is worded by :mod:`em_tui.session.workview` (the check by
:mod:`em_tui.session.workcheck`); this screen only lays it out. The passes over all the data (the M
step, the table's column sums, a check) run in a thread worker, so the screen stays responsive at
10⁶ points; the table computes only the rows on screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import ContentSwitcher, Footer, Input, Label, Static
from textual.worker import Worker, get_current_worker

from ...core.grade import TOLERANCE
from ...errors import Refused
from ...session import workcheck, workview
from ...session.workview import Line, Worked
from ..plain import plain
from ..widgets.canvas import NO_STYLE, fit_line
from .dialog import Dialog

#: Rows of the textbook table computed at a time around the ones on screen.
BLOCK = 128
#: How the line a teaching fault gets wrong is drawn.
FAULTY_STYLE = "bold red"
#: How the textbook table's head and column sums are drawn.
HEAD_STYLE = Style(bold=True)


def lines_text(lines: list[Line]) -> Text:
    """The worked lines as plain text (never markup), the faulty ones in FAULTY_STYLE."""
    text = Text(no_wrap=False)
    for i, line in enumerate(lines):
        if i:
            text.append("\n")
        text.append(str(line), style=FAULTY_STYLE if line.faulty else "")
    return text


class WorkTable(ScrollView, can_focus=True):
    """The textbook table: its head on the first line and the column sums on the last (both stay in
    sight, and scroll sideways with the rows), one row per point (data order) between them, drawn
    through the line API: only the rows on screen are computed (:attr:`computed` counts them)."""

    def __init__(self, worked: Worked, **kwargs) -> None:
        super().__init__(**kwargs)
        self._w = worked
        self._head = workview.table_head(worked)
        #: the column sums' line, once the screen's worker has made it
        self.sums_line = "Σ  computing the column sums…"
        self._block_start, self._block = -1, []
        #: how many rows have been computed so far (never all N at large N)
        self.computed = 0
        self.virtual_size = Size(len(self._head) + 1, worked.n + 2)

    def set_sums(self, line: str) -> None:
        self.sums_line = line
        self.refresh()

    def action_scroll_home(self) -> None:
        self.scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self.scroll_end(animate=False)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)

    def row_text(self, row: int) -> str:
        """The text of data row ``row`` (0-based, data order), computed with its block if need be."""
        start = row - row % BLOCK
        if start != self._block_start:
            stop = min(start + BLOCK, self._w.n)
            self._block = [workview.table_line(r) for r in self._w.rows(start, stop)]
            self._block_start = start
            self.computed += stop - start
        return self._block[row - start]

    def render_line(self, y: int) -> Strip:
        height = self.size.height
        row = self.scroll_offset.y + y - 1
        if y == 0:
            strip = Strip([Segment(self._head, HEAD_STYLE)])
        elif y == height - 1 and height > 2:
            strip = Strip([Segment(self.sums_line, HEAD_STYLE)])
        elif 0 <= row < self._w.n:
            strip = Strip([Segment(self.row_text(row), NO_STYLE)])
        else:
            return Strip.blank(self.size.width, NO_STYLE)
        return fit_line(strip.crop(self.scroll_offset.x, self.scroll_offset.x + self.size.width), self.size.width)


@dataclass
class PassDone(Message):
    """A worker's pass over the data is done: the M step's lines and the column sums' lines."""

    worker: Worker
    m_lines: list[Line]
    sums: list[str]


@dataclass
class Checked(Message):
    worker: Worker
    line: str


class WorkScreen(Dialog[None]):
    """The worked arithmetic over the simulator; e, m and t switch its sections, c checks a number."""

    AUTO_FOCUS = None
    BINDINGS = [
        Binding("e", "section('e')", "E step", tooltip="the E step at the point, plain and in the log domain"),
        Binding("m", "section('m')", "M step", tooltip="the M step: every component's sums and the new parameters"),
        Binding("t", "section('t')", "table", tooltip="the textbook table: one row per point, column sums under it"),
        Binding("c", "check", "check", tooltip="check your own number: type e.g. mu1 1.10 in the field"),
        Binding("q", "close", "close", show=False, tooltip="close, as the close key does"),
    ]

    def __init__(self, session, index: int) -> None:
        super().__init__()
        self.worked = workview.worked(session)
        self.index = index
        #: the M step's lines and the column sums, once the worker has made them
        self.m_lines: list[Line] | None = None
        self.sums: list[str] | None = None
        #: the last verdict line shown ("" before any check)
        self.verdict = ""

    def compose(self) -> ComposeResult:
        w, x = self.worked, float(self.worked.data.x[self.index])
        fault = f" · fault {w.fault.name}: its code's numbers, ✗ the wrong line" if w.fault else ""
        with Vertical(id="work", classes="dialog-box"):
            yield Label(plain(f"Worked: point {self.index + 1:,} (x = {workview.num(x)}) at iteration {w.t}, "
                              f"M step to {w.t + 1}{fault}"), id="work-title", markup=False)
            with ContentSwitcher(initial="work-e", id="work-body"):
                with VerticalScroll(id="work-e", can_focus=True):
                    yield Static(lines_text(workview.e_lines(w, self.index)), id="work-e-text")
                with VerticalScroll(id="work-m", can_focus=True):
                    yield Static("computing the M step's sums over all the data…", id="work-m-text")
                with Vertical(id="work-t"):
                    yield WorkTable(w, id="work-table")
                    yield Static("", id="work-t-sums")
            with Horizontal(id="work-check-line"):
                yield Label(f"check ({self.key('check')}):", id="work-check-label")
                yield Input(placeholder=f"e.g. mu1 1.10, then {self.key('submit', Input)}", id="work-check")
            yield Label("", id="work-verdict", markup=False)
            scroll = "/".join(self.key(a, VerticalScroll) for a in ("scroll_up", "scroll_down", "page_up", "page_down"))
            yield Label(plain(f"{scroll} scroll · {workcheck.ACCEPTED} · γ at iteration {w.t}; N μ σ π after "
                              f"iteration {w.t + 1}; LL: LL[{w.t}], LL{w.t + 1}: LL[{w.t + 1}] · {TOLERANCE}"), classes="dialog-note",
                        id="work-note")
            yield Static("", classes="dialog-error")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#work-e").focus()
        self._passes()

    def action_section(self, name: str) -> None:
        self.query_one("#work-body", ContentSwitcher).current = f"work-{name}"
        target = "#work-table" if name == "t" else f"#work-{name}"
        self.query_one(target).focus()

    @property
    def section(self) -> str:
        """The section shown: "e", "m" or "t"."""
        return str(self.query_one("#work-body", ContentSwitcher).current)[-1]

    def action_check(self) -> None:
        self.query_one("#work-check", Input).focus()

    @work(thread=True, exclusive=True, group="work-pass", exit_on_error=False)
    def _passes(self) -> None:
        """In a thread: the M step and the column sums (two or three passes over the data)."""
        worker = get_current_worker()
        w = self.worked
        m = workview.m_lines(w, w.step())
        sums = workview.sums_lines(w, w.sums())
        if not worker.is_cancelled:
            self.post_message(PassDone(worker, m, sums))

    @on(PassDone)
    def _pass_done(self, message: PassDone) -> None:
        if message.worker.is_cancelled:
            return
        self.m_lines, self.sums = message.m_lines, message.sums
        self.query_one("#work-m-text", Static).update(lines_text(message.m_lines))
        self.query_one(WorkTable).set_sums(message.sums[0])
        self.query_one("#work-t-sums", Static).update(Text("\n".join(message.sums[1:])))

    @on(Input.Submitted, "#work-check")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value
        try:
            workcheck.parse(self.worked, text, self.index)  # a bad entry is said at once; nothing else changes
        except Refused as exc:
            self.show_error(str(exc))
            self._show_verdict("")  # the last verdict is not the answer to what was typed now
            return
        self.show_error("")
        self._check(text)
        self.action_section(self.section)  # the section's keys again (c goes back to the field)

    @work(thread=True, exclusive=True, group="work-check", exit_on_error=False)
    def _check(self, text: str) -> None:
        worker = get_current_worker()
        line = workcheck.verdict_line(workcheck.check(self.worked, text, self.index))
        if not worker.is_cancelled:
            self.post_message(Checked(worker, line))

    @on(Checked)
    def _checked(self, message: Checked) -> None:
        if not message.worker.is_cancelled:
            self._show_verdict(message.line)

    def _show_verdict(self, line: str) -> None:
        self.verdict = line
        label = self.query_one("#work-verdict", Label)
        label.set_class(line.startswith("✗"), "wrong")
        label.update(Text(line))

    def action_close(self) -> None:
        """Esc in the check field leaves the field (what was typed stays); Esc again closes the screen."""
        if isinstance(self.focused, Input):
            self.action_section(self.section)
            return
        super().action_close()
