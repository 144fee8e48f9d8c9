"""Snapshots of the simulator's screens (SVGs in __snapshots__/, looked at before committing).

Each test's docstring says what a reviewer should see in its SVG. Regenerate with
``pytest tests/snapshots --snapshot-update`` only when a change meant to alter the screen.
"""

from __future__ import annotations

from scenarios import BY_NAME, drive, make_app


def _compare(snap_compare, name: str) -> bool:
    scenario = BY_NAME[name]

    async def run_before(pilot) -> None:
        await drive(pilot, scenario)

    return snap_compare(make_app(scenario), terminal_size=scenario.size, run_before=run_before)


def test_start_screen(snap_compare):
    """The default seed, iteration 0 at 120×40: gray histogram outline, dotted true density, the start's two
    wide components at 1 and 3 (green, red) and their blue sum; LL panel with one point; the table shows
    π 0.500, μ 1.000/3.000, σ 1.500 beside the truth, EM's LL beside the truth's, and N_k under 'N_k
    expected (π·N)' beside 80.0/120.0; no banner."""
    assert _compare(snap_compare, "start")


def test_after_30_iterations(snap_compare):
    """After 30 iterations: the blue estimate follows the histogram, LL rises steeply then flattens,
    its marker at t = 30; the table says t 30, converged: no."""
    assert _compare(snap_compare, "after-30")


def test_80x24(snap_compare):
    """At 80×24 after 5 iterations: all panels readable, the mixture legend left out, the side panel
    narrower, the footer cut at the right edge."""
    assert _compare(snap_compare, "small-80x24")


def test_e_half_step(snap_compare):
    """Iteration 3 after its E step: green and red outlines share the data out by responsibility,
    N1/N2 in bold are the new soft counts, the parameters are those of t = 3, status: press m."""
    assert _compare(snap_compare, "e-half-step")


def test_help_screen(snap_compare):
    """The help screen over the simulator: title, the model and the E step with its formula."""
    assert _compare(snap_compare, "help")


def test_banner_fired(snap_compare):
    """Teaching fault forgot-sqrt, 3 iterations: the red banner's first line says LL fell at iteration 1
    and by how much, its second gives the fault's wrong formula (σ_k = Σ_i r_ik (x_i − μ_k)² / N_k);
    the LL panel goes down, marks the fall with an X and its title ends "X: LL fell at t = 1"; the
    status names the fault."""
    assert _compare(snap_compare, "banner")


def test_invalid_input(snap_compare):
    """'abc' typed as μ₁ after 2 iterations: the field is red with '✗ not a number' under it, and
    the table still shows iteration 2 of the old run."""
    assert _compare(snap_compare, "invalid-input")


def test_terminal_too_small(snap_compare):
    """A 70×20 terminal: only 'terminal too small — need 80×24, this one is 70×20' between the
    header and the footer."""
    assert _compare(snap_compare, "too-small")


def test_old_faithful_loaded(snap_compare):
    """Old Faithful waiting times, K = 2 from the k-means start, run to convergence: no dotted truth;
    the table names the data (old-faithful-waiting, N 272 · 43 to 96) and lists π 0.361/0.639,
    μ 54.615/80.091, σ 5.872/5.867 (mixtools' published fit); converged: yes, and the status says
    what to try next (p or i another start, f a fault, k choose K, o local optima, c k-means vs EM)."""
    assert _compare(snap_compare, "old-faithful")


def test_data_screen(snap_compare):
    """The data screen over the simulator: a box for typed numbers with its button (Ctrl+S), the
    four built-in data sets with their sizes and the lesson's data, a file path and a column."""
    assert _compare(snap_compare, "data-screen")


def test_responsibilities_view(snap_compare):
    """The responsibilities view at iteration 3: the first of 200 points sorted by x, each with its
    index, x, γ1 and γ2 (summing to 1) and the most likely component in that component's colour."""
    assert _compare(snap_compare, "responsibilities")


def test_start_editor_with_three_components(snap_compare):
    """The start editor after K = 3 was entered: three rows of weight π (0.33333333 each), mean μ
    (the data's 1/6, 1/2 and 5/6 quantiles) and sd σ; 'your values' chosen; starts 1; two buttons."""
    assert _compare(snap_compare, "start-editor-k3")


def test_choose_k(snap_compare):
    """Choosing K on galaxies at 120×40: BIC (blue) and AIC (orange) against K = 1..8, the lowest of each
    marked ●; the table lists LL, BIC and AIC per K with ← BIC and (now) beside K = 3, ← AIC beside K = 6
    and ≈ BIC ≈ AIC beside K = 5; the status names the K each criterion picks and says neither is decisive."""
    assert _compare(snap_compare, "choose-k")


def test_local_optima(snap_compare):
    """Local optima on galaxies, K = 3: the 21 final LLs by solution, then by start (your start ●, 3 random
    cyan, 10 k-means orange, then 7 random), two distinct solutions in the table: -769.615 by 14 of 21 and
    -778.516 by 7 random starts."""
    assert _compare(snap_compare, "local-optima")


def test_anomaly_list(snap_compare):
    """The anomaly list at iteration 20 with 5 %: ten rows, least likely first (point, x, log p(x), the
    component claiming it in its colour), the summary line above them."""
    assert _compare(snap_compare, "anomalies")


def test_anomaly_marks_on_the_strip(snap_compare):
    """The simulator at iteration 20 after a then Esc: two ! marks on the strip at the right tail; the
    status line counts them (2 of 200 below the 1% quantile)."""
    assert _compare(snap_compare, "anomaly-marks")
