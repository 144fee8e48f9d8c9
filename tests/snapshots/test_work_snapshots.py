"""Snapshots of the worked arithmetic (w, then Enter) on the six numbers 1.1, 1.3, 0.9, 5.2, 4.8, 5.0 from
the start π = (0.5, 0.5), μ = (1, 5), σ = (1, 1); the SVGs are in __snapshots__/, looked at before committing.

Regenerate with ``pytest tests/snapshots/test_work_snapshots.py --snapshot-update`` only when a change
meant to alter these screens.
"""

from __future__ import annotations

from em_tui.core.data import from_text
from em_tui.core.model import Mixture
from em_tui.session.scenario import Scenario
from em_tui.tui import create_app

SIX = "1.1 1.3 0.9 5.2 4.8 5.0"


def _app(fault=None):
    return create_app(Scenario.build(dataset=from_text(SIX), k=2, fault=fault), pace=0.0)


def _keys(*keys):
    async def run_before(pilot) -> None:
        await pilot.pause()
        app = pilot.app
        app.session.set_start(2, "user", start=Mixture.create([0.5, 0.5], [1.0, 5.0], [1.0, 1.0]))
        app.show(app.session.last)
        for key in keys:
            await pilot.press(key)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.pause()

    return run_before


def test_point_mode_mark(snap_compare):
    """The simulator at 80×24 in point mode: a ▲ on the claim strip under 4.8 (and a thin orange line
    over the plot there); the status says 'point 5 (x = 4.8), 4 of 6 by x: Enter shows its E step, ←/→
    move (PgUp/PgDn by 10), w leaves'; the footer starts with Enter, → and ← (the point mode's keys)."""
    assert snap_compare(_app(), terminal_size=(80, 24), run_before=_keys("w"))


def test_worked_e_step(snap_compare):
    """The worked screen at 100×40 for point 4 (x = 5.2) at iteration 0: component 1 (π1 0.5, μ1 1, σ1 1):
    z = 4.2, exponent -8.82, N = 5.89431e-05, π1 N1 = 2.94715e-05; component 2: z = 0.2, N = 0.391043,
    π2 N2 = 0.195521; p(x) = 0.195551; γ1 = 0.00015071, γ2 = 0.999849; then the log domain's l1 = -10.4321,
    l2 = -1.63209, the shift, exp(l_k − s), their sum 1.00015 and the same γ. Under it the check field,
    the accepted names and the tolerance; the footer's e m t c keys."""
    assert snap_compare(_app(), terminal_size=(100, 40), run_before=_keys("w", "end", "enter"))


def test_worked_m_step(snap_compare):
    """The M step of iteration 1 at 100×40: component 1 N1 = 2.99939, Σγx = 3.30384, μ1 = 1.1015,
    Σγ(x − μ1)² = 0.097787, σ1² = 0.0326022, σ1 = 0.180561, π1 = 0.499899; component 2 N2 = 3.00061,
    μ2 = 4.99771, σ2 = 0.188454, π2 = 0.500101; LL[0] = -9.76444 and LL[1] = -1.88427 at the end
    (scroll); the verdict of 'mu1 0.55' in the check line's colour for wrong: 'the correct value is 1.1015
    (divided by N instead of N_k)'."""
    assert snap_compare(_app(), terminal_size=(100, 40),
                        run_before=_keys("w", "end", "enter", "m", "c", *"mu1 0.55", "enter"))


def test_worked_table(snap_compare):
    """The textbook table at 80×24: six rows (point, x, π1N1, π2N2, p(x), γ1, γ2), e.g. point 4: 5.2,
    2.947e-05, 0.1955, 0.1956, 0.0001507, 0.9998; the column sums in bold under them (Σγ = 2.999 and
    3.001) and the line N1 = 2.99939, N2 = 3.00061 · LL = -9.76444."""
    assert snap_compare(_app(), terminal_size=(80, 24), run_before=_keys("w", "end", "enter", "t"))


def test_worked_faulty_line(snap_compare):
    """Under the fault divide-by-n at 100×40, the M step: each σ² line reads 'Σ γ(x − μ)² / N = … / 6'
    and ends in '✗ faulty line', drawn bold red; the title names the fault."""
    assert snap_compare(_app("divide-by-n"), terminal_size=(100, 40), run_before=_keys("w", "end", "enter", "m"))
