"""The two plot panels: the mixture over the histogram, and the log-likelihood path.

Both draw only through their own ``self.plt`` (never a global plotext) and
re-plot from a :class:`~em_tui.app.session.Frame`; every series has an explicit
colour, since terminal palettes differ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget
from textual_plotext import PlotextPlot
from textual.message import Message
from textual.reactive import reactive

from ..colours import ESTIMATE, HISTOGRAM, LL, plot_colour, text_colour
from .canvas import NO_STYLE, canvas_strips, fit_line
from ..plain import printable
from ...session.frame import Cell, Frame


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten apart) covering lo..hi: the smallest such
    step that gives at most ``target`` + 1 ticks."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    target = max(1, target)
    power = 10.0 ** math.floor(math.log10((hi - lo) / target))
    candidates = [m * p for p in (power / 10, power, power * 10) for m in (1, 2, 5)]
    for step in sorted(candidates):
        first = math.ceil(lo / step - 1e-9)
        last = math.floor(hi / step + 1e-9)
        if last - first + 1 <= target + 1:
            return [0.0 if k == 0 else k * step for k in range(first, last + 1)]
    return [lo, hi]


def tick_label(v: float, step: float) -> str:
    """A tick's label with as many decimals as the step needs and thousands separated."""
    decimals = max(0, -math.floor(math.log10(step))) if step > 0 else 0
    if abs(v) >= 1e7:
        return f"{v:.3g}"
    return f"{v:,.{decimals}f}"


def limits_below_legend(lo: float, hi: float, height: int, legend_rows: int) -> tuple[float, float]:
    """y limits for values lo..hi that leave the top ``legend_rows`` + 1 rows of a plot ``height``
    rows high (title and x axis included) free for plotext's legend."""
    if not hi - lo > 1e-9 * (1 + abs(hi)):
        pad = max(1.0, 1e-3 * abs(hi))
        lo, hi = lo - pad, hi + pad
    span = hi - lo
    canvas = max(4, height - 4)
    free = min(canvas - 2, legend_rows + 1)
    lo -= 0.06 * span
    top = hi + (hi - lo) * free / max(1, canvas - free)
    return lo, top


def spread_labels(positions, lo: float, hi: float, columns: int, numbers=None) -> list[tuple[str, float, int]]:
    """Where components' numbers go along one row of a plot ``columns`` cells wide over x = lo..hi:
    (label, the x it is written from, the component whose colour it takes). ``numbers``: the
    component (numbered from 0) at each position (the positions' order unless given).

    Each label is centred on its position; components in the same cell share one label, "1,2"
    (coloured as the first); a label that would run into the one before it moves right, and none
    runs past the right edge."""
    positions = np.asarray(positions, dtype=float)
    numbers = list(range(positions.size)) if numbers is None else [int(n) for n in numbers]
    columns = max(1, columns)
    per_column = (hi - lo) / columns
    groups: list[list[int]] = []
    for i in np.argsort(positions, kind="stable"):
        if groups and positions[i] - positions[groups[-1][-1]] < per_column:
            groups[-1].append(int(i))
        else:
            groups.append([int(i)])
    out = []
    free = -1  # the first column after the last label
    for group in groups:
        members = sorted(numbers[i] for i in group)
        label = ",".join(str(n + 1) for n in members)
        centre = (float(np.mean(positions[group])) - lo) / per_column
        start = max(int(round(centre - len(label) / 2)), free, 0)
        start = min(start, max(0, columns - len(label)))
        free = start + len(label) + 1
        out.append((label, lo + (start + 0.5) * per_column, members[0]))
    return out


def _steps(edges: np.ndarray, heights: np.ndarray) -> tuple[list[float], list[float]]:
    """The outline of a histogram: up, across and down each bin."""
    xs = np.repeat(edges, 2)
    ys = np.concatenate([[0.0], np.repeat(heights, 2), [0.0]])
    return xs.tolist(), ys.tolist()


class _Plot(PlotextPlot):
    """A plot that keeps its last frame and re-plots when the app theme changes.

    It draws through Textual's line API: the plotext canvas is turned into strips
    once per change (see :func:`canvas_strips`) instead of being decoded as ANSI
    text on every repaint.
    """

    #: the app's frame (bound to it); each plot redraws when its own part changed
    frame: reactive[Frame | None] = reactive(None, init=False, repaint=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._frame: Frame | None = None
        self._strips: list[Strip] | None = None
        self._strips_key: tuple | None = None

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        key = (width, height, self.app.theme, self.theme)
        if self._strips is None or key != self._strips_key:
            plt = self.plt
            plt.plotsize(width, height)
            plt._set_size(width, height)  # as textual-plotext's own render() does
            plt.theme(self._get_plotext_theme_name(self.app.theme))
            self._strips = canvas_strips(plt.build())
            self._strips_key = key
        if 0 <= y < len(self._strips):
            return fit_line(self._strips[y], width)
        return Strip.blank(width, NO_STYLE)

    def on_mount(self) -> None:
        super().on_mount()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.replot())

    def watch_frame(self, old: Frame | None, frame: Frame | None) -> None:
        if frame is not None and (self._frame is None or self.part(self._frame) != self.part(frame)):
            self.show(frame)

    def part(self, frame: Frame) -> tuple:  # pragma: no cover - overridden
        """What of the frame this plot draws (it redraws when that changes)."""
        raise NotImplementedError

    def show(self, frame: Frame) -> None:
        self._frame = frame
        self.replot()

    def on_resize(self) -> None:
        self.replot()  # what is drawn (the legend) depends on the size

    def replot(self) -> None:
        self.plt.clear_data()  # not clf(): the plot would stop following its widget's size
        if self._frame is not None:
            self.draw(self._frame)
        self._strips = None
        self.refresh()

    def draw(self, frame: Frame) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def x_ticks(self, lo: float, hi: float, columns: int, most: int,
                limits: tuple[float, float] | None = None) -> None:
        """Round x ticks over lo..hi, at most ``most`` + 1 of them, and fewer when their labels would run
        into each other on a canvas ``columns`` cells wide spanning ``limits`` (lo..hi unless given):
        each label needs its width and a space (plotext drops a label that does not fit)."""
        left, right = limits if limits is not None else (lo, hi)
        for target in range(max(1, most), 0, -1):
            xt = nice_ticks(lo, hi, target)
            step = xt[1] - xt[0] if len(xt) > 1 else 1.0
            labels = [tick_label(v, step) for v in xt]
            if len(xt) < 2 or columns * step / (right - left) >= max(len(t) for t in labels) + 1:
                break
        self.plt.xticks(xt, labels)

    def y_ticks(self, lo: float, hi: float) -> list[str]:
        """Round y ticks over lo..hi, at least 3 rows apart; returns their labels."""
        yt = nice_ticks(lo, hi, max(2, min(4, (self.size.height - 4) // 3)))
        step = yt[1] - yt[0] if len(yt) > 1 else 1.0
        labels = [tick_label(v, step) for v in yt]
        self.plt.yticks(yt, labels)
        return labels

    @property
    def ink(self) -> str:
        """Black on light themes, white on dark ones (the true density's colour)."""
        theme = self.app.current_theme
        return "white" if theme is None or theme.dark else "black"


#: Below this many rows a plot leaves out its legend (the numbers on the curves and the help say what is what).
LEGEND_MIN_HEIGHT = 14
#: Rows of a plot that are not its canvas: the title, the frame's top and bottom, the x ticks.
PLOT_FRAME_ROWS = 4


class MixturePlot(_Plot):
    """Histogram (as a density), true mixture, estimated mixture and its weighted components."""

    @dataclass
    class CanvasMoved(Message):
        """The canvas (where the claim strip's columns go) moved or changed width."""

        left: int
        width: int

    #: columns left of the canvas: the tick labels, then the axis line
    canvas_left = 0

    def part(self, frame: Frame) -> tuple:
        return (frame.backdrop, frame.t, frame.half, frame.params, frame.fault, frame.marked_x)

    def canvas_at(self) -> tuple[int, int]:
        """(first column, columns) of the canvas, where the strip's cells go."""
        return self.canvas_left, max(self.size.width - self.canvas_left - 1, 0)

    def replot(self) -> None:
        super().replot()
        self.post_message(self.CanvasMoved(*self.canvas_at()))

    def draw(self, frame: Frame) -> None:
        plt = self.plt
        back = frame.backdrop
        grid = back.grid.tolist()
        legend = self.size.height >= LEGEND_MIN_HEIGHT

        def label(text: str) -> str | None:
            return text if legend else None

        edges = back.histogram.edges
        # the histogram as an outline, so that the curves drawn over it stay whole
        plt.plot(*_steps(edges, back.histogram.heights), color=HISTOGRAM, marker="braille", label=label("data"))
        # the E step's weights: the responsibilities r, or a fault's w that it never divides by p(x)
        weight = "r" if frame.e_normalised else "w"
        if frame.split is not None:  # E half step: the data shared out by those weights
            for i, share in enumerate(frame.split):
                plt.plot(*_steps(edges, share), color=plot_colour(i), marker="braille",
                         label=label(f"{weight}{i + 1}·data") if frame.params.k <= 2 else None)
        if back.true_density is not None:
            plt.plot(grid, back.true_density.tolist(), color=self.ink, marker="dot", label=label("true"))
        # clipped just above the top: a collapsed component's spike would otherwise make
        # plotext draw a line through millions of off-screen dots
        top = 1.05 * back.y_top
        for i, comp in enumerate(frame.components):
            name = f"π{i + 1}·N{i + 1}" if frame.params.k <= 3 else str(i + 1)  # a legend that fits
            plt.plot(grid, np.minimum(comp, top).tolist(), color=plot_colour(i), marker="braille",
                     label=label(name))
        plt.plot(grid, np.minimum(frame.estimate, top).tolist(), color=ESTIMATE, marker="braille",
                 label=label("estimate"))
        if frame.marked_x is not None:  # the marked point (Session.mark_point): a thin vertical line
            plt.vline(frame.marked_x, color=MARK_COLOUR)
        lo, hi = back.x_range
        plt.xlim(*back.x_limits)
        plt.ylim(0.0, back.y_top)
        labels = self.y_ticks(0.0, back.y_top)
        self.canvas_left = max(len(t) for t in labels) + 1
        self.x_ticks(lo, hi, self.canvas_at()[1], 8, back.x_limits)
        self._numbers(frame)
        what = "" if frame.truth is not None else f"{printable(frame.label)} (N = {frame.n:,}) · "
        if frame.half:
            plt.title(f"{what}t = {frame.t}, E step done: data shared out by {weight}"
                      + ("" if frame.e_normalised else " (the fault's, not divided by p(x))"))
        elif frame.truth is not None:
            plt.title(f"t = {frame.t}: data, true mixture, estimate")
        else:
            plt.title(f"{what}t = {frame.t}: data and estimate")

    def _numbers(self, frame: Frame) -> None:
        """Each component's number just above its curve's peak, in its colour: the curves are told
        apart without colour. Labels that fall on one row are spread as :func:`spread_labels` does."""
        comps, back = frame.components, frame.backdrop
        if comps.shape[0] == 0:
            return
        rows = max(1, self.size.height - PLOT_FRAME_ROWS)  # the canvas' rows
        row = back.y_top / rows  # the height of one row, in density units
        peaks = comps.argmax(axis=1)
        heights = np.minimum(comps[np.arange(comps.shape[0]), peaks], back.y_top)
        on_row: dict[int, list[int]] = {}
        for i, height in enumerate(heights):
            on_row.setdefault(min(rows - 1, int(height / row) + 1), []).append(i)
        lo, hi = back.x_limits
        for r, members in on_row.items():
            xs = back.grid[peaks[members]]
            for text, x, first in spread_labels(xs, lo, hi, self.canvas_at()[1], members):
                self.plt.text(text, x, (r + 0.5) * row, color=plot_colour(first), alignment="left")


#: How the LL panel marks the iteration where LL fell (and its colour).
FELL_MARKER, FELL_COLOUR = "X", "orange"


class LLPlot(_Plot):
    """LL[t] for t = 0..current, the current iteration marked, and the iteration where LL fell."""

    def part(self, frame: Frame) -> tuple:
        return (frame.ll, frame.t, frame.ll_fell)

    def draw(self, frame: Frame) -> None:
        plt = self.plt
        ll = list(frame.ll)
        ts = list(range(len(ll)))
        lo, hi, right = frame.ll_axes
        plt.xlim(0, right)
        plt.plot(ts, ll, color=LL, marker="hd")
        plt.vline(frame.t, color=self.ink)  # the current iteration
        fell = ""
        if frame.ll_fell is not None:  # the first fall: a mark on the path, and its t in the title
            at, value = frame.ll_fell
            plt.scatter([at], [value], color=FELL_COLOUR, marker=FELL_MARKER)
            fell = f" · {FELL_MARKER}: LL fell at t = {at}"
        plt.ylim(lo, hi)
        self.y_ticks(lo, hi)
        xt = [v for v in nice_ticks(0, right, 6) if float(v).is_integer()]
        plt.xticks(xt, [str(int(v)) for v in xt])
        plt.xlabel("iteration t")
        plt.title(f"log-likelihood: LL[{frame.t}] = {tick_label(ll[-1], 0.001)}{fell}")


#: How the marked point is drawn: its column of the strip, and the thin line over the plot.
MARK_CHAR, MARK_STYLE, MARK_COLOUR = "▲", "bold black on bright_white", "orange"


def mark_column(x: float | None, x_limits: tuple[float, float], width: int) -> int | None:
    """The strip's column that holds ``x`` (as the anomaly marks are placed), or None."""
    lo, hi = x_limits
    return None if x is None or width <= 0 else int(min(max(int((x - lo) / (hi - lo) * width), 0), width - 1))


#: How an anomaly is marked on the strip.
ANOMALY_STYLE = "bold bright_white on black"
#: A component's number is written on the strip in the middle of each stretch of at least this many
#: cells it claims, dark on its colour.
NUMBER_RUN = 3
NUMBER_INK = "#000000"


def numbered_cells(cells: tuple[Cell, ...]) -> set[int]:
    """The strip's columns that show a component's number: the middle of each stretch of at least
    NUMBER_RUN cells that one component claims (an anomaly's mark ends a stretch)."""
    out, start = set(), 0
    for c in range(1, len(cells) + 1):
        if c == len(cells) or cells[c].rank != cells[start].rank:
            if cells[start].rank >= 0 and c - start >= NUMBER_RUN:
                out.add(start + (c - start) // 2)
            start = c
    return out


def strip_text(cells: tuple[Cell, ...], marked: int | None = None) -> Text:
    """The claim strip's cells as coloured text: the shade of each cell in its component's colour,
    the component's number in the middle of each stretch it claims (:func:`numbered_cells`), an
    anomaly's mark in its own style, the marked point's column (``marked``) as MARK_CHAR."""
    text = Text(no_wrap=True, overflow="crop")
    numbered = numbered_cells(cells)
    for c, cell in enumerate(cells):
        if c == marked:
            text.append(MARK_CHAR, style=MARK_STYLE)
        elif cell.rank < 0:
            text.append(cell.char, style=ANOMALY_STYLE)
        elif c in numbered:
            text.append(str(cell.rank + 1), style=f"bold {NUMBER_INK} on {text_colour(cell.rank)}")
        else:
            text.append(cell.char, style=text_colour(cell.rank))
    return text


class ClaimStrip(Widget):
    """Under the histogram: which component claims each x and how sure it is (the frame's strip cells),
    drawn through the line API as one cached line of runs."""

    frame: reactive[Frame | None] = reactive(None, init=False, repaint=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._line = Strip([])
        self._shown: tuple | None = None

    def watch_frame(self, old: Frame | None, frame: Frame | None) -> None:
        if frame is None:
            return
        part = (frame.strip_left, frame.strip, frame.marked_x)
        if part == self._shown:
            return
        self._shown = part
        marked = mark_column(frame.marked_x, frame.backdrop.x_limits, len(frame.strip))
        segments = [Segment(" " * frame.strip_left, NO_STYLE)] + [
            Segment(seg.text, seg.style or NO_STYLE) for seg in strip_text(frame.strip, marked).render(self.app.console)]
        self._line = Strip(segments)
        self.refresh()

    @property
    def plain(self) -> str:
        return self._line.text

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        return fit_line(self._line if y == 0 else Strip([]), width)
