"""The screens that the snapshot tests pin and that screenshots/ shows (one list for both).

Each scenario: (name, what a reviewer should see, terminal size, keys, text typed into a field).
"""

from __future__ import annotations

from dataclasses import dataclass

from em_tui.session.scenario import Scenario as Run


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    size: tuple[int, int]
    keys: tuple[str, ...] = ()
    #: (field id, text) typed and submitted after the keys
    typed: tuple[str, str] | None = None
    #: a built-in data set instead of the lesson's data, and its K
    dataset: str | None = None
    k: int | None = None


SCENARIOS = [
    Scenario(
        "start",
        "The default seed, iteration 0: the gray histogram outline, the dotted true density, the start (two wide "
        "components at 1 and 3, blue sum); LL panel with one point; table π 0.500, μ 1.000/3.000, σ 1.500 "
        "beside the truth, EM's LL beside the truth's (-434.985), N_k 100.0 under 'N_k expected (π·N)' beside "
        "80.0/120.0; no banner.",
        (120, 40),
    ),
    Scenario(
        "after-30",
        "After 30 iterations: the blue estimate hugs the histogram, LL rises steeply then flattens (red), "
        "the marker at t = 30; table t = 30, not converged yet.",
        (120, 40),
        ("right",) * 30,
    ),
    Scenario(
        "small-80x24",
        "The same lesson at 80×24 after 5 iterations: everything still readable, the legend left out, "
        "the side panel narrower.",
        (80, 24),
        ("right",) * 5,
    ),
    Scenario(
        "e-half-step",
        "Iteration 3 after its E step: green and red outlines share the data out by responsibility, N1/N2 "
        "in bold are the new soft counts, the parameters have not moved, the status says press m.",
        (120, 40),
        ("right", "right", "right", "e"),
    ),
    Scenario(
        "help",
        "The help screen over the simulator: the model, the E step and its formula at the top.",
        (120, 40),
        ("question_mark",),
    ),
    Scenario(
        "banner",
        "Teaching fault forgot-sqrt on, after 3 iterations: the red banner says LL fell at iteration 1 "
        "and by how much, and on a second line the fault's wrong formula; LL panel going down, the fall "
        "marked X and named in its title; the status names the fault.",
        (120, 40),
        ("f", "2", "right", "right", "right"),
    ),
    Scenario(
        "invalid-input",
        "After 2 iterations, 'abc' typed as μ₁: the field is red with '✗ not a number' under it, and "
        "the table still shows iteration 2 of the old run.",
        (120, 40),
        ("right", "right"),
        ("mu1", "abc"),
    ),
    Scenario(
        "too-small",
        "A 70×20 terminal: only the message 'terminal too small — need 80×24, this one is 70×20'.",
        (70, 20),
    ),
]


SCENARIOS.append(
    Scenario(
        "old-faithful",
        "Old Faithful waiting times with K = 2 from the k-means start, run to convergence: no dotted "
        "truth, the table names the data (N 272 · 43 to 96) and lists π 0.361/0.639, μ 54.615/80.091, "
        "σ 5.872/5.867; converged: yes; the status says what to try next.",
        (120, 40),
        ("g",),
        dataset="old-faithful-waiting",
        k=2,
    )
)

SCENARIOS += [
    Scenario(
        "data-screen",
        "The data screen over the simulator: a box for typed numbers, the button (Ctrl+S), the four "
        "built-in data sets with their sizes and the lesson's data, a file path and column.",
        (120, 40),
        ("d",),
    ),
    Scenario(
        "responsibilities",
        "The responsibilities view at iteration 3: rows 1.. of the 200 points sorted by x, each "
        "with its index, x, γ1 and γ2 (summing to 1) and the best component in its colour.",
        (120, 40),
        ("right", "right", "right", "t"),
    ),
]

SCENARIOS.append(
    Scenario(
        "start-editor-k3",
        "The start editor after K = 3 was entered: three rows of weight π (0.33333333), mean μ (the data's "
        "1/6, 1/2 and 5/6 quantiles) and sd σ, 'your values' chosen, starts 1, the two buttons.",
        (120, 40),
        ("i",),
        ("#start-k", "3"),
    )
)

SCENARIOS += [
    Scenario(
        "choose-k",
        "Choosing K on galaxies (key k): BIC (blue) and AIC (orange) against K = 1..8 with the lowest of "
        "each marked ● (BIC at K = 3, AIC at K = 6), the table of LL, BIC and AIC per K with ← BIC (now) "
        "beside K = 3, ← AIC beside K = 6 and ≈ BIC ≈ AIC beside K = 5, the cursor on BIC's K; the status says "
        "which K each picks and that neither pick is decisive (K = 5 within 0.224 and 0.408).",
        (120, 40),
        ("k",),
        dataset="galaxies",
        k=3,
    ),
    Scenario(
        "local-optima",
        "Local optima on galaxies with K = 3 (key o): 21 final LLs sorted, best first (your start ●, "
        "k-means orange, random cyan); two distinct solutions, LL -769.615 reached by 14 of 21 (your "
        "start, 3 random, 10 k-means) and -778.516 by 7 random starts.",
        (120, 40),
        ("o",),
        dataset="galaxies",
        k=3,
    ),
    Scenario(
        "anomalies",
        "The anomaly list at iteration 20 with the quantile set to 5%: ten points, least likely first, "
        "with their place in the data, x, log p(x) and the component that claims them (in its colour).",
        (120, 40),
        ("right",) * 20 + ("a",),
        ("#anomaly-q", "5%"),
    ),
    Scenario(
        "anomaly-marks",
        "Back in the simulator at iteration 20 after a (1 %): two ! marks on the strip under the histogram, "
        "at the far right tail (x ≈ 7.3 and 7.6), and the status line counting them.",
        (120, 40),
        ("right",) * 20 + ("a", "escape"),
    ),
]

SCENARIOS.append(
    Scenario(
        "kmeans-vs-em",
        "k-means vs EM (key c) on the lesson's data after ↓ twice (σ = 0.375 sd): left, k-means' 0/1 steps; "
        "right, EM's γ curves crossing steeply near x = 2.3; the table of centres, points, EM means and "
        "weights; 0 of 200 points assigned differently.",
        (120, 40),
        ("c", "down", "down"),
    )
)

BY_NAME = {s.name: s for s in SCENARIOS}


def make_app(scenario: Scenario):
    """The app a scenario starts from (the lesson, or a built-in data set)."""
    from em_tui.tui import create_app
    from em_tui.core.data import load_dataset

    if scenario.dataset is None:
        return create_app(pace=0.0)
    return create_app(Run.build(dataset=load_dataset(scenario.dataset), k=scenario.k), pace=0.0)


async def drive(pilot, scenario: Scenario) -> None:
    """Bring the app to the scenario's screen (the same for snapshots and screenshots)."""
    await pilot.pause()
    for key in scenario.keys:
        await pilot.press(key)
    await pilot.app.workers.wait_for_complete()  # a run to convergence ("g") ends first
    if scenario.typed is not None:
        field, text = scenario.typed
        # a main-screen field by its id, or any input of the screen on top by its selector
        inp = pilot.app.screen.query_one(field) if field.startswith("#") else pilot.app.query_one(f"#in-{field}")
        inp.focus()
        inp.value = text
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()  # the answer to the submission is drawn on the next refresh
    await pilot.pause()
