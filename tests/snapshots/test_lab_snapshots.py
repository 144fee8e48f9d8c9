"""Snapshots of the lab mode (key L): a question over the simulator, and the verdict after an answer.

Each test's docstring says what a reviewer should see in its SVG."""

from __future__ import annotations

from em_tui.tui import create_app


def _lab(snap_compare, keys: tuple[str, ...], size: tuple[int, int]) -> bool:
    async def run_before(pilot) -> None:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return snap_compare(create_app(pace=0.0), terminal_size=size, run_before=run_before)


def test_lab_question_80x24(snap_compare):
    """At 80×24, lab mode on, → pressed at iteration 0: the plot's top half and the side panel's fields and
    table stay in sight; at the bottom a box asks "lab · 0 of 0 right · E step next: what will γ1 be at
    point 144 (x = 3.27283, marked ▲ on the strip)?" (the ▲ on the strip above the box), under it "a number from 0 to 1; right within ±0.05. Enter answers, then
    the E step is shown; Esc: no step, nothing scored.", then the empty answer field (focused, placeholder
    "your answer"); the footer shows Esc close."""
    assert _lab(snap_compare, ("L", "right"), (80, 24))


def test_lab_verdict_after_an_answer(snap_compare):
    """At 120×40, lab mode on, the E step's question answered 0.3 (the answer is 0.244): the E step is
    shown (the histogram shared out in green and red, N_k in bold), and the status line starts
    "✗ wrong: the answer was 0.244 (±0.05; you: 0.3). E step of iteration 1: ..." and ends
    "lab: 0 of 1 right, L leaves"; the footer's fifth key reads "L 0/1 lab" (the score while the mode is on)."""
    assert _lab(snap_compare, ("L", "right", "0", ".", "3", "enter"), (120, 40))
