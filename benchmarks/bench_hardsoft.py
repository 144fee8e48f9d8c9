"""How long k-means against EM with a shared σ takes at N = 1e5 (a benchmark, not a test).

    python benchmarks/bench_hardsoft.py            # 5 repeats
    python benchmarks/bench_hardsoft.py --quick    # 2 repeats

The same work as the compare screen stepping down the σ ladder: one k-means fit at K = 4,
then hardsoft.compare at every third rung of the ladder (EM from the k-means seeds with σ
fixed). Prints wall and CPU seconds of each repeat's whole walk (the fastest and the median);
CPU seconds above wall seconds mean more than one thread was busy. Target: the walk in under 10 s
of wall clock on a quiet machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from em_tui.core import data, hardsoft  # noqa: E402


def walk(x) -> None:
    km = hardsoft.kmeans_fit(x, hardsoft.kmeans_seeds(x, 4, 0))
    for sd in hardsoft.sd_ladder(hardsoft.prepare(x).spread)[2::3]:
        hardsoft.compare(x, 4, 0, sd, kmeans=km)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    x = data.simulate(5, 100_000)
    wall, cpu = [], []
    for _ in range(2 if args.quick else 5):
        w0, c0 = time.perf_counter(), time.process_time()
        walk(x)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    print(f"N = 1e5, k-means vs EM down the σ ladder ({len(hardsoft.sd_ladder(hardsoft.prepare(x).spread)[2::3])} rungs):")
    print(f"  wall {min(wall):.2f} s (median {statistics.median(wall):.2f} s), "
          f"CPU {min(cpu):.2f} s (median {statistics.median(cpu):.2f} s)")
    print(f"  target: under 10 s of wall clock: {'met' if min(wall) < 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
