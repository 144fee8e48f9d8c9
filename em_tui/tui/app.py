"""The simulator: step through EM on the lesson's data with the keyboard.

State flow (one direction): a key or an input becomes an action here, the
action calls the :class:`~em_tui.app.session.Session` (which calls the core
engine), the session gives a new immutable frame, and :meth:`EmApp.show_frame`
redraws what changed inside one ``batch_update()``. Running to convergence
happens in a worker: the engine's iteration runs in a thread, so keys are
answered while it runs.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.widgets import Footer, Header, Input, Static
from textual.worker import Worker, WorkerFailed, WorkerState

from ..core import data as data_mod
from ..core.faults import FAULTS
from ..core.trajectory import DEFAULT_MAX_ITER
from .screens.anomaly import AnomalyScreen
from .screens.choice import ChoiceScreen
from .screens.compare import CompareScreen
from .screens.data import DataScreen, cannot_read
from .screens.optima import OptimaScreen
from .screens.resp import ResponsibilityScreen
from .screens.selectk import SelectKScreen
from .screens.start import StartScreen
from .commands import SIMULATOR_KEYS, SimulatorCommands
from .screens.dialog import failure_text
from .screens.help import HelpScreen
from .plain import pasted, plain
from ..session.session import PRESETS, SEED_LIMIT, Frame, Refused, Session
from ..session.sessionfile import SessionError, save as save_session
from .widgets.controls import Controls
from .widgets.plots import ClaimStrip, LLPlot, MixturePlot
from .widgets.table import ParamTable

#: The smallest terminal the screen is laid out for (an SSH default).
MIN_WIDTH, MIN_HEIGHT = 80, 24
#: From this width the side panel is the wide one, from this height the status line has room for
#: long messages (the "-wide" and "-tall" classes of app.tcss).
WIDE_FROM, TALL_FROM = 110, 30
#: Seconds between iterations while running to convergence (a readable pace).
RUN_PACE = 0.15
TITLE = "em-tui — EM on a 1-D Gaussian mixture"
#: Signals that end the app the way q does, so that the terminal is restored on the way out. Not SIGHUP:
#: after a hang-up there is no terminal to restore, and writing to it would keep the app from ending.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class EmApp(App[None]):
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

    def __init__(self, session: Session, pace: float = RUN_PACE) -> None:
        super().__init__()
        self.session = session
        self.pace = pace
        #: the token of the run to convergence going on, or None; a worker acts only while it owns it
        self._run_token: int | None = None
        self._runs = 0
        self._frame: Frame | None = None
        self._data_key: tuple | None = None
        self._banner_text: str | None = None
        #: the name of the export being written, or None
        self._exporting: str | None = None
        #: the error of the app's own (a bug) that ended it, for the command line to report in one line
        self.failure: Exception | None = None
        #: the signal that ended the app (see STOP_SIGNALS), or None
        self.stopped_by: signal.Signals | None = None

    # -- layout -------------------------------------------------------------
    def compose(self) -> ComposeResult:
        s = self.session
        yield Header(icon="EM")
        yield Static("", id="banner")
        with Horizontal(id="main"):
            with Vertical(id="plots"):
                yield MixturePlot(s.histogram, s.x_range, s.start, s.truth, id="mixture")
                yield ClaimStrip(id="strip")
                yield LLPlot(id="llplot")
            with Vertical(id="side"):
                yield Controls(s.max_iter, k=s.k, simulated=s.simulated, id="controls")
                yield ParamTable(id="table")
        yield Static("", id="status")
        yield Static("", id="too-small")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._stop_on_signals()
        self.show_frame()
        self._check_size(self.size.width, self.size.height)

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

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker is reported: its error (a refusal's own words, "not enough
        memory…", or "internal error (Type: text)") goes to the status line of the screen that
        started it (a dialog's ``show_error``), or the simulator's status line; the app goes on.
        Dialogs pass their workers' state changes on to here."""
        if event.state != WorkerState.ERROR:
            return
        text = failure_text(event.worker.error)
        show_error = getattr(event.worker.node, "show_error", None)
        if callable(show_error):
            show_error(text)
        else:
            self.show_frame(error=text)

    def on_resize(self, event: Resize) -> None:
        self._check_size(event.size.width, event.size.height)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Below the minimum size nothing but quitting works (the screen shows only the message)."""
        if self.screen_stack and self.screen_stack[0].has_class("too-small") and action != "quit":
            return False
        return True

    def _check_size(self, width: int, height: int) -> None:
        """Below MIN_WIDTH×MIN_HEIGHT the simulator's screen says so instead (the sizes of its parts
        follow the breakpoints in app.tcss)."""
        # the strip follows the plot's new width once the layout has been done
        self.call_after_refresh(lambda: self._frame is not None and self._show_strip(self._frame))
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.screen_stack[0].set_class(small, "too-small")  # the simulator's screen, under any dialog
        if small:
            self.query_one("#too-small", Static).update(
                f"terminal too small — need {MIN_WIDTH}×{MIN_HEIGHT}, this one is {width}×{height}.\n"
                "Make the window larger (or the font smaller); q quits."
            )

    # -- drawing ------------------------------------------------------------
    def show_frame(self, error: str | None = None) -> None:
        """Take a new frame from the session and redraw what changed."""
        frame = self.session.frame()
        old = self._frame
        with self.batch_update():
            data_key = (frame.seed, frame.n, frame.start, frame.label)
            mixture = self.query_one("#mixture", MixturePlot)
            if data_key != self._data_key:
                mixture.set_data(self.session.histogram, self.session.x_range, frame.start, frame.truth)
                self._data_key = data_key
                old = None
            if old is None or (old.t, old.half, old.params, old.fault) != (frame.t, frame.half, frame.params, frame.fault):
                mixture.show(frame)
                self._show_strip(frame)
            elif old.anomalies is not frame.anomalies:
                self._show_strip(frame)
            if old is None or (old.ll, old.t) != (frame.ll, frame.t):
                self.query_one("#llplot", LLPlot).show(frame)
            self.query_one("#table", ParamTable).show(frame)
            self.query_one("#controls", Controls).show(frame, self.session.start_means)
            self._show_banner(frame)
            status = self.query_one("#status", Static)
            status.set_class(error is not None, "refused")
            status.update(plain(f"✗ {error}" if error is not None else self._status_text(frame)), layout=False)
        self._frame = frame

    def _show_strip(self, frame: Frame) -> None:
        """Under the histogram: which component claims each x, and how sure it is."""
        mixture = self.query_one("#mixture", MixturePlot)
        left = getattr(mixture, "canvas_left", 0)
        width = mixture.size.width - left - 1
        self.query_one("#strip", ClaimStrip).show(
            frame.params, getattr(mixture, "x_limits", self.session.x_range), left, max(width, 0),
            frame.anomalies.values if frame.anomalies is not None else None)

    def _status_text(self, frame: Frame) -> str:
        fault = f"  ·  fault: {frame.fault}" if frame.fault else ""
        run = "  ·  running (g or Esc stops)" if self.running else ""
        return f"{frame.message}{run}{fault}"

    def _show_banner(self, frame: Frame) -> None:
        banner = self.query_one("#banner", Static)
        alarm = frame.alarm
        if alarm is None:
            text = ""
        else:
            why = f"fault “{frame.fault}”" if frame.fault else "not EM's updates"
            text = (f"⚠ LL FELL at iteration {alarm.iteration} by {alarm.amount:.4g} — EM never lets LL fall, "
                    f"so the updates are wrong ({why}). Stays until a new run (start, seed or fault).")
        if text != self._banner_text:  # only a change of the banner needs a new layout
            banner.set_class(alarm is not None, "shown")
            banner.update(plain(text))
            self._banner_text = text

    def _do(self, fn, *args) -> bool:
        """Call the session; show its refusal in the status line instead of raising."""
        try:
            fn(*args)
        except Refused as exc:
            self.show_frame(error=str(exc))
            return False
        self.show_frame()
        return True

    # -- actions ------------------------------------------------------------
    @property
    def running(self) -> bool:
        """A run to convergence is going on."""
        return self._run_token is not None

    async def _stop_run(self) -> None:
        if self._run_token is not None:
            self._run_token = None  # the worker sees this at its next step, even before it is cancelled
            self.workers.cancel_group(self, "run")
            self.session.message = f"run stopped at iteration {self.session.t}."
            self.show_frame()  # the status no longer says "running"

    async def action_step(self) -> None:
        await self._stop_run()
        self._do(self.session.step)

    async def action_back(self) -> None:
        await self._stop_run()
        self._do(self.session.back)

    async def action_e_step(self) -> None:
        await self._stop_run()
        self._do(self.session.e_step)

    async def action_m_step(self) -> None:
        await self._stop_run()
        self._do(self.session.m_step)

    async def action_home(self) -> None:
        await self._stop_run()
        self._do(self.session.home)

    async def action_end(self) -> None:
        await self._stop_run()
        self._do(self.session.goto, self.session.trajectory.iterations)

    async def action_new_seed(self) -> None:
        """The lesson: new data from the next seed. Your own data: a new k-means start."""
        await self._stop_run()
        self.query_one("#controls", Controls).clear_errors()
        s = self.session
        nxt = (s.seed + 1) % (SEED_LIMIT + 1)
        self._do(lambda: s.restart(seed=nxt) if s.simulated else s.restart(seed=nxt, means=None))

    async def action_run(self) -> None:
        if self.running:
            await self._stop_run()
            self.session.message = f"stopped at iteration {self.session.t}."
            self.show_frame()
            return
        if self.session.at_end and not self.session.half:
            self.show_frame(error=self.session.end_reason())
            return
        self._runs += 1
        self._run_token = self._runs
        self.session.message = f"running from iteration {self.session.t} to convergence…"
        self.show_frame()
        self._run_worker(self._runs)

    async def action_escape(self) -> None:
        if self.running:
            await self.action_run()
        elif isinstance(self.focused, Input):
            self.set_focus(None)

    @work(exclusive=True, group="run")
    async def _run_worker(self, token: int) -> None:
        """Step until the end, one iteration per ``pace`` seconds, while this run owns the token."""
        session = self.session
        try:
            while self._run_token == token and not (session.at_end and not session.half):
                await asyncio.to_thread(session.compute_next)  # the engine's work, off the event loop
                if self._run_token != token:
                    return  # stopped (or replaced) while the thread worked
                try:
                    session.step()
                except Refused:
                    break
                self.show_frame()
                await asyncio.sleep(self.pace)
            if self._run_token == token:
                session.message = f"{session.end_reason()} Run finished at iteration {session.t}."
        finally:
            if self._run_token == token:
                self._run_token = None
                self.show_frame()

    def action_presets(self) -> None:
        if not self.session.simulated:
            self.show_frame(error="the presets are the lesson's starts; your data start from k-means "
                                  "(r: another k-means start; fields μ₁, μ₂: your own means when K = 2)")
            return
        options = [(name, f"{name}") for name in PRESETS]
        self.push_screen(ChoiceScreen("Presets from the lesson (σ = 1.5, π = 0.5 to start)", options),
                         self._apply_preset)

    async def _apply_preset(self, choice: str | None) -> None:
        if choice is None:
            return
        await self._stop_run()
        self.query_one("#controls", Controls).clear_errors()
        if self._do(lambda: self.session.restart(means=PRESETS[choice])):
            self.session.message = f"preset “{choice}”: " + self.session.message
            self.show_frame()

    def action_faults(self) -> None:
        options = [("none", "none — correct EM")] + [(f.name, f"{f.name}: {f.summary}") for f in FAULTS.values()]
        self.push_screen(
            ChoiceScreen("Teaching faults: wrong updates (watch the banner)", options),
            self._apply_fault,
        )

    async def _apply_fault(self, choice: str | None) -> None:
        if choice is None:
            return
        await self._stop_run()
        self._do(lambda: self.session.restart(fault=choice))

    async def action_responsibilities(self) -> None:
        await self._stop_run()  # the view shows one iteration: the run stops there
        s = self.session
        x_sorted, order = s.sorted_data()
        self.push_screen(ResponsibilityScreen(x_sorted, order, s.trajectory.params(s.t), s.t, s.half))

    @work(group="export")
    async def action_export(self) -> None:
        """Write parameters and responsibilities to a new CSV in the current folder (in a thread).

        What is written is taken when x is pressed: keys pressed while the file is written
        (new data, another iteration) do not reach it."""
        s = self.session
        if self._exporting is not None:
            self.show_frame(error=f"still writing {self._exporting}; wait until it is done")
            return
        snapshot = s.export_snapshot()
        path = _in_current_folder(f"em-tui-{s.scenario_stem}.csv")
        self._exporting = path.name
        s.message = f"writing {path.name}…"
        self.show_frame()
        try:
            written = await asyncio.to_thread(snapshot.save, path)
        except OSError as exc:
            self.show_frame(error=f"could not write {path}: {exc.strerror or exc} (nothing was written)")
            return
        finally:
            self._exporting = None
        s.message = (f"exported the parameters at iteration {snapshot.t} and {snapshot.n:,} points' "
                     f"responsibilities to {written}{_renamed(path, written)}")
        s.message += self._offer_download(written)
        self.show_frame()

    def _new_run_shown(self) -> None:
        """After new data or a new start: no run going on, fields for the new K and data, redraw."""
        self._run_token = None
        self.workers.cancel_group(self, "run")
        controls = self.query_one("#controls", Controls)
        controls.clear_errors()
        controls.configure(self.session.k, self.session.simulated)
        self.show_frame()

    def action_start_editor(self) -> None:
        s = self.session
        self.push_screen(StartScreen(self._set_start, s.data.x, s.start))

    def _set_start(self, k: int, method: str, restarts: int, start) -> str | None:
        """The start editor's choice: taken (None), or the reason it was not."""
        try:
            self.session.set_start(k, method, restarts, start)
        except Refused as exc:
            return str(exc)
        self._new_run_shown()
        return None

    async def action_choose_k(self) -> None:
        await self._stop_run()
        s = self.session
        self.push_screen(SelectKScreen(self._open_fit, s.data.x, s.seed, s.tol, s.max_iter, s.k, s.label, s.fault))

    async def action_optima(self) -> None:
        await self._stop_run()
        s = self.session
        self.push_screen(OptimaScreen(self._open_fit, s.data.x, s.k, s.seed, s.start, s.tol, s.max_iter, s.label,
                                      s.fault))

    async def action_compare(self) -> None:
        await self._stop_run()
        s = self.session
        self.push_screen(CompareScreen(s.data.x, s.k, s.seed, s.x_range))

    async def action_anomalies(self) -> None:
        await self._stop_run()  # the list is for the iteration shown
        s = self.session
        self.push_screen(AnomalyScreen(self._mark_anomalies, s.trajectory.params(s.t), s.t, s.anomaly_quantile))

    def _mark_anomalies(self, quantile: float | None):
        """The anomaly screen's quantile: the flagged points (marks on), None (marks off), or why not."""
        try:
            self.session.mark_anomalies(quantile)
        except Refused as exc:
            return str(exc)
        self.show_frame()
        return self.session.anomalies()

    def _open_fit(self, k: int, start, what: str, run=None) -> str | None:
        """A search screen's choice: shown in the main view (None), or the reason it was not."""
        try:
            self.session.open_fit(k, start, what, run)
        except Refused as exc:
            return str(exc)
        self._new_run_shown()
        return None

    def action_save(self) -> None:
        """Save the scenario as a new session file in the current folder (em-tui --session FILE reopens it)."""
        s = self.session
        path = _in_current_folder(f"em-tui-session-{s.scenario_stem}.json")
        try:
            written = save_session(s, path)
        except OSError as exc:
            self.show_frame(error=f"could not write {path}: {exc.strerror or exc} (nothing was written)")
            return
        except SessionError as exc:
            self.show_frame(error=f"could not save the session: {exc}")
            return
        s.message = (f"saved the session to {written}{_renamed(path, written)} "
                     f"(reopen it with: em-tui --session {written.name})")
        s.message += self._offer_download(written)
        self.show_frame()

    def _offer_download(self, path: Path) -> str:
        """In a browser (em-tui serve), hand the file just written to the browser as a download: the file
        is on the server, not on the student's machine. Returns the words to add to the status line."""
        if not self.is_web:
            return ""
        try:
            self.deliver_text(path, encoding="utf-8")
        except OSError as exc:
            return f"; your browser could not be given a copy ({exc.strerror or exc})"
        return "; your browser downloads a copy"

    async def action_data(self) -> None:
        await self._stop_run()  # the data screen replaces the run from a worker thread
        self.push_screen(DataScreen(self._load_data, self.session.label, done=self._new_run_shown))

    def _load_data(self, dataset) -> str | None:
        """The data screen's new data (called in a worker thread): taken (None), or why not."""
        try:
            self.session.load_data(dataset)
        except Refused as exc:
            return str(exc)
        return None

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.session.n))

    # -- fields -------------------------------------------------------------
    @on(Controls.Changed)
    async def _field_changed(self, event: Controls.Changed) -> None:
        await self._stop_run()
        controls = self.query_one("#controls", Controls)
        s = self.session
        try:
            if event.field == "mu1":
                s.restart(means=(event.value, self.session.start_means[1]))
            elif event.field == "mu2":
                s.restart(means=(self.session.start_means[0], event.value))
            elif event.field == "seed":
                s.restart(seed=event.value) if s.simulated else s.restart(seed=event.value, means=None)
            elif event.field == "t":
                s.goto(event.value)
        except Refused as exc:
            controls.show_error(event.field, str(exc))
            self.show_frame(error=str(exc))
            return
        self.set_focus(None)
        controls.clear_errors()
        self.show_frame()
        controls.show(self._frame, self.session.start_means, force=True)


def _in_current_folder(name: str) -> Path:
    """Where x and s write ``name``: the current folder (a relative name if the folder was removed,
    so that the write fails with a message instead of the key crashing)."""
    try:
        return Path.cwd() / name
    except OSError:
        return Path(name)


def _renamed(asked: Path, written: Path) -> str:
    """A note when a file went to another name than asked (that name was taken: nothing is overwritten)."""
    return "" if written == asked else f" ({asked.name} exists and was left as it was)"


def open_session(path, pace: float = RUN_PACE) -> EmApp:
    """The app on a saved session (raises SessionError, with nothing opened, if the file is bad)."""
    from ..session.sessionfile import load

    try:
        session = load(path)
    except OSError as exc:  # its data file cannot be looked at: said as the session's problem
        raise SessionError(f"{path}: {cannot_read(exc)}") from None
    return EmApp(session, pace=pace)


def create_app(
    seed: int = data_mod.DEFAULT_SEED,
    n: int = data_mod.DEFAULT_N,
    means: tuple[float, ...] | None = (1.0, 3.0),
    fault: str | None = None,
    max_iter: int = DEFAULT_MAX_ITER,
    pace: float = RUN_PACE,
    dataset: data_mod.DataSet | None = None,
    k: int | None = None,
) -> EmApp:
    """Build the app (the one factory the command line, the tests and the benchmarks use).

    With ``dataset`` (the user's own data) and no ``means``, EM starts from k-means.
    """
    if dataset is not None and means == (1.0, 3.0):
        means = None  # the lesson's default start is not meant for someone else's data
    session = Session(seed=seed, n=n, means=means, fault=fault, max_iter=max_iter, dataset=dataset, k=k)
    return EmApp(session, pace=pace)
