"""Data in: the lesson's simulated scenario, typed numbers, files and built-in sets.

Every problem raises :class:`DataError` with a message a student understands.
"""

from __future__ import annotations

import csv
import errno
import io
import math
import os
import re
import stat
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from tokenize import TokenError
from typing import BinaryIO, Callable, Iterable, Iterator

import numpy as np

from .em import prepare
from ..errors import DataError, printable
from .limits import MAX_POINTS, SEED_LIMIT, check_points, count_text
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
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= SEED_LIMIT:
        raise DataError(f"the seed must be a whole number from 0 to {SEED_LIMIT}, got {seed!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < MIN_POINTS:
        raise DataError(f"the number of points must be a whole number >= {MIN_POINTS}, got {n!r}")
    check_points(int(n), "the simulated data")
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
_SEPARATORS = re.compile(r"[,;\s]+")


def _tokens(text: str) -> list[str]:
    return [t for t in _SEPARATORS.split(text) if t]


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
#: the longest line a data file may have; a longer one is not a line of numbers
MAX_LINE_CHARS = 1_000_000
#: values converted at a time while reading (bounds the text held in memory)
_CHUNK = 65536
#: a number written with a decimal comma: 1,5 or -0,25 or 3,1e4
_DECIMAL_COMMA = re.compile(r"[+-]?(\d+,\d*|,\d+)([eE][+-]?\d+)?")

_REASONS = {
    errno.ENAMETOOLONG: "the name is too long",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ELOOP: "too many symbolic links (a link that points to itself?)",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "it is a folder",
}


def _reason(exc: OSError) -> str:
    """What an OSError means, in words (no errno numbers, no Python names)."""
    return _REASONS.get(exc.errno, exc.strerror or type(exc).__name__)


def _not_a_file(mode: int) -> str | None:
    """Why a file of this mode cannot be read as data (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    kinds = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((what for test, what in kinds if test(mode)), "not a regular file")


def _refuse_special(mode: int, shown: str) -> None:
    what = _not_a_file(mode)
    if what == "a folder":
        raise DataError(f"{shown} is a folder, not a file")
    if what is not None:
        raise DataError(f"{shown} is {what}, not a regular file: em-tui reads .csv, .txt and .npy files")


def open_data_file(path: Path) -> BinaryIO:
    """Open a regular file for reading; refuse folders, FIFOs, devices and sockets, never blocking.

    The path is checked with ``os.stat`` before it is opened, and the opened file again (it may
    have been swapped in between); ``O_NONBLOCK`` keeps a FIFO put there from blocking the open.
    Every OSError becomes a DataError that says what is wrong.
    """
    shown = printable(str(path))
    try:
        _refuse_special(os.stat(path).st_mode, shown)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                     | getattr(os, "O_BINARY", 0))
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"file not found: {shown}") from None
    except OSError as exc:
        raise DataError(f"cannot open {shown}: {_reason(exc)}") from None
    except ValueError:  # a NUL character in the name
        raise DataError(f"cannot open {shown}: a file name cannot hold a NUL character") from None
    try:
        _refuse_special(os.fstat(fd).st_mode, shown)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


class _Lines:
    """The data lines of a text file, read one at a time (never the whole file).

    Decoded as UTF-8 (a BOM is dropped); blank lines and ``#`` comment lines are skipped;
    each line is at most MAX_LINE_CHARS long. ``number`` is the line number of the last line
    read; ``seen_text`` tells an empty file from one of comments only.
    """

    def __init__(self, raw: BinaryIO, shown: str) -> None:
        self._text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        self.shown = shown
        self.number = 0
        self.seen_text = False
        self._gen = self._read()
        self._peeked: str | None = None

    def __iter__(self) -> "_Lines":
        return self

    def __enter__(self) -> "_Lines":
        return self

    def __exit__(self, *exc) -> None:
        # hand the file back to whoever opened it (and closes it): a wrapper dropped while it owns the
        # file would close it unasked and warn of an unclosed file
        self._text.detach()

    def __next__(self) -> str:
        if self._peeked is not None:
            line, self._peeked = self._peeked, None
            return line
        return next(self._gen)

    def peek(self) -> str | None:
        """The next data line without consuming it (None at the end)."""
        if self._peeked is None:
            self._peeked = next(self._gen, None)
        return self._peeked

    def _read(self) -> Iterator[str]:
        while True:
            try:
                line = self._text.readline(MAX_LINE_CHARS + 1)
            except UnicodeDecodeError:
                raise self._not_text() from None
            if not line:
                return
            self.number += 1
            if "\x00" in line:
                raise self._not_text()
            if len(line) > MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
                raise DataError(f"{self.shown}, line {self.number} is longer than {MAX_LINE_CHARS:,} characters: "
                                "is it a file of numbers?")
            start = line.lstrip()
            if start:
                self.seen_text = True
                if start[0] != "#":
                    yield line

    def _not_text(self) -> DataError:
        return DataError(f"{self.shown} is not a text file (is it a spreadsheet? save it as CSV)")

    def nothing_found(self) -> DataError:
        if self.seen_text:
            return DataError(f"{self.shown} has no data (only blank or comment lines)")
        return DataError(f"{self.shown} is empty")


class _Column:
    """Numbers gathered into one growing float64 array, converted a chunk at a time.

    Memory stays the values kept (8 bytes each, at most twice while the array grows) plus one
    chunk of text; ``where(line)`` names a bad value's place in a message.
    """

    def __init__(self, shown: str, where: Callable[[int], str]) -> None:
        self._shown = shown
        self._where = where
        self._values = np.empty(1024)
        self.n = 0
        self._tokens: list[str] = []
        self._lines: list[int] = []

    def add(self, token: str, line: int) -> None:
        self._tokens.append(token)
        self._lines.append(line)
        if len(self._tokens) >= _CHUNK:
            self._flush()

    def _flush(self) -> None:
        if not self._tokens:
            return
        lines = self._lines
        arr = _to_floats(self._tokens, lambda i: self._where(lines[i]))
        need = self.n + arr.size
        if need > self._values.size or need > MAX_POINTS:
            check_points(need, self._shown)
        if need > self._values.size:
            size = min(max(need, 2 * self._values.size), MAX_POINTS)
            grown = np.empty(size)
            grown[: self.n] = self._values[: self.n]
            self._values = grown
        self._values[self.n : need] = arr
        self.n = need
        self._tokens, self._lines = [], []

    def values(self) -> np.ndarray:
        self._flush()
        out = self._values
        out.resize(self.n, refcheck=False)  # in place: no second copy
        return out


def _to_floats(tokens: list[str], where) -> np.ndarray:
    """Convert tokens, naming the first bad one via ``where(index)``."""
    try:
        arr = np.array(tokens, dtype=float)
    except ValueError:
        arr = None
    if arr is None or arr.size != len(tokens):
        for i, tok in enumerate(tokens):
            _check_number(tok, lambda: where(i))
        arr = np.array([float(t) for t in tokens])
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        i = int(bad[0])
        raise DataError(f"{where(i)}: {_quote(tokens[i])} is not allowed (NaN and infinite values cannot be fitted)")
    return arr


def _check_number(token: str, where: Callable[[], str]) -> None:
    """Refuse a token float() cannot read, with a hint for a decimal comma."""
    if _DECIMAL_COMMA.fullmatch(token.strip()):
        raise DataError(f"{where()}: {_quote(token)} looks like a decimal comma: use a point, "
                        f"e.g. {token.strip().replace(',', '.')}")
    if not is_number(token):
        raise DataError(f"{where()}: {_quote(token)} is not a number")


def _quote(token: str) -> str:
    shown = token if len(token) <= 30 else token[:27] + "..."
    return repr(shown)


def is_number(token: str) -> bool:
    """True if float() reads the token (inf and nan included)."""
    try:
        float(token)
    except ValueError:
        return False
    return True


def _detect_delimiter(line: str) -> str | None:
    """Tab, semicolon or comma, whichever comes first in that order outside quotes; None: whitespace.

    A semicolon wins over a comma because files written with a decimal comma separate their
    fields with semicolons (``1,5;2,7``).
    """
    bare = re.sub(r'"[^"]*"', "", line)
    return next((d for d in ("\t", ";", ",") if d in bare), None)


def _clean(field: str) -> str:
    return field.strip().strip('"').strip("'")


def _rows(lines: Iterable[str], delim: str | None, where: Callable[[], str]) -> Iterator[list[str]]:
    """Raw fields of each line (to be cleaned): the csv module for a delimiter (quoting understood), else
    white space."""
    if delim is None:
        for line in lines:
            yield line.split()
        return
    reader = csv.reader(lines, delimiter=delim, skipinitialspace=True, strict=True)
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "end of data" in str(exc):
                raise DataError(f"{where()}: a quote (\") opened in this file is never closed") from None
            raise DataError(f"{where()}: {exc}") from None


def _refuse_decimal_commas(fields: list[str], where: Callable[[], str]) -> None:
    """A row written with decimal commas is refused before anything else is asked of it."""
    for f in fields:
        if _DECIMAL_COMMA.fullmatch(f):
            _check_number(f, where)


def _parse_table(lines: _Lines, column) -> tuple[np.ndarray, str]:
    """One column of a table (header detected), read a row at a time."""
    shown = lines.shown
    here = lambda: f"{shown}, line {lines.number}"  # noqa: E731 - the line being read
    first_line = lines.peek()
    if first_line is None:
        raise lines.nothing_found()
    rows = _rows(lines, _detect_delimiter(first_line), here)
    first = [_clean(f) for f in next(rows)]
    _refuse_decimal_commas(first, here)
    has_header = not all(is_number(f) for f in first if f)
    header = first if has_header else None
    ncols = len(first)
    idx = _pick_column(column, header, ncols, shown)
    label = header[idx] if header else f"column {idx}"
    col = _Column(shown, lambda no: f"{shown}, line {no}, {_col_name(header, idx)}")
    if not has_header:
        col.add(first[idx], lines.number)
    checked = has_header
    for fields in rows:
        if checked:  # the first row of values after a header
            _refuse_decimal_commas([_clean(f) for f in fields], here)
            checked = False
        if len(fields) > ncols and any(_clean(f) for f in fields[ncols:]):
            raise DataError(f"{here()}: {len(fields)} fields where the first row has {ncols}; is a separator "
                            "missing, or a value split in two? (no value is dropped without a word)")
        value = _clean(fields[idx]) if idx < len(fields) else ""
        if value == "":
            raise DataError(f"{here()}: no value in {_col_name(header, idx)}")
        col.add(value, lines.number)
    arr = col.values()
    if arr.size == 0:
        raise DataError(f"{shown} has a header but no values")
    return arr, label


def _parse_free(lines: _Lines) -> np.ndarray:
    """Numbers anywhere in a .txt file, separated by commas, semicolons or white space."""
    col = _Column(lines.shown, lambda no: f"{lines.shown}, line {no}")
    for line in lines:
        for tok in _tokens(line):
            col.add(tok, lines.number)
    return col.values()


def _col_name(header, idx: int) -> str:
    return f"column {header[idx]!r}" if header else f"column {idx}"


def _pick_column(column, header: list[str] | None, ncols: int, shown: str) -> int:
    listing = printable(", ".join(header)) if header else f"{ncols} unnamed columns, numbered from 0"
    if column is None or column == "":
        if ncols == 1:
            return 0
        raise DataError(f"{shown} has {ncols} columns ({listing}); choose one with --column")
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
        raise DataError(f"{shown} has no column {i} (columns are numbered 0..{ncols - 1}: {listing})")
    raise DataError(f"{shown} has no column {col!r} (columns: {listing})")


def _read_text_file(raw: BinaryIO, suffix: str, column, shown: str) -> tuple[np.ndarray, str]:
    """A .csv (or a .txt given --column, or one with a header) as a table; else a .txt's numbers."""
    with _Lines(raw, shown) as lines:
        if suffix != ".txt" or column is not None:
            return _parse_table(lines, column)
        first_line = lines.peek()
        if first_line is None:
            raise lines.nothing_found()
        first = _tokens(first_line)[:1]
        if first and not is_number(first[0]):  # a header: read it as a table
            return _parse_table(lines, column)
        return _parse_free(lines), "values"


# -- .npy files: the header is checked before anything is allocated ----------------
def _npy_header(f: BinaryIO, shown: str, size: int) -> tuple[tuple, bool, np.dtype]:
    """(shape, fortran order, dtype) from a .npy header, refusing what em-tui cannot read."""
    if size == 0:
        raise DataError(f"{shown} is empty")
    fmt = np.lib.format
    try:
        version = fmt.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = fmt.read_array_header_2_0(f)
        else:
            raise DataError(f"{shown} is a .npy file of format {version[0]}.{version[1]}, which em-tui does not "
                            "read; save a plain array of numbers with numpy.save")
    except DataError:
        raise
    except (ValueError, TypeError, KeyError, SyntaxError, TokenError, RecursionError, MemoryError, OverflowError,
            EOFError) as exc:  # what a malformed header makes NumPy's reader raise
        detail = printable(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        raise DataError(f"{shown} is not a valid .npy file ({detail[:120]})") from None
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in "biuf":
        raise DataError(f"{shown} does not hold numbers (dtype {printable(str(dtype))})")
    if any(d < 0 for d in shape):
        raise DataError(f"{shown} is not a valid .npy file (its header gives a negative size: {shape})")
    if len(shape) == 2 and shape[1] == 1:
        shape = (shape[0],)
    if len(shape) not in (1, 2):
        raise DataError(f"{shown} holds a {len(shape)}-D array; expected a list of numbers or a table")
    count = math.prod(shape)
    data_bytes = size - f.tell()
    if count * dtype.itemsize > data_bytes:
        raise DataError(f"{shown}: its header announces {count_text(count)} values ({count_text(count * dtype.itemsize)} bytes) but "
                        f"the file holds {max(data_bytes, 0):,} bytes of data; it is cut short or not a valid .npy file")
    return shape, fortran, dtype


def _read_npy(f: BinaryIO, column, shown: str, size: int) -> tuple[np.ndarray, str]:
    """One column of a .npy array, read in chunks (never the whole table, never a pickle)."""
    shape, fortran, dtype = _npy_header(f, shown, size)
    rows = shape[0]
    if len(shape) == 1:
        if column not in (None, "", "0", 0):
            raise DataError(f"{shown} holds a single column; --column {printable(str(column))} does not exist")
        idx, ncols, label = 0, 1, "values"
    else:
        ncols = shape[1]
        idx = _pick_column(column, None, ncols, shown)
        label = f"column {idx}"
    check_points(rows, shown)
    out = np.empty(rows)
    item = dtype.itemsize
    if ncols == 1 or fortran:  # the column is one contiguous run of bytes
        f.seek(idx * rows * item, io.SEEK_CUR)
        step, width, pick = _CHUNK, 1, None
    else:
        step, width, pick = max(1, _CHUNK // ncols), ncols, idx
    for lo in range(0, rows, step):
        hi = min(rows, lo + step)
        buf = f.read((hi - lo) * width * item)
        if len(buf) != (hi - lo) * width * item:
            raise DataError(f"{shown} is cut short (it ends before the values its header announces)")
        block = np.frombuffer(buf, dtype=dtype)
        out[lo:hi] = block if pick is None else block.reshape(hi - lo, width)[:, pick]
    return out, label


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
