"""A snapshot of the simulator opened for one student (``em-tui --student ID``)."""

from __future__ import annotations

from em_tui.cli.args import parse_args
from em_tui.cli.launch import app_scenario
from em_tui.tui import create_app


def test_opened_for_a_student_at_80x24(snap_compare):
    """``em-tui --student "Ann Lee"`` at 80×24, iteration 0: the status line begins "simulated for
    student Ann Lee (seed 2927334271): iteration 0: the start." and still names the step keys on its
    second row; the data seed field shows 2927334271; the plots show that student's own sample (not
    the lesson's seed 139), the start at μ = 1, 3."""
    app = create_app(app_scenario(parse_args(["--student", "Ann Lee"])), pace=0.0)

    async def run_before(pilot) -> None:
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
