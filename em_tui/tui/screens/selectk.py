"""Choosing K (key k): fit K = 1..8, several starts each, and compare BIC and AIC."""

from __future__ import annotations

from typing import Callable


from textual.widgets import DataTable

from ...core.model import K_MAX, K_MIN
from ...core.select import DECISIVE_GAP, Choice, SelectionRow, best_k, choice
from ...session.dialogs import CHOOSE_K_RESTARTS as RESTARTS, choose_k, ll_fell
from ...session.scenario import Scenario
from ..widgets.plots import LEGEND_MIN_HEIGHT, _Plot, limits_below_legend
from .search import Open, SearchScreen
BIC_COLOUR, AIC_COLOUR = "blue", "orange"


class CriteriaPlot(_Plot):
    """BIC and AIC against K, each one's smallest value marked."""

    def draw(self, rows: list[SelectionRow]) -> None:
        plt = self.plt
        if not rows:
            plt.title("BIC and AIC against K (fitting…)")
            return
        rows = [r for r in rows if not r.collapsed]  # their LL is meaningless (σ ≈ 0): not drawn
        if not rows:
            plt.title("every K collapsed a component (σ ≈ 0): nothing to draw")
            return
        ks = [r.k for r in rows]
        legend = self.size.height >= LEGEND_MIN_HEIGHT
        for name, colour in (("BIC", BIC_COLOUR), ("AIC", AIC_COLOUR)):
            values = [getattr(r, name.lower()) for r in rows]
            best = best_k(rows, name.lower())
            plt.plot(ks, values, color=colour, marker="braille",
                     label=(f"{name} (lowest at K = {best})" if best else name) if legend else None)
            if best is not None:
                plt.scatter([best], [values[ks.index(best)]], color=colour, marker="●")
        values = [v for r in rows for v in (r.bic, r.aic)]
        lo, hi = limits_below_legend(min(values), max(values), self.size.height, 2 if legend else 0)
        plt.ylim(lo, hi)
        self.y_ticks(lo, hi)
        plt.xlim(K_MIN - 0.5, K_MAX + 0.5)
        plt.xticks(list(range(K_MIN, K_MAX + 1)), [str(k) for k in range(K_MIN, K_MAX + 1)])
        plt.xlabel("components K")
        plt.title("BIC (blue) and AIC (orange) against K: smaller is better, ● the lowest")


def close_to(pick: Choice, k: int) -> bool:
    """``k`` is the next best K of a pick that is not decisive (marked ≈ in the table)."""
    return not pick.decisive and k == pick.next_k


def undecided(pick: Choice) -> str:
    """What the status says of a pick that is not decisive."""
    name = pick.criterion.upper()
    return (f"{name}'s choice is not decisive: K = {pick.next_k} (≈ {name}) is only {pick.gap:.3g} above K = "
            f"{pick.best}, less than {DECISIVE_GAP:g}.")


class SelectKScreen(SearchScreen):
    """K = 1..8, each the best of several k-means starts; Enter opens a row's fit in the main view."""

    def __init__(self, open_fit: Open, data, scenario: Scenario) -> None:
        """``data``: the session's prepared data; ``scenario``: what the simulator runs (its seed, K,
        stopping rule, fault and label)."""
        super().__init__(open_fit)
        self._x = data
        self._config, self._seed, self._max_iter = scenario.config, scenario.seed, scenario.config.max_iter
        self._k_now, self._label, self._fault = scenario.k, scenario.label, scenario.fault
        self._rows: dict[str, SelectionRow] = {}

    def heading(self) -> str:
        fault = f" Correct EM here (fault {self._fault!r} not used)." if self._fault else ""
        return (f"Choosing K — {self._label}, N = {self._x.n:,}: K = {K_MIN}..{K_MAX}, the best of {RESTARTS} "
                f"k-means starts each (seed {self._seed}); BIC = −2 LL + p ln N, AIC = −2 LL + 2p, p = 3K − 1."
                + fault)

    def next_round(self) -> None:
        self._seed += 1  # other starts: does the choice hold?

    def make_plot(self):
        return CriteriaPlot()

    def search(self, should_stop: Callable[[], bool], progress: Callable[[int, int], None],
               rows: Callable[[list[SelectionRow]], None]) -> list[SelectionRow]:
        return choose_k(self._x, self._config.but(seed=self._seed), should_stop=should_stop, progress=progress,
                        on_row=rows)  # each K as soon as it is done

    def show_rows(self, rows: list[SelectionRow]) -> None:
        self._fill(rows)

    def show_result(self, rows: list[SelectionRow], cancelled: bool) -> str:
        picks = self._fill(rows)
        best_bic, best_aic = (c.best for c in picks)
        if not rows:
            return f"cancelled before any K was finished. {self.key('again')} runs again, {self.key('close')} goes back."
        self.query_one("DataTable").move_cursor(row=(best_bic or 1) - 1)
        notes = []
        if cancelled:
            notes.append(f"cancelled after K = {rows[-1].k}.")
        elif rows[-1].k < K_MAX:
            notes.append(f"K stops at {rows[-1].k}: the data have only {rows[-1].k} distinct values.")
        if best_bic is None:
            notes.append("Every K collapsed a component onto a point (σ ≈ 0): no K to recommend.")
        else:
            notes.append(("Of these, " if cancelled else "") + f"BIC picks K = {best_bic}, AIC picks K = {best_aic}.")
            notes += [undecided(c) for c in picks if not c.decisive]
        if any(r.collapsed for r in rows):
            notes.append("'collapsed': every start put a component on a single value (σ ≈ 0), so its LL is "
                         "meaningless; such K are not picked.")
        fell = ll_fell(rows)
        if fell:
            notes.append(f"LL fell at K = {', '.join(map(str, fell))}: more components can always fit at least as "
                         f"well, so that K's best of {RESTARTS} starts is a local optimum ({self.key('again')} tries other starts).")
        if not all(r.converged for r in rows):
            notes.append(f"'at the cap': stopped after {self._max_iter} iterations, LL may still be short.")
        up, down, enter = (self.key(a, DataTable) for a in ("cursor_up", "cursor_down", "select_cursor"))
        notes.append(f"{up}{down} choose a row, {enter} opens that fit in the main view "
                     f"({self.app.keys('home')} shows its start). "
                     f"{self.key('again')} runs again with the next seed, {self.key('close')} goes back.")
        return " ".join(notes)

    def _fill(self, rows: list[SelectionRow]) -> tuple[Choice, Choice]:
        """The plot and the table for the rows finished so far; what BIC and AIC pick (a K that comes
        within DECISIVE_GAP of a pick is marked ≈)."""
        self.query_one(CriteriaPlot).show(rows)
        self._rows = {}
        bic_pick, aic_pick = choice(rows, "bic"), choice(rows, "aic")
        cells = []
        for r in rows:
            marks = " ".join(m for m, on in (("← BIC", r.k == bic_pick.best), ("← AIC", r.k == aic_pick.best),
                                             ("≈ BIC", close_to(bic_pick, r.k)), ("≈ AIC", close_to(aic_pick, r.k)),
                                             ("collapsed", r.collapsed), ("at the cap", not r.converged),
                                             ("(now)", r.k == self._k_now)) if on)
            cells.append((str(r.k), (str(r.k), f"{r.log_likelihood:,.3f}", f"{r.bic:,.3f}", f"{r.aic:,.3f}", marks)))
            self._rows[str(r.k)] = r
        self.fill_table((("K", 2), ("log-likelihood", 16), ("BIC", 14), ("AIC", 14), ("", 0)), cells)
        return bic_pick, aic_pick

    def open_row(self, key: str):
        row = self._rows.get(key)
        if row is None or row.start is None:
            return None
        return row.k, row.start, f"K = {row.k} from the choice of K", row.run
