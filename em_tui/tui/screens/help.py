"""The help screen: what EM does here, why it works, and the keys."""

from __future__ import annotations

import re

from rich.markdown import Markdown
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from ...core.anomaly import DEFAULT_QUANTILE, percent
from ...core.data import DEFAULT_N, TRUE_MODEL
from ...core.model import K_MAX, K_MIN
from ...session.scenario import K_APP_MAX, START_WORDS
from ...session.view import ANOMALY_MARK
from ..commands import TEXTUAL_KEYS, key_rows
from ..keynames import Keys, key_for, name_keys
from .dialog import Dialog

HELP = """\
# EM on a mixture of Gaussians

**The model.** Each point x comes from one of K groups, but we are not told which.
Group k is picked with probability π_k and then x ~ Normal(μ_k, σ_k²), so the
density of a point is (here with K = 2; `[[start_editor]]` sets K from {k_min} to {k_start_max})

    p(x) = π₁·N(x | μ₁, σ₁²) + π₂·N(x | μ₂, σ₂²)

With no data of your own (`[[data]]` loads some), the simulator draws {n} points from {truth} (the
dotted curve) and asks EM to find these numbers from the points alone (the blue curve).

**E step — who owns each point?** With the current parameters, the *responsibility*
of component k for point i is its share of that point's density:

    r_ik = π_k·N(x_i | μ_k, σ_k²) / p(x_i)

Each point is split between the components; the shares add up to 1. Press **[[e_step]]** to
see it: one outline per component (in its colour, its number over its curve) shares the
histogram out by responsibility (how much of each bin each component owns), and N_k = Σ_i r_ik (a soft count of points) appears
in bold in the table.

**M step — refit each component to its share.** Each component takes a weighted
average of the points, weighted by its responsibilities:

    N_k = Σ_i r_ik      π_k = N_k / N      μ_k = Σ_i r_ik·x_i / N_k
    σ_k² = Σ_i r_ik·(x_i − μ_k)² / N_k

The strip under the top panel shows the same thing along x, all the time: its colour and the
number written in it are the component that claims points there, its shade how sure it is (█ γ ≥ 0.9, ▓ ≥ 0.75, ▒ ≥ 0.6,
░ below) — where it fades, the components overlap.

Press **[[m_step]]** to see the curves move: each component is refitted to its outline. One full iteration is an E step then an M step.

**Why LL can never fall.** LL = Σ_i log p(x_i) is the log-likelihood. The E step
builds a lower bound on LL that touches it at the current parameters; the M step
maximises that bound. So the new LL is at least the bound's maximum, which is at
least the old LL. The bottom panel (LL[t]) can only go up or stay flat. If it ever
goes down, the updates are wrong: a red banner says so and gives the wrong formula, and
the panel marks the fall with X. Press **[[faults]]** to switch on a *teaching fault* (a
classic coding mistake) and watch the banner fire; a run under a fault is never EM's answer.

**Local optima.** EM climbs to the nearest peak of the likelihood, not always the
highest. Try the presets (**[[presets]]**; each opens its own data): "both at 2.0" starts the two
components on top of each other, and they stay identical for ever — every step treats them alike,
so EM can never split them. "far start (−2, 7)" starts them far apart: on the lesson's data it
reaches the same peak as the clean start, only more slowly (compare the iterations it takes);
these data have no second peak to stop at. The galaxy velocities with K = 3 have one: from means
bunched in the middle EM misses the small groups at both ends and ends at a worse peak (a lower
final LL) than from means spread over the data — the two "galaxies" presets. In practice, run EM
from several starts and keep the best LL: press **[[optima]]**
to run EM from your start and from many random and k-means starts, see each start's
final LL and how many distinct solutions they reach, and open any of them.

**k-means is hard-assignment EM.** Replace the responsibilities by 0 or 1 (each point
goes wholly to its nearest mean), keep σ equal and fixed, and the M step becomes
"move each mean to the average of its points": that is k-means. EM's soft shares
let components overlap and have different widths and sizes. Press **[[compare]]** to see the two side
by side and shrink a shared σ toward 0: EM's responsibilities turn into k-means' 0/1 assignments
(unless a point sits exactly halfway between two centres on the way: k-means gives it whole to one
side, EM splits it, and with tied data the two can end apart).

**How many components? BIC.** More components always raise LL, so compare
BIC = −2·LL + p·ln N, with p = 3K − 1 free parameters, and pick the K with the
lowest BIC (AIC = −2·LL + 2p penalises less). It trades fit against complexity. Press
**[[choose_k]]** to fit K = {k_min}..{k_max} (several starts each) and compare BIC and AIC; [[DataTable:select_cursor]] opens a K's fit.

**Anomalies.** A point the fitted mixture finds unlikely has a low log-density log p(x).
Press **[[anomalies]]** to flag the points below a quantile of all N values ({quantile} to start): they are
listed and marked {mark} on the strip, and follow the iteration shown.

# Keys

{keys}

**The fields.** μ₁ and μ₂ set the starting means ({start});
*data seed* draws another sample of {n} points; *show t* jumps to iteration t.
Changing a start or the seed starts again from iteration 0. [[Screen:app.focus_next]] moves to the fields, [[Input:submit]] applies
one, [[escape]] leaves it.

**The table.** Estimates are listed left to right by their means and compared with the
true component in the same position, so swapped labels can't mislead. Beside EM's LL is the LL
of the true parameters on the same points. At the highest peak EM's is at least as high: that
peak is the best fit to these {n} points, and the model they were drawn from is not — which is
why the estimates differ from the true values. In a full state
N_k = π_k·N (the counts that made these parameters); after **[[e_step]]** it is the new Σ_i r_ik.
Beside N_k is the count the true model expects, π·N: a sample holds about that many points
from each component, not exactly.

Press {close} to close this help ([[VerticalScroll:scroll_up]]/[[VerticalScroll:scroll_down]] and [[VerticalScroll:page_up]]/[[VerticalScroll:page_down]] scroll it).
"""


def key_table(rows: list[tuple[str, str]]) -> str:
    """The keys as a Markdown table (rows of (keys, what they do), from the bindings)."""
    lines = ["| key | what it does |", "|---|---|"]
    lines += [f"| {keys} | {what.replace('|', '/')} |" for keys, what in rows]
    return "\n".join(lines)


def help_text(n: int, rows: list[tuple[str, str]], close: str, keys: Keys) -> str:
    """The help page for data of ``n`` points, the app's keys (``rows`` for the table, ``keys`` for the
    prose) and the keys that close the page."""
    fills = {"n": f"{n:,}", "truth": _truth_words(), "start": START_WORDS, "keys": key_table(rows), "close": close,
             "k_min": str(K_MIN), "k_max": str(K_MAX), "k_start_max": str(K_APP_MAX),
             "quantile": percent(DEFAULT_QUANTILE), "mark": ANOMALY_MARK}
    page = re.sub(r"\{(\w+)\}", lambda found: fills[found.group(1)], HELP)  # each {name} once, from the constants
    return name_keys(page, keys, TEXTUAL_KEYS)


def _truth_words() -> str:
    """The lesson's true model, as the help states it ("π = (0.4, 0.6), μ = (0, 4), σ = (1, 1.5)")."""
    m = TRUE_MODEL
    return ", ".join(f"{name} = ({', '.join(f'{v:g}' for v in values)})"
                     for name, values in (("π", m.weights), ("μ", m.means), ("σ", m.sds)))


class HelpScreen(Dialog[None]):
    """A scrollable page of help; Esc (the dialogs' key), q, ? or F1 close it."""

    AUTO_FOCUS = "#help"  # ↑/↓ and PgUp/PgDn scroll at once
    BINDINGS = [
        Binding("q,question_mark,f1", "close", "close", show=False, tooltip="close the help, as the close key does"),
    ]

    def __init__(self, n: int = DEFAULT_N) -> None:
        super().__init__()
        self._n = n

    def compose(self) -> ComposeResult:
        closing = key_for(self._bindings_for("close"), "close", every=True)
        #: the page's Markdown source
        self.text = help_text(self._n, key_rows(self.app), ", ".join(closing.split()), self.app.keys)
        # rich's Markdown in a Static: it opens at once, also while a run is going on
        with VerticalScroll(id="help", classes="dialog-box"):
            yield Static(Markdown(self.text), id="help-text")
        yield Footer(compact=True)

    def _bindings_for(self, action: str) -> list[Binding]:
        return [b for _, b in self._bindings if b.action == action]
