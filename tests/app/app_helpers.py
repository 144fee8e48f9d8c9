"""Reading what the app shows, and what the engine says it should show."""

from __future__ import annotations

import numpy as np
from rich.console import Console

from em_tui.core.config import FitConfig
from em_tui.core import data
from em_tui.core.model import Mixture
from em_tui.core.trajectory import Trajectory


def rendered(widget, width: int = 80) -> str:
    """The text of a Static widget's content, as the terminal shows it."""
    console = Console(width=width, record=True, file=open("/dev/null", "w"), color_system=None)
    console.print(widget.content)
    return console.export_text()


def table_values(app) -> dict[str, str]:
    """{'π1': '0.500', ..., 'N2': '100.0', 'LL': '-470.737', 't': '0', 'converged:': 'no'}: the estimates
    the frame gives the table (test_table_draws_the_frames_rows checks the table draws them)."""
    frame = app.frame
    out = {row[0]: row[1] for row in frame.table}
    for line in frame.summary:
        parts = line.split()
        out[parts[0]] = parts[1]
    return out


def table_rows_shown(app) -> list[list[str]]:
    """The rows as the table widget shows them (split on spaces)."""
    return [ln.split() for ln in rendered(app.query_one("#table")).splitlines() if ln.strip()]


def status(app) -> str:
    """The status line's words (the frame's; test_frame checks the status line shows them)."""
    return app.frame.status


def banner(app) -> str | None:
    """The banner's words, or None when there is none (the frame's)."""
    return app.frame.banner or None


def engine_run(seed: int, means, fault: str | None, t: int, start: Mixture | None = None, x=None) -> Trajectory:
    """An independent run of the engine up to iteration t (or convergence): the lesson's data and
    start unless ``x`` and ``start`` are given."""
    if start is None:
        start = Mixture.create([0.5, 0.5], list(means), [1.5, 1.5])
    run = Trajectory(data.simulate(seed) if x is None else x, start, FitConfig(fault=fault or None))
    while run.iterations < t and not run.done:
        run.step()
    return run


def expected_values(seed: int, means, fault: str | None, t: int, half: bool = False,
                    start: Mixture | None = None, x=None) -> dict[str, float]:
    """What the engine says the table should show, components ordered by their means."""
    run = engine_run(seed, means, fault, t, start, x)
    p = run.params(t)
    order = np.argsort(p.means, kind="stable")
    nk = run.half(t).nk if half else p.weights * run.data.n  # the run's own E step (a fault's, if it has one)
    out = {}
    for i, j in enumerate(order, start=1):
        out[f"π{i}"] = float(p.weights[j])
        out[f"μ{i}"] = float(p.means[j])
        out[f"σ{i}"] = float(p.sds[j])
        out[f"N{i}"] = float(nk[j])
    out["LL"] = float(run.ll_at(t))
    return out


def agrees_to_digits_shown(shown: str, value: float) -> bool:
    """True if ``value`` rounds to ``shown`` (as many decimals, or significant digits, as shown)."""
    text = shown.replace(",", "")
    if "e" in text.lower():
        mantissa = text.lower().split("e")[0].lstrip("+-")
        digits = len(mantissa.replace(".", "").lstrip("0"))
        return abs(float(text) - value) <= 0.5 * 10 ** (1 - digits) * abs(float(text)) * 1.0000001
    decimals = len(text.split(".")[1]) if "." in text else 0
    return abs(float(text) - value) <= 0.5 * 10 ** (-decimals) * 1.0000001


def assert_table_matches_engine(app) -> None:
    """The table against an independent engine run from the session's start on the same data."""
    s = app.session
    if s.k != 2 or not s.simulated:
        return assert_components_match(app)
    shown = table_values(app)
    want = expected_values(s.seed, s.means, s.fault, s.t, s.half, start=s.start, x=data.simulate(s.seed, s.n))
    for key, value in want.items():
        assert agrees_to_digits_shown(shown[key], value), (key, shown[key], value, s.seed, s.means, s.fault, s.t, s.half)
    assert shown["t"] == str(s.t)


def assert_components_match(app) -> None:
    """For K != 2 or the user's data: rows 'k π μ σ N' against an engine run from the session's start."""
    s = app.session
    x = data.simulate(s.seed, s.n) if s.simulated else s.dataset.values
    want = expected_values(s.seed, None, s.fault, s.t, s.half, start=s.start, x=x)
    rows = app.frame.table
    assert len(rows) == s.k
    for i, (num, pi, mu, sd, nk) in enumerate(rows, start=1):
        for key, shown in ((f"π{i}", pi), (f"μ{i}", mu), (f"σ{i}", sd), (f"N{i}", nk)):
            assert agrees_to_digits_shown(shown, want[key]), (key, shown, want[key])


async def settle(pilot) -> None:
    """Wait until every worker is done and the messages they posted are handled (also the workers
    that those messages start)."""
    await pilot.pause()
    while any(not w.is_finished for w in pilot.app.workers):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def until(pilot, condition, pauses: int = 500) -> None:
    """Let the app handle its messages (at most ``pauses`` rounds of them) until ``condition()`` holds.

    Only for a state in the middle of a run or a search (the run has reached t = 2, a search has
    posted its first progress), which no worker's end marks. It waits on messages being handled,
    not on time: each round is ``pilot.pause()``, which returns once the app is idle. To wait for
    a worker to finish, use :func:`settle` (the workers' own completion) instead."""
    for _ in range(pauses):
        if condition():
            return
        await pilot.pause()
    assert condition()
