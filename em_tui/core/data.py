"""Data in: the lesson's simulated scenario, typed numbers, files and built-in sets.

Every problem raises :class:`DataError` with a message a student understands.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import DataError, printable
from .checks import whole_number
from .limits import SEED_LIMIT, check_points
from .model import Mixture
from .npyfile import _read_npy
from .prepared import prepare
from .reading import _Lines, _parse_table, _read_text_file, _reason, _to_floats, _tokens, open_data_file

MIN_POINTS = 4

# -- the default scenario ---------------------------------------------------------
#: The lesson's true model: mu = (0, 4), sigma = (1, 1.5), pi = (0.4, 0.6).
TRUE_MODEL = Mixture.create([0.4, 0.6], [0.0, 4.0], [1.0, 1.5])
#: The lesson's sample, a typical one: from DEFAULT_START EM ends at μ = (0.204, 4.076), π₁ = 0.454 (within
#: 0.3 of the true means and 0.08 of π₁) and is within 0.01 of its final LL from t = 8 (converged at t = 73);
#: the far start (-2, 7) reaches the same peak more slowly (t = 109; within 0.01 from t = 35). Pinned by a test.
DEFAULT_SEED = 139
DEFAULT_N = 200
#: The default start: means (1, 3), sigma = 1.5, pi = 0.5.
DEFAULT_START = Mixture.create([0.5, 0.5], [1.0, 3.0], [1.5, 1.5])


def simulate(seed: int = DEFAULT_SEED, n: int = DEFAULT_N) -> np.ndarray:
    """The lesson's data: n points from TRUE_MODEL, drawn from an integer seed.

    Stable across versions: ``rng = numpy.random.default_rng(seed)``, then
    ``u = rng.random(n)`` (a point is from component 1 when u < 0.4) and
    ``e = rng.standard_normal(n)``; x = mu[label] + sigma[label] * e.
    (:meth:`Mixture.sample` documents the recipe; a test pins the first values.)
    """
    seed = whole_number("the seed", seed, 0, SEED_LIMIT, DataError)
    n = whole_number("the number of points", n, MIN_POINTS, error=DataError)
    check_points(n, "the simulated data")
    return TRUE_MODEL.sample(n, np.random.default_rng(seed))


#: The longest student ID :func:`student_seed` takes.
STUDENT_ID_MAX = 64


def student_seed(student_id: str) -> int:
    """The data seed of one student's own lesson data, derived from their ID (``--student ID``): the first
    eight bytes of SHA-256 of the ID (spaces at either end dropped, letters case-folded and composed
    (NFC), so "Ann Lee" and "ann lee " are one student, and so is "Renée" typed with a combining accent), reduced below SEED_LIMIT. The same ID gives the same data on every
    machine and version; a teacher grades each student's answers with the same ID."""
    if not isinstance(student_id, str):
        raise DataError(f"a student ID must be text, got {type(student_id).__name__}")
    key = unicodedata.normalize("NFC", student_id.strip().casefold())  # "é" typed either way is one ID
    if not key:
        raise DataError("a student ID must not be empty")
    if len(key) > STUDENT_ID_MAX:
        raise DataError(f"a student ID must be at most {STUDENT_ID_MAX} characters, got {len(key)}")
    if not key.isprintable():
        raise DataError("a student ID must be printable text (no control characters)")
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % (SEED_LIMIT + 1)


# -- validation ------------------------------------------------------------------
def validate_data(x, k: int | None = None) -> np.ndarray:
    """A 1-D float array of at least 4 finite values (and at least k distinct ones)."""
    arr = np.asarray(x, dtype=float).reshape(-1)
    if arr.size == 0:
        raise DataError("no data: give at least 4 numbers")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        i = int(bad[0])
        raise DataError(f"value {i + 1} is {float(arr[i])!r}: NaN and infinite values cannot be fitted")
    if arr.size < MIN_POINTS:
        raise DataError(f"need at least {MIN_POINTS} values, got {arr.size}")
    if k is not None:
        distinct = count_distinct(arr, k)
        if distinct < k:
            raise DataError(f"the data have {distinct} distinct values; K = {k} needs at least {k}")
    return arr


def count_distinct(x: np.ndarray, limit: int) -> int:
    """Number of distinct values in x, counted only up to ``limit`` (chunked, no N-long copy)."""
    seen: set[float] = set()
    step = 65536
    for lo in range(0, x.size, step):
        seen.update(np.unique(x[lo : lo + step]).tolist())
        if len(seen) >= limit:
            return len(seen)
    return len(seen)


# -- typed numbers -----------------------------------------------------------------
def parse_values(text: str) -> np.ndarray:
    """Numbers separated by commas, semicolons, spaces or newlines; at least 4."""
    if not isinstance(text, str):
        raise DataError("the values must be text")
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    tokens = _tokens("\n".join(lines))
    if not tokens:
        raise DataError("no numbers found: type at least 4 numbers separated by commas or spaces")
    arr = _to_floats(tokens, lambda i: f"value {i + 1}")
    return validate_data(arr)


@dataclass(frozen=True)
class DataSet:
    """Values plus a short description of where they came from."""

    values: np.ndarray
    name: str
    source: dict

    @property
    def n(self) -> int:
        return int(self.values.size)


def load_file(path, column=None) -> DataSet:
    """Load .csv / .txt (column by name or 0-based index, header detected) or .npy.

    Only a regular file is read (a folder, FIFO, device or socket is refused); it is read a
    row at a time, so memory stays a small multiple of the values kept.
    """
    path = Path(path)
    shown = printable(str(path))
    with open_data_file(path) as raw:
        try:
            if path.suffix.lower() == ".npy":
                arr, label = _read_npy(raw, column, shown, os.fstat(raw.fileno()).st_size)
            else:
                arr, label = _read_text_file(raw, path.suffix.lower(), column, shown)
        except OSError as exc:
            raise DataError(f"cannot read {shown}: {_reason(exc)}") from None
    try:
        arr = validate_data(arr)
    except DataError as exc:
        raise DataError(f"{shown}: {exc}") from None
    src = {"type": "file", "path": str(path), "column": None if column is None else str(column)}
    return DataSet(arr, f"{path.name} ({label})", src)


# -- built-in data sets ------------------------------------------------------------
DATASETS = {
    "old-faithful-eruptions": ("faithful.csv", "eruptions", "Old Faithful eruption times (min)"),
    "old-faithful-waiting": ("faithful.csv", "waiting", "Old Faithful waiting times (min)"),
    "iris-petal-length": ("iris.csv", "petal_length", "Iris petal lengths (cm)"),
    "galaxies": ("galaxies.csv", "velocity", "Corona Borealis galaxy velocities (km/s)"),
}


def dataset_origin(name: str) -> str:
    """The origin lines (# comments) at the top of a built-in data set's file."""
    fname = DATASETS[name][0]
    text = resources.files("em_tui.datasets").joinpath(fname).read_text(encoding="utf-8")
    return " ".join(ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("#"))


def load_dataset(name: str) -> DataSet:
    if name not in DATASETS:
        raise DataError(f"unknown data set {name!r}; choose one of: {', '.join(DATASETS)}")
    fname, column, title = DATASETS[name]
    with resources.files("em_tui.datasets").joinpath(fname).open("rb") as raw, _Lines(raw, fname) as lines:
        arr, _ = _parse_table(lines, column)
    return DataSet(arr, name, {"type": "dataset", "name": name, "title": title})


@functools.lru_cache(maxsize=None)
def dataset_size(name: str) -> int:
    """How many values the built-in data set ``name`` has (read once, then remembered)."""
    return load_dataset(name).n


def simulated(seed: int = DEFAULT_SEED, n: int = DEFAULT_N, values: np.ndarray | None = None) -> DataSet:
    """The lesson's data as a data set (``values``: the ones :func:`simulate` already drew for it)."""
    return DataSet(simulate(seed, n) if values is None else values, f"simulated (seed {seed})", {"type": "simulated", "seed": seed, "n": n})


def for_student(student_id: str, n: int = DEFAULT_N, values: np.ndarray | None = None) -> DataSet:
    """The lesson's data drawn for one student (from :func:`student_seed`), named after them: "simulated
    for student Ann Lee (seed 1234)" (``values``: the ones :func:`simulate` already drew for them)."""
    seed = student_seed(student_id)
    name = student_id.strip()
    values = simulate(seed, n) if values is None else values
    return DataSet(values, f"simulated for student {name} (seed {seed})",
                   {"type": "simulated", "seed": seed, "n": int(values.size), "student": name})


def from_text(text: str) -> DataSet:
    arr = parse_values(text)
    return DataSet(arr, "typed values", {"type": "values"})


def summary(x) -> dict:
    """N, min, max, mean and sd (dividing by N) of the data, right at every scale the engine fits."""
    p = prepare(x)  # the engine's sums, taken in working units at an extreme scale
    return {"n": p.n, "min": float(p.x.min()), "max": float(p.x.max()), "mean": p.centre, "sd": p.sd}


__all__ = [
    "DATASETS",
    "DEFAULT_N",
    "DEFAULT_SEED",
    "DEFAULT_START",
    "MIN_POINTS",
    "TRUE_MODEL",
    "DataSet",
    "dataset_origin",
    "from_text",
    "load_dataset",
    "load_file",
    "parse_values",
    "simulate",
    "simulated",
    "summary",
    "validate_data",
]
