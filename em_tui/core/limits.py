"""How much work one request may ask for: the caps on counts a user types.

Every count (points, iterations, starts, a seed) is bounded twice: by a fixed cap a user can
read in the message, and by the memory this machine has free right now, so that a typo such
as ``--n 3000000000`` is refused at once with a sentence instead of filling the memory.

The figures behind the memory bound were measured (``benchmarks/bench_read.py`` and a fit's
peak resident size): a fit holds about 40 bytes per data point at its peak (the data, the
chunked passes, k-means starts); a run keeps its parameters and E-step sums for every
iteration, about 1.6 KB per iteration at K = 8. Both are rounded up here.
"""

from __future__ import annotations

import os

from ..errors import DataError, ParameterError

#: the most data points em-tui reads, simulates or fits
MAX_POINTS = 100_000_000
#: the most iterations one run may take (every iteration is kept, to be shown again)
MAX_ITERATIONS = 1_000_000
#: the most starts of one multi-start fit
MAX_RESTARTS = 1000
#: seeds are whole numbers from 0 to this (the app's seed field holds no more)
SEED_LIMIT = 2**32 - 1
#: memory per data point at a fit's peak (measured about 40; rounded up)
BYTES_PER_POINT = 64
#: memory one kept iteration costs (measured about 1.6 KB at K = 8; rounded up)
BYTES_PER_ITERATION = 2048


def available_memory() -> int | None:
    """Bytes of memory this process can get now: the machine's free memory (Linux MemAvailable), or
    less where a limit on this process (ulimit -v) or its control group (memory.max) says so; None
    if unknown."""
    known = [v for v in (_machine_memory(), _address_space_left(), _cgroup_memory_left()) if v is not None]
    return min(known) if known else None


def _address_space_left() -> int | None:
    """What ``ulimit -v`` (RLIMIT_AS) leaves beside what the process already maps."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft == resource.RLIM_INFINITY:
            return None
        with open("/proc/self/statm", "rb") as f:
            mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        return max(soft - mapped, 0)
    except (ImportError, OSError, ValueError, IndexError, AttributeError):
        return None


def _cgroup_memory_left() -> int | None:
    """What the control group's memory.max (cgroup v2) leaves beside its memory.current."""
    try:
        with open("/sys/fs/cgroup/memory.max", "rb") as f:
            limit = f.read().strip()
        if limit == b"max":
            return None
        with open("/sys/fs/cgroup/memory.current", "rb") as f:
            used = int(f.read().strip())
        return max(int(limit) - used, 0)
    except (OSError, ValueError):
        return None


def _machine_memory() -> int | None:
    try:
        with open("/proc/meminfo", "rb") as f:
            for line in f:
                if line.startswith(b"MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def describe_bytes(n: float) -> str:
    """A size for a message: '3.2 GB', '870 MB'."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= size:
            return f"{n / size:.2g} {unit}" if n / size < 10 else f"{n / size:,.0f} {unit}"
    return f"{n / 1e3:.0f} KB"


def count_text(n: int) -> str:
    """A count for a message: '1,000,000' (one beyond ±10^15 as such, never thousands of digits)."""
    if abs(n) < 10**15:
        return f"{n:,}"
    return "more than 10^15" if n > 0 else "less than -10^15"


def _fits_in_memory(need: float) -> tuple[bool, int | None]:
    free = available_memory()
    return (free is None or need <= free), free


def check_points(n: int, what: str = "the data") -> None:
    """Refuse more points than em-tui fits, or than this machine's free memory can hold."""
    if n > MAX_POINTS:
        raise DataError(f"{what}: {count_text(n)} points are more than em-tui fits (at most {MAX_POINTS:,})")
    need = n * BYTES_PER_POINT
    ok, free = _fits_in_memory(need)
    if not ok:
        raise DataError(f"{what}: {n:,} points need about {describe_bytes(need)} of memory to fit; "
                        f"this machine has {describe_bytes(free)} free")


def check_run_memory(restarts: int, max_iter: int) -> None:
    """Refuse a multi-start fit whose kept iterations (every start's, at most) cannot fit in memory."""
    need = restarts * (max_iter + 1) * BYTES_PER_ITERATION
    ok, free = _fits_in_memory(need)
    if not ok:
        raise ParameterError(
            f"{restarts:,} starts of up to {max_iter:,} iterations each keep up to {restarts * (max_iter + 1):,} "
            f"iterations (about {describe_bytes(need)}); this machine has {describe_bytes(free)} free: "
            "lower the starts or the iterations"
        )


#: the most EM work a saved session may ask for to be shown again, in point-iterations (an iteration
#: costs about as much as STEP_OVERHEAD_POINTS points on top of its points): about two minutes here
MAX_REPLAY_WORK = 6 * 10**9
STEP_OVERHEAD_POINTS = 2500


def check_replay(t: int, n: int) -> None:
    """Refuse to recompute t iterations on n points when that is more than a session should cost to open."""
    work = t * (n + STEP_OVERHEAD_POINTS)
    if work > MAX_REPLAY_WORK:
        most = MAX_REPLAY_WORK // (n + STEP_OVERHEAD_POINTS)
        raise ParameterError(f"showing iteration {count_text(t)} again means recomputing it on {count_text(n)} "
                             f"points, more work than opening a session may take; with {count_text(n)} points "
                             f"a session may be at iteration {count_text(most)} at most")


#: The most work grading one answers file may take (points × iterations, as MAX_REPLAY_WORK): a few
#: seconds here. An answers file may come from anyone; its grader must not be kept busy for minutes.
MAX_GRADING_WORK = 3 * 10**8
#: What the answers about one iteration's M step cost, in iterations: the correct step's sums and the
#: unnormalised slip's, about five passes over the data each.
CHECK_STEP_ITERATIONS = 5


def check_grading(last: int, steps: int, n: int) -> None:
    """Refuse to grade answers that need EM run to iteration ``last`` and ``steps`` distinct M steps
    worked out on ``n`` points, when that is more work than a check may take."""
    work = (last + CHECK_STEP_ITERATIONS * steps) * (n + STEP_OVERHEAD_POINTS)
    if work > MAX_GRADING_WORK:
        raise ParameterError(
            f"grading these answers means running EM to iteration {count_text(last)} and working out "
            f"{count_text(steps)} M step(s) on {count_text(n)} points, more work than a check may take; "
            "ask about fewer or earlier iterations, or check fewer points")
