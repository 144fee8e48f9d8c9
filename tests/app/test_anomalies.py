"""Anomalies (key a): the list against an independent computation of log p(x), the ! marks on the strip,
bad quantiles refused with the previous marks kept, marks that follow the iteration shown."""

from __future__ import annotations

import numpy as np
from app_helpers import status
from textual.widgets import Input

from em_tui.tui import create_app
from em_tui.tui.screens.anomaly import AnomalyScreen
from em_tui.core import data
from em_tui.session.scenario import Scenario

SIZE = (120, 40)


def log_p(x: np.ndarray, weights, means, sds) -> np.ndarray:
    """log of Σ_k π_k N(x | μ_k, σ_k²), written out (no engine code)."""
    x = np.asarray(x)[:, None]
    dens = np.asarray(weights) * np.exp(-0.5 * ((x - means) / sds) ** 2) / (np.sqrt(2 * np.pi) * np.asarray(sds))
    return np.log(dens.sum(axis=1))


def expected(app, q: float) -> tuple[np.ndarray, np.ndarray]:
    s = app.session
    p = s.trajectory.params(s.t)
    x = s.data.x
    lp = log_p(x, p.weights, p.means, p.sds)
    flagged = np.flatnonzero(lp < np.quantile(lp, q))
    return flagged[np.argsort(lp[flagged])], lp


def listed(screen) -> list[list[str]]:
    table = screen.query_one("#anomaly-table")
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def strip_marks(app) -> list[int]:
    """The strip's columns (from the canvas' left edge) that the frame marks as anomalies
    (test_frame checks the strip widget draws the frame's cells)."""
    return [i for i, cell in enumerate(app.frame.strip) if cell.rank < 0]


def strip_columns(app, points: np.ndarray) -> list[int]:
    """The strip's columns that hold these points, worked out here from the frame's x limits and
    the strip's width."""
    lo, hi = app.frame.backdrop.x_limits
    width = len(app.frame.strip)
    x = app.session.data.x[points]
    return sorted({min(width - 1, int((v - lo) / (hi - lo) * width)) for v in x})


async def submit(pilot, text: str) -> None:
    field = pilot.app.screen.query_one("#anomaly-q", Input)
    field.value = text
    field.focus()
    await pilot.press("enter")
    await pilot.pause()


async def test_list_and_marks_match_an_independent_computation():
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(20):
            await pilot.press("right")
        await pilot.press("a")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AnomalyScreen)
        order, lp = expected(app, 0.01)
        rows = listed(screen)
        assert len(rows) == order.size == 2
        for row, i in zip(rows, order):
            assert row[1] == f"{i + 1:,}" and float(row[2]) == float(f"{app.session.data.x[i]:.6g}")
            assert abs(float(row[3]) - lp[i]) < 5e-5
        assert "2 of 200 points" in str(screen.query_one("#anomaly-summary").render())
        # 5 %: ten points
        await submit(pilot, "5%")
        order5, _ = expected(app, 0.05)
        assert [r[1] for r in listed(screen)] == [f"{i + 1:,}" for i in order5] and len(order5) == 10
        # a bad quantile: an error, the list and the marks stay
        await submit(pilot, "abc")
        assert "a number such as 0.01 or 1%" in str(screen.query_one("#anomaly-error").render())
        assert len(listed(screen)) == 10 and app.session.anomaly_quantile == 0.05
        await submit(pilot, "80%")
        assert "at most 0.5" in str(screen.query_one("#anomaly-error").render())
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert "anomalies: 10 of 200 points" in status(app) and "5% quantile" in status(app)
        # the strip marks the columns of the flagged points, and only those
        assert all(cell.char == "!" for cell in app.frame.strip if cell.rank < 0)
        assert strip_marks(app) == strip_columns(app, order5)
        # the marks follow the iteration shown
        await pilot.press("0")
        order0, _ = expected(app, 0.05)
        assert set(order0) != set(order5) and strip_marks(app) == strip_columns(app, order0)


async def test_marks_off_and_on_user_data():
    ds = data.load_dataset("galaxies")
    app = create_app(Scenario.build(dataset=ds, k=3), pace=0.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        screen = app.screen
        order, _ = expected(app, 0.01)
        assert [r[1] for r in listed(screen)] == [f"{i + 1:,}" for i in order]
        assert strip_marks(app)
        await submit(pilot, "off")
        assert listed(screen) == [] and app.session.anomaly_quantile is None
        await pilot.press("escape")
        await pilot.pause()
        assert strip_marks(app) == [] and "anomaly marks off" in status(app)
        # main keys are not taken by the dialog, but work again after it
        await pilot.press("right")
        assert app.session.t == 1


def test_marks_follow_new_data_and_a_new_start():
    from em_tui.session.session import Session

    s = Session(Scenario.build(seed=0))
    s.mark_anomalies(0.05)
    first = s.anomalies()
    for seed in range(1, 30):  # new trajectories every time: the list is always of the data shown
        s.restart(seed=seed)
        found = s.anomalies()
        assert found is not first and np.isin(found.values, s.data.x).all()
        lp = log_p(s.data.x, *(getattr(s.trajectory.params(0), a) for a in ("weights", "means", "sds")))
        assert sorted(found.index.tolist()) == sorted(np.flatnonzero(lp < np.quantile(lp, 0.05)).tolist())
