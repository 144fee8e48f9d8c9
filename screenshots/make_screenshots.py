"""Write one SVG per scenario of the snapshot tests into screenshots/.

    python screenshots/make_screenshots.py

The scenarios (sizes, keys, typed input) are the snapshot tests' own
(tests/snapshots/scenarios.py), so the pictures in the README show exactly the
screens the tests pin.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "snapshots"))

from scenarios import SCENARIOS, drive, make_app  # noqa: E402
import test_work_snapshots as worked  # noqa: E402


def _lesson():
    from em_tui.tui import create_app

    return create_app(pace=0.0)


async def _lab_keys(pilot) -> None:
    await pilot.pause()
    for key in ("L", "right"):
        await pilot.press(key)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


#: The worked arithmetic and the lab mode, driven as their snapshot tests drive them:
#: (name, size, the app, what brings it to the screen, what it shows).
MORE = [
    ("worked-e-step", (100, 40), worked._app, worked._keys("w", "end", "enter"),
     "the E step at point 4 of the six numbers, written out (plain and in the log domain)"),
    ("worked-m-step", (100, 40), worked._app, worked._keys("w", "end", "enter", "m", "c", *"mu1 0.55", "enter"),
     "the M step's sums and the new parameters as fractions of them; a checked number named as a slip"),
    ("worked-table", (80, 24), worked._app, worked._keys("w", "end", "enter", "t"),
     "the textbook table: every point's π_k·N_k, p(x) and γ_k, the column sums under it"),
    ("lab-question", (80, 24), _lesson, _lab_keys, "the lab mode's question before the E step"),
]


async def shoot(scenario) -> Path:
    app = make_app(scenario)
    async with app.run_test(size=scenario.size) as pilot:
        await drive(pilot, scenario)
        path = HERE / f"{scenario.name}.svg"
        app.save_screenshot(filename=path.name, path=str(HERE))
    return path


async def shoot_more(name, size, make, run_before) -> Path:
    app = make()
    async with app.run_test(size=size) as pilot:
        await run_before(pilot)
        path = HERE / f"{name}.svg"
        app.save_screenshot(filename=path.name, path=str(HERE))
    return path


def main() -> None:
    for scenario in SCENARIOS:
        path = asyncio.run(shoot(scenario))
        print(f"{path.relative_to(ROOT)}  {scenario.size[0]}x{scenario.size[1]}  {scenario.description}")
    for name, size, make, run_before, description in MORE:
        path = asyncio.run(shoot_more(name, size, make, run_before))
        print(f"{path.relative_to(ROOT)}  {size[0]}x{size[1]}  {description}")


if __name__ == "__main__":
    main()
