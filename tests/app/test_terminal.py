"""The app and the terminal: NO_COLOR, and how the app ends (status, message, the terminal restored)."""

from __future__ import annotations

from em_tui.app import create_app
from em_tui.app.screens.resp import ResponsibilityScreen

from app_helpers import assert_table_matches_engine


async def test_no_color_opens_and_steps(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = create_app(pace=0.0)
    assert app.no_color
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right", "right", "e")
        await pilot.pause()
        assert app.session.t == 2 and app.session.half
        assert_table_matches_engine(app)
        strip = app.query_one("#strip").plain
        assert strip.strip() and set(strip.strip()) <= set("█▓▒░")
        await pilot.press("m", "t")  # the responsibilities are drawn through the line API too
        await pilot.pause()
        assert isinstance(app.screen, ResponsibilityScreen)
        await pilot.press("escape", "g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.session.at_end
        assert_table_matches_engine(app)
