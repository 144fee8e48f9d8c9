"""The choice of K (key k) says when BIC's or AIC's pick is not decisive: the next best K within 2."""

from __future__ import annotations

from app_helpers import settle

from em_tui.core import data
from em_tui.session.scenario import Scenario
from em_tui.tui import create_app
from em_tui.tui.screens.selectk import SelectKScreen

SIZE = (120, 40)


async def choose_k(dataset: str):
    """The choice of K on a built-in data set, finished: (its table's rows, its status)."""
    app = create_app(Scenario.build(dataset=data.load_dataset(dataset), seed=0), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SelectKScreen) and not screen.running
        table = screen.query_one("DataTable")
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        return rows, screen.status_text


def values(rows, column: int) -> dict[int, float]:
    """{K: the column's value} of the rows where no component collapsed (those are never picked)."""
    return {int(r[0]): float(r[column].replace(",", "")) for r in rows if "collapsed" not in r[4]}


async def test_aic_within_2_of_its_pick_is_not_decisive_and_bic_far_ahead_is():
    """Old Faithful's waiting times: both pick K = 2; AIC's K = 3 is only 1.27 above it, BIC's 12 above."""
    rows, said = await choose_k("old-faithful-waiting")
    bic, aic = values(rows, 2), values(rows, 3)
    assert min(bic, key=bic.get) == min(aic, key=aic.get) == 2
    aic_gap = sorted(aic.values())[1] - aic[2]
    bic_gap = sorted(bic.values())[1] - bic[2]
    assert aic_gap < 2 <= bic_gap
    assert f"AIC's choice is not decisive: K = 3 (≈ AIC) is only {aic_gap:.3g} above K = 2, less than 2." in said
    assert "BIC's choice is not decisive" not in said
    assert "≈ AIC" in rows[2][4] and not any("≈ BIC" in r[4] for r in rows)
    assert sum("≈" in r[4] for r in rows) == 1


async def test_picks_ahead_by_2_or_more_say_nothing_more():
    """Iris petal lengths: K = 2 by both, the next best K more than 4 above by either."""
    rows, said = await choose_k("iris-petal-length")
    for column in (2, 3):
        by_k = values(rows, column)
        assert min(by_k, key=by_k.get) == 2 and sorted(by_k.values())[1] - by_k[2] >= 2
    assert "not decisive" not in said and not any("≈" in r[4] for r in rows)
    assert "BIC picks K = 2, AIC picks K = 2." in said
