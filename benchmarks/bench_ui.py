"""How fast the simulator answers, driven headless (a benchmark, not a test).

    python benchmarks/bench_ui.py            # full run
    python benchmarks/bench_ui.py --quick    # fewer repeats

Prints medians of:
  * key press (→) to repainted screen, one iteration at 120x40, N = 200 and N = 1e6
    (targets <= 30 ms and <= 150 ms). Keys are posted to the app as the terminal
    driver posts them; "repainted" means both plot panels have been rendered
    again after the key: the time is taken when the second of them finishes its
    render (Textual repaints on its own refresh tick, so this includes the wait
    for the next tick).
  * while running to convergence on N = 1e6: time from a key press (? opens the
    help) to the help being on screen, and from g (stop) to the run stopped
    (target <= 100 ms)
  * the responsibilities view (key t) at N = 1e6: time to open it and to jump to
    the last rows (End); rows are computed only for what is on screen
  * em-tui's first frame: a fresh Python process, from its start to the first
    line of the mixture panel drawn (target <= 1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textual import events  # noqa: E402

from em_tui.tui import create_app  # noqa: E402
from em_tui.tui.screens.help import HelpScreen  # noqa: E402
from em_tui.tui.widgets.plots import LLPlot, MixturePlot  # noqa: E402
from em_tui.session.scenario import Scenario

SIZE = (120, 40)
#: Seconds between key presses: a brisk reader stepping through EM. Back-to-back presses (a held
#: key) are printed too; they wait longer because Textual repaints at most once per refresh tick.
HUMAN_PACE = 0.2


class RenderClock:
    """Records when each plot panel last finished rendering one of its lines.

    A repaint happens in one synchronous pass, so once a poll sees both panels
    drawn after the key, their last line times are that repaint's end.
    """

    def __init__(self) -> None:
        self.done: dict[str, float] = {}
        for cls in (MixturePlot, LLPlot):
            original = cls.render_line

            def timed(widget, y, _original=original):
                out = _original(widget, y)
                self.done[widget.id] = time.perf_counter()
                return out

            cls.render_line = timed

    def both_after(self, t0: float) -> float | None:
        times = [self.done.get("mixture", 0.0), self.done.get("llplot", 0.0)]
        return max(times) - t0 if min(times) > t0 else None


def send_key(app, key: str, character: str | None = None) -> float:
    """Post a key to the app the way the terminal driver does; returns the time it was sent."""
    t0 = time.perf_counter()
    app.post_message(events.Key(key, character))
    return t0


async def _wait(cond, timeout: float = 5.0) -> None:
    end = time.perf_counter() + timeout
    while not cond():
        if time.perf_counter() > end:
            raise TimeoutError("the screen did not update in time")
        await asyncio.sleep(0.001)


async def step_latency(n: int, repeats: int, clock: RenderClock, rest: float) -> list[float]:
    """Key → both panels rendered, with ``rest`` seconds between key presses."""
    app = create_app(Scenario.build(n=n), pace=0.0)
    samples = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(repeats):
            t0 = send_key(app, "right")
            await _wait(lambda: clock.both_after(t0) is not None)
            samples.append(clock.both_after(t0))
            await pilot.pause()
            await asyncio.sleep(rest)
    return samples


async def running_latency(n: int, repeats: int) -> tuple[list[float], float, int]:
    app = create_app(Scenario.build(n=n))  # the real pace
    answers = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("g")
        await pilot.pause(0.3)
        for _ in range(repeats):
            assert app.running
            t0 = send_key(app, "question_mark", "?")
            await _wait(lambda: isinstance(app.screen, HelpScreen))
            answers.append(time.perf_counter() - t0)
            send_key(app, "escape")
            await _wait(lambda: not isinstance(app.screen, HelpScreen))
            await asyncio.sleep(0.1)
        t0 = send_key(app, "g", "g")
        await _wait(lambda: not app.running)
        stop = time.perf_counter() - t0
        reached = app.session.t
    return answers, stop, reached


async def responsibilities_view(n: int) -> tuple[float, float]:
    """Key t → the view drawn, and PgDn → the next page drawn, at N points (rows computed on demand)."""
    from em_tui.tui.screens.resp import ResponsibilityScreen, ResponsibilityTable

    app = create_app(Scenario.build(n=n), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        t0 = send_key(app, "t", "t")
        await _wait(lambda: isinstance(app.screen, ResponsibilityScreen) and app.screen.query(ResponsibilityTable)
                    and app.screen.query_one(ResponsibilityTable)._block_start >= 0)
        opened = time.perf_counter() - t0
        table = app.screen.query_one(ResponsibilityTable)
        first = table._block_start
        t0 = send_key(app, "end")
        await _wait(lambda: table._block_start != first)
        jumped = time.perf_counter() - t0
    return opened, jumped


def first_frame() -> float:
    code = (
        "import time, asyncio\n"
        "from em_tui.tui import create_app\n"
        "from em_tui.tui.widgets.plots import MixturePlot\n"
        "seen = []\n"
        "orig = MixturePlot.render_line\n"
        "def render(w, y):\n"
        "    out = orig(w, y); seen.append(time.time()); return out\n"
        "MixturePlot.render_line = render\n"
        "async def main():\n"
        "    app = create_app()\n"
        "    async with app.run_test(size=(120, 40)) as pilot:\n"
        "        while not seen:\n"
        "            await asyncio.sleep(0.001)\n"
        "asyncio.run(main())\n"
        "print(seen[0])\n"
    )
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return float(out.stdout.strip().splitlines()[-1]) - t0


def ms(v: float) -> str:
    return f"{v * 1e3:7.1f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    reps = 5 if args.quick else 20
    clock = RenderClock()
    verdicts = []
    for n, target in ((200, 0.030), (1_000_000, 0.150)):
        samples = asyncio.run(step_latency(n, reps, clock, rest=HUMAN_PACE))
        fast = asyncio.run(step_latency(n, reps, clock, rest=0.0))
        med = statistics.median(samples)
        verdicts.append(med <= target)
        print(f"key → repainted, one iteration, N = {n:>9,}: median {ms(med)}  max {ms(max(samples))}"
              f"  (target <= {target * 1e3:.0f} ms: {'met' if med <= target else 'NOT met'});"
              f"  keys back to back: median {ms(statistics.median(fast))}")
    answers, stop, reached = asyncio.run(running_latency(1_000_000, max(3, reps // 2)))
    med = statistics.median(answers)
    verdicts.append(max(answers) <= 0.100 and stop <= 0.100)
    print(f"while running to convergence, N = 1,000,000: key answered median {ms(med)}  max {ms(max(answers))};"
          f" g stops the run in {ms(stop)} (at iteration {reached})"
          f"  (target <= 100 ms: {'met' if verdicts[-1] else 'NOT met'})")
    opened, jumped = asyncio.run(responsibilities_view(1_000_000))
    print(f"responsibilities view, N = 1,000,000: opens in {ms(opened)} (sorting x once), End shows the last rows in {ms(jumped)}")
    firsts = [first_frame() for _ in range(3 if args.quick else 5)]
    first = statistics.median(firsts)
    verdicts.append(first <= 1.0)
    print(f"first frame of a fresh process: median {ms(first)}  (target <= 1000 ms: {'met' if first <= 1.0 else 'NOT met'})")
    print("\nall targets met" if all(verdicts) else "\nsome targets NOT met")


if __name__ == "__main__":
    main()
