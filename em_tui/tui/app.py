"""The simulator: step through EM on the lesson's data with the keyboard.

State flow (one direction): a key or an input becomes an action here, the
action calls the :class:`~em_tui.session.session.Session` (which calls the core
engine) and gets an outcome back; :mod:`em_tui.session.words` words it for the status
line, and the session builds a new immutable frame, set on the app's ``frame``
reactive (:meth:`EmApp.show`); a change of the words alone is a copy of the frame
with a new status (:meth:`EmApp.say`). Every widget is bound to it and redraws only
its own part when that part changed. Running to convergence and exports are Textual
workers: the engine's iteration runs in a thread, so keys are answered while it runs.
"""

from __future__ import annotations

import signal
from typing import Iterable

from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.reactive import reactive
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.widgets import Header, Static
from textual.worker import Worker, WorkerState

from ..core.faults import FAULTS
from ..session import outcomes as out
from ..session import view
from ..session import words
from . import keynames
from .keyorder import KeysInOrder
from .lifecycle import Lifecycle
from .labmode import LabMode
from .pointing import Pointing
from .running import RUN_PACE, Runs
from .writing import Writes
from .screens.anomaly import AnomalyScreen
from .screens.choice import ChoiceScreen
from .screens.compare import CompareScreen
from .screens.data import DataScreen, cannot_read
from .screens.llpath import LLPathScreen
from .screens.optima import OptimaScreen
from .screens.resp import ResponsibilityScreen
from .screens.selectk import SelectKScreen
from .screens.start import StartScreen
from .commands import SIMULATOR_KEYS, SimulatorCommands
from ..errors import failure_message
from .screens.help import HelpScreen
from .plain import plain
from ..session.scenario import LESSON, PRESET_WORDS, PRESETS, Scenario
from ..session.session import Frame, Refused, Session
from ..session.sessionfile import SessionError
from .widgets.controls import Controls
from .widgets.footer import KeyFooter
from .widgets.plots import ClaimStrip, LLPlot, MixturePlot
from .widgets.table import ParamTable

#: The smallest terminal the screen is laid out for (an SSH default).
MIN_WIDTH, MIN_HEIGHT = 80, 24
#: From this width the side panel is the wide one, from this height the status line has room for
#: long messages (the "-wide" and "-tall" classes of app.tcss).
WIDE_FROM, TALL_FROM = 110, 30
TITLE = "em-tui — EM on a 1-D Gaussian mixture"


class EmApp(KeysInOrder, Lifecycle, LabMode, Pointing, Runs, Writes, App[None]):
    """The EM simulator."""

    CSS_PATH = "app.tcss"
    TITLE = TITLE
    #: Ctrl+P: every key's action, the presets and the faults, searchable (see tui/commands.py)
    COMMANDS = App.COMMANDS | {SimulatorCommands}
    AUTO_FOCUS = None
    #: The side panel is wider from WIDE_FROM columns on; the status line has 3 rows from TALL_FROM on.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE_FROM, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (TALL_FROM, "-tall")]

    #: The keys, declared once (tui/commands.py): the footer, the help's key table and the palette read them.
    BINDINGS = SIMULATOR_KEYS

    #: what the screen shows now (built by the session; every widget draws its own part of it)
    frame: reactive[Frame | None] = reactive(None, init=False, repaint=False)

    def __init__(self, session: Session, pace: float = RUN_PACE) -> None:
        super().__init__()
        self.session = session
        self.pace = pace
        #: the status line's words and whether they are a refusal (kept when the frame is rebuilt)
        self._status: tuple[str, bool] = ("", False)
        #: the error of the app's own (a bug) that ended it, for the command line to report in one line
        self.failure: Exception | None = None
        #: the signal that ended the app (see lifecycle.STOP_SIGNALS), or None
        self.stopped_by: signal.Signals | None = None

    @property
    def scenario(self) -> Scenario:
        """The scenario the app runs (the session's, changed only through the session)."""
        return self.session.scenario

    # -- layout -------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header(icon="EM")
        yield Static("", id="banner")
        with Horizontal(id="main"):
            with Vertical(id="plots"):
                yield MixturePlot(id="mixture").data_bind(EmApp.frame)
                yield ClaimStrip(id="strip").data_bind(EmApp.frame)
                yield LLPlot(id="llplot").data_bind(EmApp.frame)
            with Vertical(id="side"):
                yield Controls(id="controls").data_bind(EmApp.frame)
                yield ParamTable(id="table").data_bind(EmApp.frame)
        yield Static("", id="status")
        yield Static("", id="too-small")
        yield KeyFooter(compact=True)

    #: Textual's own palette commands left out: maximizing a field blanks the panels around it, and
    #: Textual's key panel does not close with Esc (the help, ?, lists every key instead)
    HIDDEN_SYSTEM_COMMANDS = ("Maximize", "Minimize", "Keys")

    def get_system_commands(self, screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title not in self.HIDDEN_SYSTEM_COMMANDS:
                yield command

    def on_mount(self) -> None:
        self._stop_on_signals()
        self.show(self.session.last)
        self._check_size(self.size.width, self.size.height)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker is reported: its error (a refusal's own words, "not enough
        memory…", or "internal error (Type: text)") goes to the status line of the screen that
        started it (a dialog's ``show_error``), or the simulator's status line; the app goes on.
        Dialogs pass their workers' state changes on to here."""
        if event.state != WorkerState.ERROR:
            return
        text = failure_message(event.worker.error)
        show_error = getattr(event.worker.node, "show_error", None)
        if callable(show_error):
            show_error(text)
        else:
            self.show_error(text)

    def on_resize(self, event: Resize) -> None:
        self._check_size(event.size.width, event.size.height)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Below the minimum size nothing but quitting works (the screen shows only the message)."""
        if self.screen_stack and self.screen_stack[0].has_class("too-small") and action != "quit":
            return False
        return super().check_action(action, parameters)  # the point mode's keys (tui/pointing.py)

    def _check_size(self, width: int, height: int) -> None:
        """Below MIN_WIDTH×MIN_HEIGHT the simulator's screen says so instead (the sizes of its parts
        follow the breakpoints in app.tcss). This one stays in Python: the message names the
        terminal's own size, the footer's keys must be refreshed when the state flips (only q works
        below the minimum), and Textual's breakpoints are one class per axis, where "too small" is
        either axis below its minimum."""
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        if small != self.screen_stack[0].has_class("too-small"):
            self.refresh_bindings()  # the footer shows the keys that work again (or only q)
        self.screen_stack[0].set_class(small, "too-small")  # the simulator's screen, under any dialog
        if small:
            self.query_one("#too-small", Static).update(
                f"terminal too small — need {MIN_WIDTH}×{MIN_HEIGHT}, this one is {width}×{height}.\n"
                f"Make the window larger (or the font smaller); {self.keys('quit')} quits."
            )

    # -- drawing ------------------------------------------------------------
    def keys(self, action: str, others: bool = False) -> str:
        """The key the bindings give ``action`` (the words name keys through this)."""
        return keynames.key_for(self.BINDINGS, action, others)

    def show(self, outcome: out.Outcome) -> None:
        """A new frame from the session, after ``outcome`` changed what it shows (the status says what it did)."""
        self._status = (words.describe(outcome, self.keys), False)
        strip = (0, 0) if self.frame is None else (self.frame.strip_left, len(self.frame.strip))
        with self.batch_update():
            self.frame = self.session.frame(status=self._status_words(), refused=False, strip=strip)

    def say(self, outcome: out.Outcome | None = None, error: str | None = None) -> None:
        """New words in the status line only (what ``outcome`` did without changing what is drawn, why a
        key did nothing, or, with neither, "running" on or off): the frame is the same but for its status."""
        if error is not None:
            self._status = (f"✗ {error}", True)
        elif outcome is not None:
            self._status = (words.describe(outcome, self.keys), False)
        if self.frame is None:  # nothing drawn yet: the whole frame
            self.frame = self.session.frame(status=self._status_words(), refused=self._status[1])
        else:
            self.frame = view.with_status(self.frame, self._status_words(), self._status[1])

    def _status_words(self) -> str:
        said, refused = self._status
        if not refused:
            running = self.running and not isinstance(self.session.last, out.RunFinished)
            said = words.status_line(said, running, self.session.fault, self.keys, self.pace, self.to_end)
        return said + self.lab_status()

    def show_error(self, words: str) -> None:
        """A failure (a worker's, say) in the status line, as a refusal is shown."""
        self.say(error=words)

    def refuse(self, exc: Refused) -> None:
        self.say(error=words.refusal(exc, self.keys))

    def watch_frame(self, old: Frame | None, frame: Frame) -> None:
        """The banner and the status line (the widgets draw the rest of the frame themselves)."""
        if old is None or old.banner != frame.banner:  # only a change of the banner needs a new layout
            banner = self.query_one("#banner", Static)
            banner.set_class(bool(frame.banner), "shown")
            banner.update(plain(frame.banner))
        status = self.query_one("#status", Static)
        status.set_class(frame.refused, "refused")
        status.update(plain(frame.status), layout=False)

    @on(MixturePlot.CanvasMoved)
    def _strip_moved(self, event: MixturePlot.CanvasMoved) -> None:
        """The top panel's canvas moved: the strip's cells again, under it (nothing else is computed)."""
        frame = self.frame  # None before the first frame: the plot reports its canvas again when it draws one
        if frame is not None and (event.left, event.width) != (frame.strip_left, len(frame.strip)):
            self.frame = view.with_strip(self.frame, (event.left, event.width))

    def _do(self, fn, *args) -> bool:
        """Call the session; show its outcome, or its refusal in the status line instead of raising."""
        try:
            outcome = fn(*args)
        except Refused as exc:
            self.refuse(exc)
            return False
        self.show(outcome)
        return True

    # -- actions ------------------------------------------------------------
    def _move(self, action: str, move) -> None:
        """A key that moves through the run: the run stops; in lab mode a step is asked about first."""
        self._stop_run()
        if not self.lab_takes(action):
            self._do(move)

    def action_step(self) -> None:
        self._move("step", self.session.step)

    def action_back(self) -> None:
        self._move("back", self.session.back)

    def action_e_step(self) -> None:
        self._move("e_step", self.session.e_step)

    def action_m_step(self) -> None:
        self._move("m_step", self.session.m_step)

    def action_home(self) -> None:
        self._move("home", self.session.home)

    def action_end(self) -> None:
        self._move("end", self.session.to_last)

    def action_new_seed(self) -> None:
        """The lesson: new data from the next seed. Your own data: a new k-means start."""
        self._stop_run()
        self.query_one("#controls", Controls).clear_errors()
        self._do(self.session.new_seed)

    def action_presets(self) -> None:
        try:
            names = self.session.preset_names()
        except Refused as exc:
            self.refuse(exc)
            return
        options = [(name, f"{name}: {PRESETS[name].shows}") for name in names]
        self.push_screen(ChoiceScreen(f"Presets from the lesson ({PRESET_WORDS})", options), self.apply_preset)

    def apply_preset(self, choice: str | None) -> None:
        """Start again from the preset named ``choice`` (None: the choice was closed unmade)."""
        if choice is not None:
            self._stop_run()
            self.query_one("#controls", Controls).clear_errors()
            self._do(self.session.preset, choice)

    def action_faults(self) -> None:
        options = [("none", "none — correct EM")] + [(f.name, f"{f.name}: {f.summary}") for f in FAULTS.values()]
        self.push_screen(ChoiceScreen("Teaching faults: wrong updates (watch the banner)", options), self.apply_fault)

    def apply_fault(self, choice: str | None) -> None:
        """Start again with the teaching fault named ``choice`` ("none": correct EM; None: closed unmade)."""
        if choice is not None:
            self._stop_run()
            self._do(lambda: self.session.restart(fault=choice))

    def action_responsibilities(self) -> None:
        if not self.lab_takes("responsibilities"):  # in lab mode γ would give the next E step away
            self._stop_run()  # the view shows one iteration: the run stops there
            (x_sorted, order), f = self.session.sorted_data(), self.frame
            self.push_screen(ResponsibilityScreen(x_sorted, order, f.params, f.t, f.half, f.e_normalised, self.open_work))

    def action_ll_path(self) -> None:
        self._stop_run()  # the path up to the iteration shown
        f = self.frame
        self.push_screen(LLPathScreen(f.ll, f.ll_sizes, None if f.alarm is None else f.alarm.iteration))

    def _new_run_shown(self) -> None:
        """After new data or a new start: no run going on, fields for the new K and data, redraw."""
        self.workers.cancel_group(self, "run")
        self.query_one("#controls", Controls).clear_errors()
        self.show(self.session.last)

    def action_start_editor(self) -> None:
        s = self.session
        self.push_screen(StartScreen(s.prepare_start, self._take_start, s.scenario, s.data, s.start))

    def _take_start(self, made) -> None:
        """The start editor's new start, made ready (in its worker for restarts): shown from iteration 0."""
        self.session.take_start(made)
        self._new_run_shown()

    def action_choose_k(self) -> None:
        self._stop_run()
        s = self.session
        self.push_screen(SelectKScreen(self._open_fit, s.data, s.scenario))

    def action_optima(self) -> None:
        self._stop_run()
        s = self.session
        self.push_screen(OptimaScreen(self._open_fit, s.data, s.scenario, s.start))

    def action_compare(self) -> None:
        self._stop_run()
        self.push_screen(CompareScreen(self.session.data, self.scenario, self.frame.x_range))

    def action_anomalies(self) -> None:
        self._stop_run()  # the list is for the iteration shown
        f = self.frame
        self.push_screen(AnomalyScreen(self._mark_anomalies, f.params, f.t, self.session.anomaly_quantile))

    def _mark_anomalies(self, quantile: float | None):
        """The anomaly screen's quantile: the flagged points (marks on), None (marks off), or why not."""
        try:
            outcome = self.session.mark_anomalies(quantile)
        except Refused as exc:
            return words.refusal(exc, self.keys)
        self.show(outcome)
        return outcome.found

    def _open_fit(self, k: int, start, what: str, run=None) -> str | None:
        """A search screen's choice: shown in the main view (None), or the reason it was not."""
        try:
            self.session.open_fit(k, start, what, run)
        except Refused as exc:
            return words.refusal(exc, self.keys)
        self._new_run_shown()
        return None

    def action_data(self) -> None:
        self._stop_run()  # new data replace the run
        self.push_screen(DataScreen(self.session.prepare_data, self._take_data, self.session.label))

    def _take_data(self, loaded) -> None:
        """The data screen's new data, made ready in its worker: shown from iteration 0."""
        self._stop_run()
        self.session.take_data(loaded)
        self._new_run_shown()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.session.n))

    # -- fields -------------------------------------------------------------
    @on(Controls.Changed)
    def _field_changed(self, event: Controls.Changed) -> None:
        self._stop_run()
        controls = self.query_one("#controls", Controls)
        try:
            self.lab_jumps(event.field, event.value)  # in lab mode a later t is refused
            outcome = self.session.set_field(event.field, event.value)
        except Refused as exc:
            why = words.refusal(exc, self.keys)
            controls.show_error(event.field, why)
            self.say(error=why)
            return
        self.set_focus(None)
        controls.clear_errors()
        self.show(outcome)
        controls.show(self.frame, force=True)


def open_session(path, pace: float = RUN_PACE) -> EmApp:
    """The app on a saved session (raises SessionError, with nothing opened, if the file is bad)."""
    from ..session.sessionfile import load

    try:
        session = load(path)
    except OSError as exc:  # its data file cannot be looked at: said as the session's problem
        raise SessionError(f"{path}: {cannot_read(exc)}") from None
    return EmApp(session, pace=pace)


def create_app(scenario: Scenario = LESSON, *, pace: float = RUN_PACE) -> EmApp:
    """Build the app on ``scenario`` (the lesson's unless given; :meth:`Scenario.build` makes one from
    loose settings): the one factory the command line, the tests and the benchmarks use."""
    return EmApp(Session(scenario), pace=pace)
