"""The help screen: what EM does here, why it works, and the keys."""

from __future__ import annotations

from rich.markdown import Markdown
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
# EM on a mixture of Gaussians

**The model.** Each point x comes from one of K groups, but we are not told which.
Group k is picked with probability π_k and then x ~ Normal(μ_k, σ_k²), so the
density of a point is (here with K = 2; `i` sets K from 1 to 8)

    p(x) = π₁·N(x | μ₁, σ₁²) + π₂·N(x | μ₂, σ₂²)

With no data of your own (`d` loads some), the simulator draws {n} points from π = (0.4, 0.6), μ = (0, 4), σ = (1, 1.5) (the
dotted curve) and asks EM to find these numbers from the points alone (the blue curve).

**E step — who owns each point?** With the current parameters, the *responsibility*
of component k for point i is its share of that point's density:

    r_ik = π_k·N(x_i | μ_k, σ_k²) / p(x_i)

Each point is split between the components; the shares add up to 1. Press **e** to
see it: a green and a red outline share the histogram out by responsibility (how much
of each bin each component owns), and N_k = Σ_i r_ik (a soft count of points) appears
in bold in the table.

**M step — refit each component to its share.** Each component takes a weighted
average of the points, weighted by its responsibilities:

    N_k = Σ_i r_ik      π_k = N_k / N      μ_k = Σ_i r_ik·x_i / N_k
    σ_k² = Σ_i r_ik·(x_i − μ_k)² / N_k

The strip under the top panel shows the same thing along x, all the time: its colour is the
component that claims points there, its shade how sure it is (█ γ ≥ 0.9, ▓ ≥ 0.75, ▒ ≥ 0.6,
░ below) — where it fades, the components overlap.

Press **m** to see the curves move: each component is refitted to its outline. One full iteration is an E step then an M step.

**Why LL can never fall.** LL = Σ_i log p(x_i) is the log-likelihood. The E step
builds a lower bound on LL that touches it at the current parameters; the M step
maximises that bound. So the new LL is at least the bound's maximum, which is at
least the old LL. The bottom panel (LL[t]) can only go up or stay flat. If it ever
goes down, the updates are wrong: a red banner says so. Press **f** to switch on a
*teaching fault* (a classic coding mistake) and watch the banner fire.

**Local optima.** EM climbs to the nearest peak of the likelihood, not always the
highest. Try the presets (**p**): "both at 2.0" starts the two components on top of
each other, and "far start (−2, 7)" far apart. Compare where they end and their
final LL. In practice, run EM from several starts and keep the best LL: press **o**
to run EM from your start and from many random and k-means starts, see each start's
final LL and how many distinct solutions they reach, and open any of them.

**k-means is hard-assignment EM.** Replace the responsibilities by 0 or 1 (each point
goes wholly to its nearest mean), keep σ equal and fixed, and the M step becomes
"move each mean to the average of its points": that is k-means. EM's soft shares
let components overlap and have different widths and sizes. Press **c** to see the two side
by side and shrink a shared σ toward 0: EM's responsibilities turn into k-means' 0/1 assignments
(unless a point sits exactly halfway between two centres on the way: k-means gives it whole to one
side, EM splits it, and with tied data the two can end apart).

**How many components? BIC.** More components always raise LL, so compare
BIC = −2·LL + p·ln N, with p = 3K − 1 free parameters, and pick the K with the
lowest BIC (AIC = −2·LL + 2p penalises less). It trades fit against complexity. Press
**k** to fit K = 1..8 (several starts each) and compare BIC and AIC; Enter opens a K's fit.

**Anomalies.** A point the fitted mixture finds unlikely has a low log-density log p(x).
Press **a** to flag the points below a quantile of all N values (1 % to start): they are
listed and marked ! on the strip, and follow the iteration shown.

# Keys

| key | what it does |
|---|---|
| → n space | one full EM iteration (E then M) |
| ← b | one iteration back (from the record, instant) |
| e | the E step only: responsibilities shown, parameters not moved yet |
| m | then the M step |
| g | run to convergence, animated; g or Esc stops it |
| Home 0 | back to iteration 0 |
| End | the last iteration computed so far |
| r | new data (the next seed); on your own data, a new k-means start |
| p | presets from the lesson |
| d | data: type or paste numbers, pick a built-in data set, or load a file |
| i | the start: K (1 to 8) and every weight, mean and sd, or k-means / random with restarts |
| k | choose K: BIC and AIC for K = 1..8; Enter opens a K's fit |
| o | local optima: EM from many starts, the distinct solutions and how often each is reached |
| c | k-means vs EM side by side; shrink a shared σ to turn EM into k-means |
| a | anomalies: points below a quantile of log p(x), listed and marked ! on the strip |
| t | responsibilities: every point's γ_ik, sorted by x, with its most likely component |
| x | export the parameters shown and every point's responsibilities as a new CSV in the current folder (never over a file already there) |
| s | save the session (data, K, start, iteration) as a new JSON file; `em-tui --session FILE` reopens it |
| f | teaching faults (wrong updates that make LL fall) |
| Tab | move to the input fields (Enter applies, Esc leaves) |
| ? F1 | this help (F1 also from inside a field) |
| q | quit |

**The fields.** μ₁ and μ₂ set the starting means (σ = 1.5 and π = 0.5 to start);
*data seed* draws another sample of {n} points; *show t* jumps to iteration t.
Changing a start or the seed starts again from iteration 0.

**The table.** Estimates are listed left to right by their means and compared with the
true component in the same position, so swapped labels can't mislead. In a full state
N_k = π_k·N (the counts that made these parameters); after **e** it is the new Σ_i r_ik.

Press Esc, q or ? to close this help (↑/↓ and PgUp/PgDn scroll it).
"""


class HelpScreen(ModalScreen[None]):
    """A scrollable page of help (↑/↓, PgUp/PgDn); Esc, q, ? or F1 close it."""

    AUTO_FOCUS = "#help"  # ↑/↓ and PgUp/PgDn scroll at once
    BINDINGS = [
        Binding("escape", "close", "close"),
        Binding("q", "close", "close", show=False),
        Binding("question_mark", "close", "close", show=False),
        Binding("f1", "close", "close", show=False),
    ]

    def __init__(self, n: int = 200) -> None:
        super().__init__()
        self._n = n

    def compose(self) -> ComposeResult:
        # rich's Markdown in a Static: it opens at once, also while a run is going on
        with VerticalScroll(id="help"):
            yield Static(Markdown(HELP.replace("{n}", f"{self._n:,}")), id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
