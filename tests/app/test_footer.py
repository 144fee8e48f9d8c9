"""The footer shows as many of the simulator's keys as the width allows, each whole, in the order of use."""

from __future__ import annotations

from app_helpers import settle

from em_tui.tui.app import EmApp
from em_tui.tui.commands import declared
from em_tui.tui.widgets.footer import ALWAYS, KeyFooter


def in_the_footer() -> list[str]:
    """The actions of the bindings the footer can show, in their order (one entry per action); the point
    mode's (tests/app/test_work_keys.py) only while it is on."""
    return list(dict.fromkeys(b.action for b in declared(EmApp.BINDINGS) if b.show and not b.action.startswith("point_")))


def visible_keys(footer: KeyFooter) -> list:
    return [w for w in footer.walk_children() if getattr(w, "action", None) and w.region.width]


async def test_a_narrow_footer_keeps_the_first_keys_whole_and_always_help_and_quit(make_app):
    app = make_app(seed=3)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = app.query_one(KeyFooter)
        shown = footer.shown
        order = [a for a in in_the_footer() if a not in ALWAYS]
        first = [a for a in shown if a not in ALWAYS]
        assert len(first) >= 8 and first == order[:len(first)] and len(first) < len(order)
        assert shown[-2:] == ["help", "quit"]
        assert all(0 <= w.region.x and w.region.right <= footer.region.right for w in visible_keys(footer))
        assert [w.action for w in visible_keys(footer) if not w.has_class("-command-palette")] == shown


async def test_a_wide_footer_shows_every_key_and_a_resize_brings_them_back(make_app):
    app = make_app(seed=3)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = app.query_one(KeyFooter)
        assert len(footer.shown) < len(in_the_footer())
        await pilot.resize_terminal(240, 30)
        await settle(pilot)
        assert footer.shown == in_the_footer()
        palette = [w for w in visible_keys(footer) if w.has_class("-command-palette")]
        keys = [w for w in visible_keys(footer) if not w.has_class("-command-palette")]
        assert palette and max(w.region.right for w in keys) <= palette[0].region.x
        await pilot.resize_terminal(100, 30)
        await settle(pilot)
        assert 8 < len(footer.shown) < len(in_the_footer())
