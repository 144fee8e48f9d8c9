"""Local optima (key o): EM from many starts, the final LL of each, and the distinct solutions."""

from __future__ import annotations

from typing import Callable

from textual.binding import Binding
from textual.widgets import DataTable

from ...core.model import Mixture
from ...core.optima import METHOD_NAMES, Solution, StartRun, runs_in_order
from ...session.dialogs import local_optima, optima_view
from ...session.scenario import Scenario
from ..widgets.plots import LEGEND_MIN_HEIGHT, _Plot, limits_below_legend, nice_ticks
from .search import Open, SearchScreen

#: Starts of each method at first; + doubles them up to MAX_STARTS, - halves them.
STARTS, MAX_STARTS = 10, 80
METHOD_COLOURS = {"random": "cyan", "kmeans": "orange"}
METHOD_MARKERS = {"random": "x", "kmeans": "+", "current": "●"}


class FinalLLPlot(_Plot):
    """Every run's final LL, solution by solution (best first), by start within a solution: flat
    stretches are runs that reached the same solution. Runs come in that order
    (:func:`~em_tui.core.optima.runs_in_order`); they are not sorted by LL, whose last digits
    differ between machines."""

    def draw(self, ordered: list[StartRun]) -> None:
        plt = self.plt
        if not ordered:
            plt.title("final LL of each start (fitting…)")
            return
        ranks = {id(r): i + 1 for i, r in enumerate(ordered)}
        legend = self.size.height >= LEGEND_MIN_HEIGHT
        for method in ("random", "kmeans", "current"):
            mine = [r for r in ordered if r.method == method]
            if mine:
                colour = METHOD_COLOURS.get(method, self.ink)
                plt.scatter([ranks[id(r)] for r in mine], [r.ll for r in mine], color=colour,
                            marker=METHOD_MARKERS[method], label=METHOD_NAMES[method] if legend else None)
        lo, hi = limits_below_legend(min(r.ll for r in ordered), max(r.ll for r in ordered), self.size.height,
                                     len({r.method for r in ordered}) if legend else 0)
        plt.ylim(lo, hi)
        self.y_ticks(lo, hi)
        plt.xlim(0, len(ordered) + 1)
        xt = [v for v in nice_ticks(1, len(ordered), 8) if float(v).is_integer() and v >= 1]
        plt.xticks(xt, [str(int(v)) for v in xt])
        plt.xlabel("start, by solution, best first")
        plt.title("final LL of each start" + ("" if legend else ": x random, + k-means, ● yours"))


class OptimaScreen(SearchScreen):
    """Where EM ends from many starts; Enter opens a solution (from its best start) in the main view."""

    BINDINGS = [
        Binding("plus,equals_sign", "more", "more starts", key_display="+",
                tooltip=f"twice as many starts of each kind (at most {MAX_STARTS})"),
        Binding("minus", "fewer", "fewer", show=False, tooltip="half as many starts of each kind (at least 1)"),
    ]

    def __init__(self, open_fit: Open, data, scenario: Scenario, current: Mixture) -> None:
        """``data``: the session's prepared data; ``scenario``: what the simulator runs; ``current``:
        the start shown."""
        super().__init__(open_fit)
        self._x, self._k, self._seed, self._current = data, scenario.k, scenario.seed, current
        self._config, self._label, self._fault = scenario.config, scenario.label, scenario.fault
        self.starts = STARTS
        self.solutions: list[Solution] = []

    def heading(self) -> str:
        n = self.starts
        fault = f" Correct EM here (fault {self._fault!r} not used)." if self._fault else ""
        one = " (with K = 1 every start ends at the same fit)" if self._k == 1 else ""
        return (f"Local optima — {self._label}, K = {self._k}: EM from your start, {n} random start{'s' * (n != 1)} "
                f"(K data points as means) and {n} k-means start{'s' * (n != 1)} (seed {self._seed}){one}." + fault)

    def next_round(self) -> None:
        self._seed += 1  # other starts

    def make_plot(self):
        return FinalLLPlot()

    def search(self, should_stop: Callable[[], bool], progress: Callable[[int, int], None],
               rows: Callable[[list[StartRun]], None]) -> list[StartRun]:
        return local_optima(self._x, self._config.but(seed=self._seed, restarts=self.starts), self._current,
                            should_stop=should_stop, progress=progress)

    def show_result(self, runs: list[StartRun], cancelled: bool) -> str:
        view = optima_view(self._x, runs)
        self.solutions = view.solutions
        self.query_one(FinalLLPlot).show(runs_in_order(self.solutions))
        self.fill_table((("#", 2), ("final LL", 12), ("reached by", 0), ("means (sorted)", 0)),
                        [(str(i), row) for i, row in enumerate(view.rows)])
        if not runs:
            return f"cancelled before any run finished. {self.key('again')} runs again, {self.key('close')} goes back."
        mine = view.mine
        collapsed = view.collapsed
        n = len(self.solutions)
        what = f"{n} distinct solution{'s' if n != 1 else ''} from {len(runs)} run{'s' if len(runs) != 1 else ''}"
        if mine is not None:
            what += f"; your start reached #{mine + 1}" + (" (the best)" if mine == 0 else "")
        if any(collapsed):
            what += "; 'collapsed': a component sits on one value (σ ≈ 0), its LL is meaningless"
        done = "cancelled: " if cancelled else ""
        return (f"{done}{what}. {self.key('select_cursor', DataTable)} opens a solution in the main view "
                "(from its best start). "
                f"{self.key('more')}/{self.key('fewer')} more or fewer starts (1 to {MAX_STARTS}), "
                f"{self.key('again')} runs again with the next seed, {self.key('close')} goes back.")

    def open_row(self, key: str):
        sol = self.solutions[int(key)]
        run = sol.best_run
        origin = (METHOD_NAMES[run.method] if run.method == "current"
                  else f"{METHOD_NAMES[run.method]} start {run.index + 1}")
        return (self._k, run.start, f"solution #{int(key) + 1} of the local optima ({origin}, LL {sol.ll:,.3f})",
                run.run)

    def _restart_with(self, starts: int) -> None:
        if self.busy():
            return
        if starts == self.starts:
            self.status(f"already {starts} starts of each kind (1 to {MAX_STARTS}).")
            return
        self.starts = starts
        self.refresh_heading()
        self.start()

    def action_more(self) -> None:
        self._restart_with(min(MAX_STARTS, self.starts * 2))

    def action_fewer(self) -> None:
        self._restart_with(max(1, self.starts // 2))
