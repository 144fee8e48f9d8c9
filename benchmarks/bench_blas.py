"""What one BLAS thread in the chunked passes saves, quiet and on a busy machine (one run).

    python benchmarks/bench_blas.py            # N = 1e6: per iteration and per key
    python benchmarks/bench_blas.py --quick    # fewer repeats
    python benchmarks/bench_blas.py --n 10000000 --no-keys

The passes' dot products run over 65,536 points at a time, long enough for OpenBLAS to split
each of them over every core. em-tui runs its passes inside a scoped limit of one BLAS thread
(em_tui.core._kernels.one_blas_thread); here the same work also runs without it, so the two can be
compared. Each is measured on a quiet machine and with the other cores busy (one busy-loop
process per other core, as on a shared lab server).

Figures: wall seconds (time.perf_counter) beside CPU seconds of this process (time.process_time,
every thread's CPU time: what the machine pays). Per iteration: (31 iterations - 1 iteration) / 30
at K = 2 from the lesson's start, the median of the repeats. Per key: the app at 120x40 with a
key (→, one iteration) every 0.2 s, from the key to both plot panels repainted (as in
bench_ui.py), median over the keys. Ratios are without / with the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from threadpoolctl import threadpool_info  # noqa: E402

from em_tui.core import _kernels as kernels, data, em  # noqa: E402
from em_tui.core.config import FitConfig  # noqa: E402
from em_tui.core.trajectory import run_em  # noqa: E402
from em_tui.session.scenario import Scenario

KEY_PACE = 0.2


@contextlib.contextmanager
def blas_limit(on: bool):
    """Run the block with em-tui's own BLAS limit (on) or with the passes left to BLAS's threads (off)."""
    if on:
        yield
        return
    scope = kernels.blas_scope_for
    kernels.blas_scope_for = lambda _data: contextlib.nullcontext()
    try:
        yield
    finally:
        kernels.blas_scope_for = scope


@contextlib.contextmanager
def busy_cores(count: int):
    """``count`` busy-loop processes (the other cores loaded), stopped afterwards."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        time.sleep(0.5)  # let them get going
        yield
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


def clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def per_iteration(x: np.ndarray, repeats: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds per iteration."""
    prepared = em.prepare(x)
    run_em(prepared, data.DEFAULT_START, FitConfig(tol=0.0, max_iter=2))  # warm up
    walls, cpus = [], []
    for _ in range(repeats):
        w0, c0 = clocks()
        run_em(prepared, data.DEFAULT_START, FitConfig(tol=0.0, max_iter=31))
        w1, c1 = clocks()
        run_em(prepared, data.DEFAULT_START, FitConfig(tol=0.0, max_iter=1))
        w2, c2 = clocks()
        walls.append(((w1 - w0) - (w2 - w1)) / 30)
        cpus.append(((c1 - c0) - (c2 - c1)) / 30)
    return statistics.median(walls), statistics.median(cpus)


async def _per_key(n: int, keys: int) -> tuple[float, float]:
    from bench_ui import SIZE, _wait, send_key

    from em_tui.tui import create_app

    clock = render_clock()
    app = create_app(Scenario.build(n=n), pace=0.0)
    walls, cpus = [], []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(keys):
            c0 = time.process_time()
            t0 = send_key(app, "right")
            await _wait(lambda: clock.both_after(t0) is not None, timeout=30)
            cpus.append(time.process_time() - c0)
            walls.append(clock.both_after(t0))
            await pilot.pause()
            await asyncio.sleep(KEY_PACE)
    return statistics.median(walls), statistics.median(cpus)


@functools.cache
def render_clock():
    """bench_ui's clock on the plot panels' renders (installed once: it wraps their render_line)."""
    from bench_ui import RenderClock

    return RenderClock()


def per_key(n: int, keys: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds from a key to the repainted screen."""
    return asyncio.run(_per_key(n, keys))


def ms(v: float) -> str:
    return f"{v * 1e3:8.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--no-keys", action="store_true", help="leave out the app's key timings")
    args = ap.parse_args()
    repeats, keys = (3, 5) if args.quick else (7, 15)
    cores = os.cpu_count() or 1
    blas = [f"{lib['internal_api']} {lib['version']}, {lib['num_threads']} threads"
            for lib in threadpool_info() if lib["user_api"] == "blas"]
    print(f"{cores} cores; BLAS: {'; '.join(blas) or 'none found'}; N = {args.n:,}, K = 2")
    x = data.TRUE_MODEL.sample(args.n, np.random.default_rng(0))
    rows = {}
    for load in ("quiet", "loaded"):
        busy = busy_cores(max(1, cores - 1)) if load == "loaded" else contextlib.nullcontext()
        with busy:
            for on in (True, False):
                with blas_limit(on):
                    it = per_iteration(x, repeats)
                    key = None if args.no_keys else per_key(args.n, keys)
                rows[load, on] = (it, key)
    print(f"\n{'machine':<7} {'BLAS threads':<14} {'ms/iter wall':>12} {'CPU':>8}"
          + ("" if args.no_keys else f" {'ms/key wall':>12} {'CPU':>8}"))
    for (load, on), (it, key) in rows.items():
        label = "1 (em-tui)" if on else "BLAS's own"
        line = f"{load:<7} {label:<14} {ms(it[0]):>12} {ms(it[1])}"
        if key is not None:
            line += f" {ms(key[0]):>12} {ms(key[1])}"
        print(line)
    print("\nwithout the limit / with it:")
    for load in ("quiet", "loaded"):
        (it_on, key_on), (it_off, key_off) = rows[load, True], rows[load, False]
        line = (f"  {load:<7} per iteration: wall {it_off[0] / it_on[0]:.2f}x, CPU {it_off[1] / it_on[1]:.2f}x")
        if key_on is not None:
            line += f"; per key: wall {key_off[0] / key_on[0]:.2f}x, CPU {key_off[1] / key_on[1]:.2f}x"
        print(line)


if __name__ == "__main__":
    main()
