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


async def shoot(scenario) -> Path:
    app = make_app(scenario)
    async with app.run_test(size=scenario.size) as pilot:
        await drive(pilot, scenario)
        path = HERE / f"{scenario.name}.svg"
        app.save_screenshot(filename=path.name, path=str(HERE))
    return path


def main() -> None:
    for scenario in SCENARIOS:
        path = asyncio.run(shoot(scenario))
        print(f"{path.relative_to(ROOT)}  {scenario.size[0]}x{scenario.size[1]}  {scenario.description}")


if __name__ == "__main__":
    main()
