"""Snapshot of the k-means vs EM screen (key c); the SVG is in __snapshots__/, looked at before committing.

Regenerate with ``pytest tests/snapshots/test_snapshot_compare.py --snapshot-update`` only when a
change meant to alter the screen.
"""

from __future__ import annotations

from em_tui.session.scenario import Scenario
from em_tui.tui import create_app


def test_kmeans_vs_em_after_shrinking_sigma(snap_compare):
    """The lesson's data (seed 0, K = 2) at 120×40 after c and two presses of ↓: the σ line says
    σ = 0.8617 (σ / sd = 0.375, sd of the data 2.298) with the marker third on the 1.5 sd … 1.43e-06 sd
    ladder and EM converged. Left, 'k-means: hard assignments': green 1 on the left, red 2 on the right,
    one step at the midpoint (about 2.2), numbers over the centres, the data's rug coloured by cluster.
    Right, 'EM with a shared σ = 0.8617': green γ1 falling and red γ2 rising in a steep S around the
    same place. Table: k-means centres 0.261/4.131 with 86/114 points beside EM means 0.296/4.126 and
    weights 0.433/0.567; 'points assigned differently: 1 of 200', mean ½Σ|γ − hard| 0.0402; the note
    (Bishop's limit, and ties) and the key line."""

    async def run_before(pilot) -> None:
        await pilot.pause()
        for key in ("c", "down", "down"):
            await pilot.press(key)
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(create_app(Scenario.build(seed=0), pace=0.0), terminal_size=(120, 40), run_before=run_before)
