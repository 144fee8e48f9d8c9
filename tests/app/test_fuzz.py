"""Random keys and typed input, nonsense included: the app never raises and its table
always agrees with the engine for the state it claims to be in."""

from __future__ import annotations

import asyncio

from app_helpers import assert_table_matches_engine, banner, engine_run
from hypothesis import given, settings
from hypothesis import strategies as st

from em_tui.app import create_app
from em_tui.core.trajectory import find_decrease

KEYS = ["right", "n", "space", "left", "b", "e", "m", "g", "escape", "home", "0", "r", "p", "f",
        "question_mark", "f1", "1", "2", "3", "4", "tab", "enter", "up", "down", "delete", "t", "i", "end", "pagedown"]
FIELDS = ["mu1", "mu2", "seed", "t"]
NUMBERS = st.from_regex(r"-?[0-9]{1,3}(\.[0-9]{1,2})?", fullmatch=True)
NONSENSE = st.text(alphabet="0123456789.-+eEinfa xyz,", max_size=8)
ACTIONS = st.one_of(
    st.sampled_from(KEYS),
    st.tuples(st.sampled_from(FIELDS), st.one_of(NUMBERS, NONSENSE)),
)
#: a low cap keeps "g" (run to the end) short; it also exercises the cap
CAP = 25


async def _play(actions) -> None:
    app = create_app(pace=0.0, max_iter=CAP)
    async with app.run_test(size=(100, 30)) as pilot:
        for action in actions:
            if isinstance(action, str):
                await pilot.press(action)
                continue
            field, text = action
            while app.screen is not app.screen_stack[0]:  # close a dialog first
                await pilot.press("escape")
            inp = app.query_one(f"#in-{field}")
            inp.focus()
            inp.value = text
            await pilot.press("enter")
        await pilot.press("escape")  # stop a run that may still go on
        await app.workers.wait_for_complete()
        while app.screen is not app.screen_stack[0]:
            await pilot.press("escape")
        await pilot.pause()
        s = app.session
        assert 0 <= s.t <= s.trajectory.iterations <= CAP
        assert_table_matches_engine(app)
        if s.fault is None:
            assert banner(app) is None
        else:  # an independent run of the engine over the iterations the screen has shown
            seen = find_decrease(engine_run(s.seed, s.means, s.fault, s.reached).ll)
            assert (banner(app) is None) == (seen is None)


@settings(max_examples=25)
@given(st.lists(ACTIONS, max_size=14))
def test_random_keys_and_input_keep_the_app_consistent(actions):
    asyncio.run(_play(actions))
