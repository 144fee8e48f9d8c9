"""Memory and time of reading a large CSV with em_tui.core.data.load_file.

Writes a CSV of ROWS rows (an index, a value and a text column, like an exported table),
reads its value column, and prints the peak memory two ways: Python's own allocations
(tracemalloc, in this process) and the peak resident size of a fresh process that only
reads the file (VmHWM, Linux; shown above the interpreter with NumPy imported).

    python benchmarks/bench_read.py            # 2,000,000 rows, about 80 MB
    python benchmarks/bench_read.py 5000000    # about 200 MB

The reading is streamed: memory follows the values kept (8 bytes each, at most twice while
the array grows, plus one chunk of text), not the size of the file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np

from em_tui.core import data

#: a fresh process's peak resident size (VmHWM: not inherited from the parent, unlike ru_maxrss)
_PEAK = "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')))"
_CHILD = "import sys; from em_tui.core import data; ds = data.load_file(sys.argv[1], 'value'); " + _PEAK
_BASE = "import em_tui.core.data; " + _PEAK


def write_csv(path: str, rows: int) -> np.ndarray:
    x = np.random.default_rng(0).standard_normal(rows) * 10 + 50
    with open(path, "w") as f:
        f.write("id,value,label\n")
        for lo in range(0, rows, 100_000):
            chunk = x[lo : lo + 100_000]
            f.write("".join(f"{lo + i},{float(v)!r},sample\n" for i, v in enumerate(chunk)))
    return x


def _peak_kb(code: str, *args: str) -> int:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return int(out.stdout)


def main(rows: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "big.csv")
        x = write_csv(path, rows)
        size = os.path.getsize(path)
        values = 8 * rows
        t0 = time.perf_counter()
        ds = data.load_file(path, "value")
        wall = time.perf_counter() - t0
        assert ds.n == rows and np.array_equal(ds.values, x)
        del ds
        tracemalloc.start()  # a second read, traced (tracing slows it several times)
        data.load_file(path, "value")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rss = _peak_kb(_CHILD, path) * 1024
        rss0 = _peak_kb(_BASE) * 1024
    mb = 1e6
    print(f"CSV: {rows:,} rows, {size / mb:.1f} MB; the column kept: {values / mb:.1f} MB of float64")
    print(f"read in {wall:.2f} s ({rows / wall / 1e6:.2f} M rows/s)")
    print(f"peak Python allocations (tracemalloc): {peak / mb:.1f} MB = {peak / values:.2f} x the values, "
          f"{peak / size:.2f} x the file")
    print(f"peak resident size of a process reading it: {rss / mb:.1f} MB "
          f"({(rss - rss0) / mb:.1f} MB above the {rss0 / mb:.1f} MB of the interpreter with NumPy; "
          f"{rss / size:.2f} x the file)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000)
