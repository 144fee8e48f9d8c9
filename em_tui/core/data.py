"""Data in: the lesson's simulated scenario, typed numbers, files and built-in sets.

Every problem raises :class:`DataError` with a message a student understands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from .em import prepare
from .errors import DataError
from .model import Mixture

MIN_POINTS = 4

# -- the default scenario ---------------------------------------------------------
#: The lesson's true model: mu = (0, 4), sigma = (1, 1.5), pi = (0.4, 0.6).
TRUE_MODEL = Mixture.create([0.4, 0.6], [0.0, 4.0], [1.0, 1.5])
DEFAULT_SEED = 0
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
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DataError(f"the seed must be a whole number >= 0, got {seed!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < MIN_POINTS:
        raise DataError(f"the number of points must be a whole number >= {MIN_POINTS}, got {n!r}")
    return TRUE_MODEL.sample(int(n), np.random.default_rng(int(seed)))


# -- validation ------------------------------------------------------------------
def validate_data(x, k: int | None = None) -> np.ndarray:
    """A 1-D float array of at least 4 finite values (and at least k distinct ones)."""
    arr = np.asarray(x, dtype=float).reshape(-1)
    if arr.size == 0:
        raise DataError("no data: give at least 4 numbers")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        i = int(bad[0])
        raise DataError(f"value {i + 1} is {arr[i]!r}: NaN and infinite values cannot be fitted")
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
_SEPARATORS = re.compile(r"[,;\s]+")


def _tokens(text: str) -> list[str]:
    return [t for t in _SEPARATORS.split(text) if t]


def _to_floats(tokens: list[str], where) -> np.ndarray:
    """Convert tokens, naming the first bad one via ``where(index)``."""
    try:
        arr = np.array(tokens, dtype=float)
    except ValueError:
        arr = None
    if arr is None or arr.size != len(tokens):
        for i, tok in enumerate(tokens):
            try:
                float(tok)
            except ValueError:
                raise DataError(f"{where(i)}: {_quote(tok)} is not a number") from None
        arr = np.array([float(t) for t in tokens])
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        i = int(bad[0])
        raise DataError(f"{where(i)}: {_quote(tokens[i])} is not allowed (NaN and infinite values cannot be fitted)")
    return arr


def _quote(token: str) -> str:
    shown = token if len(token) <= 30 else token[:27] + "..."
    return repr(shown)


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


# -- files -------------------------------------------------------------------------
def _read_text(path: Path) -> str:
    if not path.exists():
        raise DataError(f"file not found: {path}")
    if path.is_dir():
        raise DataError(f"{path} is a folder, not a file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not raw.strip():
        raise DataError(f"{path} is empty")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{path} is not a text file (is it a spreadsheet? save it as CSV)") from None


def is_number(token: str) -> bool:
    """True if float() reads the token (inf and nan included)."""
    try:
        float(token)
    except ValueError:
        return False
    return True


def _split_row(line: str, delim: str | None) -> list[str]:
    if delim is None:
        return line.split()
    return [f.strip().strip('"').strip("'") for f in line.split(delim)]


def _detect_delimiter(line: str) -> str | None:
    for d in (",", ";", "\t"):
        if d in line:
            return d
    return None


def _parse_table(text: str, column, path: Path) -> tuple[np.ndarray, str]:
    rows = [(no, ln) for no, ln in enumerate(text.splitlines(), start=1) if ln.strip() and not ln.lstrip().startswith("#")]
    if not rows:
        raise DataError(f"{path} has no data (only blank or comment lines)")
    delim = _detect_delimiter(rows[0][1])
    first = _split_row(rows[0][1], delim)
    has_header = not all(is_number(f) for f in first if f)
    header = first if has_header else None
    body = rows[1:] if has_header else rows
    ncols = len(first)
    names = header or [str(i) for i in range(ncols)]
    idx = _pick_column(column, header, ncols, path)
    label = names[idx] if header else f"column {idx}"
    tokens, lines = [], []
    for no, ln in body:
        fields = _split_row(ln, delim)
        if idx >= len(fields) or fields[idx] == "":
            raise DataError(f"{path}, line {no}: no value in {_col_name(header, idx)}")
        tokens.append(fields[idx])
        lines.append(no)
    if not tokens:
        raise DataError(f"{path} has a header but no values")
    arr = _to_floats(tokens, lambda i: f"{path}, line {lines[i]}, {_col_name(header, idx)}")
    return arr, label


def _col_name(header, idx: int) -> str:
    return f"column {header[idx]!r}" if header else f"column {idx}"


def _pick_column(column, header: list[str] | None, ncols: int, path: Path) -> int:
    listing = ", ".join(header) if header else f"{ncols} unnamed columns, numbered from 0"
    if column is None or column == "":
        if ncols == 1:
            return 0
        raise DataError(f"{path} has {ncols} columns ({listing}); choose one with --column")
    col = str(column).strip()
    if header is not None:
        if col in header:
            return header.index(col)
        lowered = [h.lower() for h in header]
        if col.lower() in lowered:
            return lowered.index(col.lower())
    if re.fullmatch(r"\d+", col):
        i = int(col)
        if i < ncols:
            return i
        raise DataError(f"{path} has no column {i} (columns are numbered 0..{ncols - 1}: {listing})")
    raise DataError(f"{path} has no column {col!r} (columns: {listing})")


def _load_npy(path: Path, column) -> tuple[np.ndarray, str]:
    if not path.exists():
        raise DataError(f"file not found: {path}")
    try:
        arr = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        if path.stat().st_size == 0:
            raise DataError(f"{path} is empty") from None
        raise DataError(f"{path} is not a valid .npy file ({exc})") from None
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biuf":
        raise DataError(f"{path} does not hold numbers (dtype {getattr(arr, 'dtype', '?')})")
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim == 1:
        if column not in (None, "", "0", 0):
            raise DataError(f"{path} holds a single column; --column {column} does not exist")
        return arr.astype(float), "values"
    if arr.ndim == 2:
        idx = _pick_column(column, None, arr.shape[1], path)
        return arr[:, idx].astype(float), f"column {idx}"
    raise DataError(f"{path} holds a {arr.ndim}-D array; expected a list of numbers or a table")


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
    """Load .csv / .txt (column by name or 0-based index, header detected) or .npy."""
    path = Path(path)
    if path.suffix.lower() == ".npy":
        arr, label = _load_npy(path, column)
    else:
        text = _read_text(path)
        if path.suffix.lower() == ".txt" and column is None:
            content = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))
            first = _tokens(content)[:1]
            if first and not is_number(first[0]) and len(text.splitlines()) > 1:
                arr, label = _parse_table(text, column, path)
            else:
                tokens = _tokens(content)
                if not tokens:
                    raise DataError(f"{path} has no data (only blank or comment lines)")
                arr, label = _to_floats(tokens, lambda i: f"{path}, value {i + 1}"), "values"
        else:
            arr, label = _parse_table(text, column, path)
    try:
        arr = validate_data(arr)
    except DataError as exc:
        raise DataError(f"{path}: {exc}") from None
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
    with resources.as_file(resources.files("em_tui.datasets").joinpath(fname)) as p:
        arr, _ = _parse_table(p.read_text(encoding="utf-8"), column, Path(fname))
    return DataSet(arr, name, {"type": "dataset", "name": name, "title": title})


def simulated(seed: int = DEFAULT_SEED, n: int = DEFAULT_N) -> DataSet:
    return DataSet(simulate(seed, n), f"simulated (seed {seed})", {"type": "simulated", "seed": seed, "n": n})


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
