"""Keys typed in one burst (a laggy SSH link, a paste, fast typing) land where they were typed, in order.

``burst`` posts every key to the app at once, as a terminal's driver does with the keys of one read:
nothing is handled between them (``pilot.press`` instead waits for the app to be idle after each key).
"""

from __future__ import annotations


import numpy as np
import pytest
from app_helpers import settle
from textual import events
from textual.app import App, ComposeResult
from textual.keys import _character_to_key
from textual.widgets import Input, TextArea

from em_tui.core.faults import FAULTS
from em_tui.session.session import PRESETS
from em_tui.tui.screens.data import DataScreen
from em_tui.tui.screens.start import StartScreen

SIZE = (120, 40)
#: The characters of the keys that have one (what a terminal sends for them).
CHARACTERS = {"tab": "\t", "enter": "\r", "backspace": "\x7f", "escape": "\x1b", "space": " "}


def key(name: str) -> events.Key:
    """The event of key ``name`` ("a", ".", "tab", "ctrl+s"), as Textual's driver makes it."""
    if len(name) == 1:
        return events.Key(name if name.isalnum() else _character_to_key(name), name)
    return events.Key(name, CHARACTERS.get(name))


def burst(app: App, *keys: str | events.Event) -> None:
    """Every key (or event: a paste) in the app's queue at once, in order."""
    for k in keys:
        app.post_message(key(k) if isinstance(k, str) else k)


async def landed(pilot) -> None:
    """Every key of the burst handled, and what they started."""
    await settle(pilot)
    assert pilot.app.typing_ahead == 0
    await settle(pilot)


def values(screen) -> dict[str, str]:
    return {w.id: w.value for w in screen.query(Input)}


async def test_a_value_and_enter_typed_at_once_land_in_the_field(make_app):
    app = make_app(seed=3)
    async with app.run_test(size=SIZE) as pilot:
        mu2 = app.session.start_means[1]
        burst(app, "tab", *"0.5", "enter")  # "0" is also a key of the simulator: here it is typed
        await landed(pilot)
        assert app.session.start_means == (0.5, mu2) and app.session.t == 0


async def test_a_backspace_and_an_arrow_in_a_burst_act_where_they_were_typed(make_app):
    app = make_app(seed=3)
    async with app.run_test(size=SIZE) as pilot:
        mu2 = app.session.start_means[1]
        burst(app, "tab", *"12", "backspace", "3", "enter")  # Textual alone: "13" then Backspace, 1
        await landed(pilot)
        assert app.session.start_means == (13.0, mu2)
        burst(app, "tab", *"25", "left", "1", "enter")
        await landed(pilot)
        assert app.session.start_means == (215.0, mu2)


async def test_keys_after_tab_go_to_the_next_field(make_app):
    app = make_app(seed=3)
    async with app.run_test(size=SIZE) as pilot:
        mu1 = app.session.start_means[0]
        burst(app, "tab", *"0.5", "tab", *"2.5", "enter")  # μ₁ left without Enter: only μ₂ is applied
        await landed(pilot)
        assert app.session.start_means == (mu1, 2.5)
        assert values(app.screen)["in-mu1"] == f"{mu1:.4g}"


async def test_the_start_editors_fields_get_each_their_own_value(make_app):
    """The issue's weight of 0.4210.641: the next value was typed into the field Tab was leaving."""
    app = make_app(seed=3)
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "i", "tab", "tab", "tab", *"0.25", "tab", *"-1", "tab", *"2", "tab", *"0.75", "tab",
              *"4", "tab", *"0.5")
        await landed(pilot)
        screen = app.screen
        assert isinstance(screen, StartScreen)
        shown = values(screen)
        assert [shown[f] for f in ("w-0", "m-0", "s-0", "w-1", "m-1", "s-1")] == ["0.25", "-1", "2", "0.75", "4", "0.5"]
        burst(app, "ctrl+s")
        await landed(pilot)
        start = app.session.start
        assert app.screen is app.screen_stack[0]
        np.testing.assert_array_equal(start.weights, [0.25, 0.75])
        np.testing.assert_array_equal(start.means, [-1.0, 4.0])
        np.testing.assert_array_equal(start.sds, [2.0, 0.5])


@pytest.mark.parametrize("opens, number", [("p", 2), ("f", 2), ("p", 3)])
async def test_a_dialog_key_then_its_number_key_at_once(make_app, opens, number):
    """The key after p reaches the list p opens, not the simulator under it."""
    app = make_app(seed=3)
    async with app.run_test(size=SIZE) as pilot:
        burst(app, opens, str(number))
        await landed(pilot)
        assert app.screen is app.screen_stack[0]
        if opens == "p":
            assert app.session.start_means == list(PRESETS.values())[number - 1].means
        else:
            assert app.session.fault == list(FAULTS)[number - 2]


async def test_a_number_typed_as_a_dialog_opens_goes_into_its_field(make_app):
    app = make_app(seed=3)
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "right", "i", "3", "enter")  # K = 3: the field the editor opens on
        await landed(pilot)
        screen = app.screen
        assert isinstance(screen, StartScreen) and values(screen)["start-k"] == "3"
        assert [row.display for row in screen.query(".start-row")][:4] == [True, True, True, False]
        burst(app, "escape", "d", *"0.5 1.5")  # "0" and "1" are keys of the simulator too
        await landed(pilot)
        assert isinstance(app.screen, DataScreen)
        assert app.screen.query_one("#data-text", TextArea).text == "0.5 1.5"
        assert app.session.t == 1


async def test_a_paste_keeps_its_place_among_the_keys(make_app):
    app = make_app(seed=3)
    async with app.run_test(size=SIZE) as pilot:
        mu2 = app.session.start_means[1]
        burst(app, "tab", events.Paste("7.5"), "enter")
        await landed(pilot)
        assert app.session.start_means == (7.5, mu2)


KEYS = ["right", "right", "e", "m", "left", "tab", *"2", "enter", "r", "tab", "tab", *"1.5", "enter",
        "i", "tab", "tab", "tab", *"0.3", "tab", *"1", "escape", "end", "f", "3", "right", "p", "1", "right"]


async def test_a_burst_does_what_the_same_keys_pressed_one_by_one_do(make_app):
    seen = []
    for together in (False, True):
        app = make_app(seed=3)
        async with app.run_test(size=SIZE) as pilot:
            if together:
                burst(app, *KEYS)
                await landed(pilot)
            else:
                for k in KEYS:
                    await pilot.press(k)
                await settle(pilot)
            s = app.session
            seen.append((s.seed, s.start_means, s.fault, s.t, s.half, app.frame.status))
    assert seen[0] == seen[1]
    assert seen[0][3] == 1 and seen[0][4] is False


class Typing(App[None]):
    def compose(self) -> ComposeResult:
        yield Input()


async def test_textual_alone_reorders_a_backspace_typed_in_a_burst():
    """Why tui/keyorder.py is there: Textual (issue 6605) applies a Backspace read with the next
    characters after them. When this fails, Textual keeps the order itself."""
    app = Typing()
    async with app.run_test() as pilot:
        burst(app, "a", "b", "backspace", "c")
        await settle(pilot)
        assert app.query_one(Input).value == "ab"
