"""k-means against EM (key c): hard assignments beside soft responsibilities, on the same data.

Both start from the same k-means++ seeds (those of the app's k-means start for
the session's seed). The left panel shows k-means' hard assignments: each
cluster's indicator over x. The right one shows EM for a mixture whose
components share one fixed standard deviation σ: each responsibility γ_k(x).
Shrinking σ (↓ or −) turns EM's soft shares into k-means' 0/1 assignments and
its means into the k-means centres (see :mod:`em_tui.core.hardsoft`).

k-means runs once in a worker (group ``baseline``); EM at each σ in another (group ``compare``,
exclusive): a newer key press cancels the older computation, which stops at its next iteration.
Results are kept per σ, so going back is instant. What is computed comes from
:mod:`em_tui.session.dialogs`; this module only draws it.
"""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from ...core import hardsoft
from ...session import dialogs
from ...session.compareview import CompareView as View
from ...session.scenario import Scenario
from ..messages import BaselineDone, CompareDone, CompareProgress
from ..colours import plot_colour, text_colour
from ..widgets.plots import _Plot, spread_labels
from .dialog import Dialog

#: The y range of both panels: the rug below 0, the component numbers above 1.
Y_LOW, Y_HIGH, RUG_Y, MARK_Y = -0.16, 1.22, -0.09, 1.12
#: Below this width a panel's title is the short one; below the second, fewer x ticks.
SHORT_TITLE_BELOW, FEW_TICKS_BELOW = 60, 50
#: EM's progress is said every this many iterations of a long computation.
PROGRESS_EVERY = 25
#: Which of the title and σ lines shows (the long or the short) follows the app's "-wide"/"-narrow"
#: breakpoint classes in app.tcss (from WIDE_FROM columns on, as the simulator's side panel). The
#: panels' own titles (SHORT_TITLE_BELOW) and ticks (FEW_TICKS_BELOW) are drawn inside the plots'
#: canvases by plotext, where no stylesheet reaches: those widths stay here.
#: The explanation under the table needs this many rows of terminal (the screen is "-tall" from there).
NOTE_MIN_HEIGHT = 32
#: The top of the ladder, as the keys say it: σ = LADDER_TOP × the data's sd.
TOP_LABEL = f"σ = {hardsoft.LADDER_TOP:g} sd"


def ratio_text(rung: int) -> str:
    """σ / sd on ladder rung ``rung``: 1.5, 0.75, 0.375, ... (halved at each rung).

    The ladder avoids σ = sd itself: there the components sit exactly at the point where EM's
    single merged solution turns into two, and EM creeps for thousands of iterations."""
    return f"{hardsoft.LADDER_TOP / 2 ** rung:.3g}"


def value_format(scale: float) -> str:
    """A format for means and centres with about four significant digits at the data's scale
    (in scientific notation for data far from 1, where fixed point would need hundreds of digits)."""
    if scale > 0 and not 1e-3 <= scale < 1e9:
        return ".3e"
    decimals = max(0, min(6, 3 - math.floor(math.log10(scale)))) if scale > 0 else 3
    return f",.{decimals}f"


class _ComparePlot(_Plot):
    """A panel over the data's x range, y from 0 to 1 (the rug below, the numbers above)."""

    def _axes(self, view: View, title: str) -> None:
        plt = self.plt
        lo, hi = view.x_limits
        plt.xlim(lo, hi)
        plt.ylim(Y_LOW, Y_HIGH)
        plt.yticks([RUG_Y, 0.0, 0.5, 1.0], ["data", "0", "0.5", "1"])
        self.x_ticks(lo, hi, self.dot_columns // 2, 4 if self.size.width < FEW_TICKS_BELOW else 6)
        plt.title(title)

    def _marks(self, positions: np.ndarray, x_limits: tuple[float, float]) -> None:
        """Each component's number above its centre (or mean), in its colour, laid out as on the
        simulator's top panel (:func:`~em_tui.tui.widgets.plots.spread_labels`)."""
        lo, hi = x_limits
        for label, x, first in spread_labels(positions, lo, hi, self.dot_columns // 2):
            self.plt.text(label, x, MARK_Y, color=plot_colour(first), alignment="left")

    def _draw_rug(self, xs: np.ndarray, owner: np.ndarray) -> None:
        for i in range(int(owner.max(initial=-1)) + 1):
            sel = xs[owner == i]
            if sel.size:
                self.plt.scatter(sel.tolist(), [RUG_Y] * sel.size, color=plot_colour(i), marker="braille")

    @property
    def dot_columns(self) -> int:
        return 2 * max(1, self.size.width - 6)  # less the tick labels and the frame


class HardPlot(_ComparePlot):
    """k-means: each cluster's indicator over x (1 where the nearest centre is its own)."""

    def draw(self, view: View) -> None:
        curves = view.hard(self.dot_columns)
        self._draw_rug(curves.rug, curves.owner)
        for i, step in enumerate(curves.steps):
            if step is not None:
                self.plt.plot(*step, color=plot_colour(i), marker="braille")
        self._marks(view.kmeans.centres, view.x_limits)
        self._axes(view, "k-means: hard assignments")


class SoftPlot(_ComparePlot):
    """EM with one shared σ: each responsibility γ_k(x)."""

    def draw(self, view: View) -> None:
        fit = view.em
        if fit is None:
            self._axes(view, "EM with a shared σ: computing…")
            return
        curves = view.soft(self.dot_columns, 4 * max(40, self.size.width))
        if curves.rug.size:
            self._draw_rug(curves.rug, curves.owner)
        for i in range(fit.means.size):
            self.plt.plot(curves.grid, curves.gamma[i].tolist(), color=plot_colour(i), marker="braille")
        self._marks(fit.means, view.x_limits)
        sigma = f"{fit.sd:.4g}"
        if self.size.width < SHORT_TITLE_BELOW:
            title = f"EM, shared σ = {sigma}: γ_k(x)"
        else:
            title = f"EM with a shared σ = {sigma}: responsibilities γ_k(x)"
        self._axes(view, title)


def table_text(kmeans: hardsoft.KMeansFit, fit: hardsoft.SharedSdFit | None, n: int, fmt: str) -> Text:
    """Per component: the k-means centre and cluster size beside EM's mean, weight and soft count."""
    rows = Text(no_wrap=True, overflow="crop")
    rows.append(f"{'#':>2}  {'k-means centre':>14} {'points':>9}  │ {'EM mean':>12} {'weight π':>9} {'Σᵢ γᵢₖ':>11}\n",
                style="bold")
    for i, c in enumerate(kmeans.centres):
        rows.append(f"{i + 1:>2}", style=f"bold {text_colour(i)}")
        rows.append(f"  {format(float(c), fmt):>14} {int(kmeans.sizes[i]):>9,}  │ ")
        if fit is None:
            rows.append(f"{'…':>12} {'…':>9} {'…':>11}")
        else:
            rows.append(f"{format(float(fit.means[i]), fmt):>12} {fit.weights[i]:>9.3f} {fit.weights[i] * n:>11,.1f}")
        if i + 1 < kmeans.centres.size:
            rows.append("\n")
    return rows


def agreement_text(agree: hardsoft.Agreement | None) -> Text:
    if agree is None:
        return Text("points assigned differently: … · mean ½Σₖ|γᵢₖ − hardᵢₖ|: …", no_wrap=True, overflow="crop")
    tv = agree.mean_tv
    tv_text = "0" if tv == 0 else (f"{tv:.4f}" if tv >= 1e-3 else f"{tv:.2e}")
    text = Text(no_wrap=True, overflow="crop")
    text.append("points assigned differently: ")
    text.append(f"{agree.different:,} of {agree.n:,}", style="bold")
    text.append(" · mean ½Σₖ|γᵢₖ − hardᵢₖ|: ")
    text.append(tv_text, style="bold")
    return text


class CompareScreen(Dialog[None]):
    """k-means' hard assignments beside EM's responsibilities with a shared σ, and σ to shrink.

    A full, opaque screen; modal so that the simulator's keys do nothing while it is open.
    """

    BINDINGS = [
        Binding("minus,down", "shrink", "σ ÷ 2", key_display="↓/−", tooltip="halve the shared σ"),
        Binding("plus,equals_sign,up", "grow", "σ × 2", key_display="↑/+", tooltip="double the shared σ"),
        Binding("0,home", "top", TOP_LABEL, key_display="0/Home", tooltip=f"back to the largest σ ({TOP_LABEL})"),
        Binding("end", "bottom", "smallest σ", key_display="End", tooltip="the smallest σ of the ladder"),
        Binding("q", "close", "close", show=False, tooltip="close the comparison, as the close key does"),
    ]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (NOTE_MIN_HEIGHT, "-tall")]

    def __init__(self, data, scenario: Scenario, x_range: tuple[float, float]) -> None:
        """``data``: the session's prepared data; ``scenario``: what the simulator runs (its K and seed)."""
        super().__init__()
        self._k, self._seed = scenario.k, scenario.seed
        x = data
        self._x_limits = (float(x_range[0]), float(x_range[1]))
        self._cd = dialogs.compare_data(x)  # once: every computation below reuses it
        self._scale, self._ladder = self._cd.scale, self._cd.ladder
        self._n = int(self._cd.data.x.size)
        self._fmt = value_format(self._scale)
        self._rung = 0
        #: the comparison at each ladder rung computed so far, and what the panels draw for it
        self.results: dict[int, hardsoft.Comparison] = {}
        self.views: dict[int, View] = {}
        #: what the panels draw while EM at the current σ is computed (k-means only)
        self._pending: View | None = None
        self._baseline: dialogs.Baseline | None = None
        self._status = "computing…"
        #: why the computation at the current rung failed (None: it did not), and why k-means did
        self._error: str | None = None
        self._baseline_error: str | None = None

    # -- layout -------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(self._title_text(wide=True), id="cmp-title", classes="when-wide")
        yield Static(self._title_text(wide=False), id="cmp-title-short", classes="when-narrow")
        yield Static("", id="cmp-sigma", classes="when-wide")
        yield Static("", id="cmp-sigma-short", classes="when-narrow")
        with Horizontal(id="cmp-plots"):
            yield HardPlot(id="cmp-hard", classes="cmp-plot")
            yield SoftPlot(id="cmp-soft", classes="cmp-plot")
        yield Static("", id="cmp-table")
        yield Static("", id="cmp-agree")
        yield Static("As σ → 0, each γ_k(x) becomes k-means' 0/1 indicator and EM's means (the numbers over "
                     "the curves) the k-means centres: k-means is EM with one shared σ shrunk to 0 "
                     "(Bishop, PRML §9.3.2) — unless points lie exactly halfway between two centres on the way "
                     "(tied data), which k-means gives whole to one side and EM splits.",
                     id="cmp-note")
        yield Footer(compact=True, id="cmp-keys")

    def on_mount(self) -> None:
        self._show()
        self._compute_baseline()

    # -- showing ------------------------------------------------------------
    @property
    def sigma(self) -> float:
        """The shared σ asked for (the current rung of the ladder)."""
        return float(self._ladder[self._rung])

    def _sigma_text(self, wide: bool) -> Text:
        steps = len(self._ladder)
        text = Text(no_wrap=True, overflow="crop")
        text.append("shared σ = " if wide else "σ = ")
        text.append(f"{self.sigma:.4g}", style="bold")
        if wide:
            text.append(f" · σ / sd = {ratio_text(self._rung)} (sd of the data {self._scale:.4g}; "
                        f"step {self._rung + 1} of {steps}) · ")
        else:
            text.append(f" (σ/sd = {ratio_text(self._rung)}; {self._rung + 1}/{steps}) · ")
        text.append(self._status, style="italic")
        return text

    def _title_text(self, wide: bool) -> str:
        seeds = f"the same k-means++ seeds (seed {self._seed})"
        if wide:
            return f"k-means vs EM: hard assignments and soft responsibilities · K = {self._k} · N = {self._n:,} · {seeds}"
        return f"k-means vs EM · K = {self._k} · N = {self._n:,} · {seeds}"

    def _show_sigma(self) -> None:
        self.query_one("#cmp-sigma", Static).update(self._sigma_text(wide=True))
        self.query_one("#cmp-sigma-short", Static).update(self._sigma_text(wide=False))

    def _show(self) -> None:
        """Redraw everything from what is known for the current rung."""
        result = self.results.get(self._rung)
        error = self._baseline_error or self._error
        if error is not None:
            self._status = f"✗ {error}"
        elif result is None:
            self._status = "EM: computing…"
        else:
            fit = result.em
            if fit.converged:
                self._status = f"EM: converged in {fit.iterations:,} iteration{'s' if fit.iterations != 1 else ''}"
            else:
                self._status = f"EM: stopped at the cap ({fit.iterations:,} iterations)"
        with self.app.batch_update():
            self._show_sigma()
            base = self._baseline
            if base is None:
                return
            fit = result.em if result is not None else None
            view = self.views.get(self._rung, self._pending)
            self.query_one("#cmp-hard", HardPlot).show(view)
            self.query_one("#cmp-soft", SoftPlot).show(view)
            self.query_one("#cmp-table", Static).update(table_text(base.kmeans, fit, self._n, self._fmt))
            agree = agreement_text(result.agreement if result else None)
            if result is not None and result.agreement.different and self._rung == len(self._ladder) - 1:
                agree.no_wrap = False
                agree.append(" — still apart at the smallest σ: a point exactly halfway between two centres "
                             "goes whole to one in k-means but is split by EM, so with ties the two can "
                             "take different paths", style="italic")
            self.query_one("#cmp-agree", Static).update(agree)

    def show_error(self, text: str) -> None:
        """A failed computation: k-means (then nothing can be compared) or EM at the current σ."""
        if self._baseline is None:
            self._baseline_error = text
        else:
            self._error = text
        self._show()

    # -- computing ----------------------------------------------------------
    @work(thread=True, exclusive=True, group="baseline", exit_on_error=False)
    def _compute_baseline(self) -> None:
        """k-means and the rug, once (e.g. fewer distinct values than components fails here)."""
        self.post_message(BaselineDone(dialogs.compare_baseline(self._cd, self._k, self._seed, self._x_limits)))

    @on(BaselineDone)
    def _baseline_done(self, message: BaselineDone) -> None:
        base = self._baseline = message.baseline
        self._pending = View(self._x_limits, base.occupied, base.kmeans, None)
        self._request(self._rung, force=True)

    def _request(self, rung: int, force: bool = False) -> None:
        rung = max(0, min(len(self._ladder) - 1, rung))
        if rung == self._rung and not force:
            return  # already there (or on its way): a key at either end of the ladder changes nothing
        self._rung = rung
        self._error = None  # a new request tries again
        self.workers.cancel_group(self, "compare")  # EM at another σ is no longer wanted
        if self._baseline is not None and rung not in self.results:
            self._compute(rung)
        self._show()

    @work(thread=True, exclusive=True, group="compare", exit_on_error=False)
    def _compute(self, rung: int) -> None:
        """EM at this rung's σ against k-means, in a thread; stops early when cancelled."""
        worker = get_current_worker()

        def progress(iterations: int) -> None:
            if iterations % PROGRESS_EVERY == 0:
                self.post_message(CompareProgress(worker, rung, iterations))

        result = dialogs.compare_at(self._cd, self._baseline, self._k, self._seed, rung,
                                    should_stop=lambda: worker.is_cancelled, progress=progress)
        if result is not None:
            self.post_message(CompareDone(rung, result))

    @on(CompareProgress)
    def _progress(self, message: CompareProgress) -> None:
        """How far EM is, said if it is the σ on screen (a stopped computation's last word is not)."""
        if message.rung == self._rung and not message.worker.is_cancelled:
            self._status = f"EM: computing… iteration {message.iterations:,}"
            self._show_sigma()

    @on(CompareDone)
    def _finished(self, message: CompareDone) -> None:
        """A comparison is kept, whatever its σ (going back to it is then instant), and its view made
        once; it is drawn if its σ is the one on screen."""
        base = self._baseline
        self.results[message.rung] = message.result
        self.views[message.rung] = View(self._x_limits, base.occupied, base.kmeans, message.result.em)
        if message.rung == self._rung:
            self._show()

    # -- keys ---------------------------------------------------------------
    def action_shrink(self) -> None:
        self._request(self._rung + 1)

    def action_grow(self) -> None:
        self._request(self._rung - 1)

    def action_top(self) -> None:
        self._request(0)

    def action_bottom(self) -> None:
        self._request(len(self._ladder) - 1)
