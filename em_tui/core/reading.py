"""Reading data files: text tables and columns, free lists of numbers, and .npy arrays.

Only a regular file is read (a folder, FIFO, device or socket is refused); it is read a row at a
time, so memory stays a small multiple of the values kept. Every problem raises
:class:`DataError` with a message a student understands (which file, which line, what is wrong).
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import stat
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

import numpy as np

from ..errors import DataError, printable
from .checks import ascii_minus, shown, to_number
from .limits import MAX_POINTS, check_points

# -- tokens ------------------------------------------------------------------------
_SEPARATORS = re.compile(r"[,;\s]+")


def _tokens(text: str) -> list[str]:
    return [t for t in _SEPARATORS.split(text) if t]


# -- files -------------------------------------------------------------------------
#: the longest line a data file may have; a longer one is not a line of numbers
MAX_LINE_CHARS = 1_000_000
#: values converted at a time while reading (bounds the text held in memory; a .npy file is read this
#: many values at a time too)
READ_CHUNK = 65536
#: a number written with a decimal comma: 1,5 or -0,25 or 3,1e4 (or −0,25 with a minus sign)
_DECIMAL_COMMA = re.compile(r"[+\-\u2212]?(\d+,\d*|,\d+)([eE][+\-\u2212]?\d+)?")

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
        if len(self._tokens) >= READ_CHUNK:
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
        arr = np.array([to_number(t) for t in tokens])
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        i = int(bad[0])
        raise DataError(f"{where(i)}: {_quote(tokens[i])} is not allowed (NaN and infinite values cannot be fitted)")
    return arr


def _check_number(token: str, where: Callable[[], str]) -> None:
    """Refuse a token float() cannot read, with a hint for a decimal comma."""
    if _DECIMAL_COMMA.fullmatch(token.strip()):
        raise DataError(f"{where()}: {_quote(token)} looks like a decimal comma: use a point, "
                        f"e.g. {ascii_minus(token.strip()).replace(',', '.')}")
    if not is_number(token):
        raise DataError(f"{where()}: {_quote(token)} is not a number")


def _quote(token: str) -> str:
    shown = token if len(token) <= 30 else token[:27] + "..."
    return repr(shown)


def is_number(token: str) -> bool:
    """True if :func:`to_number` reads the token (inf and nan included)."""
    try:
        to_number(token)
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


def path_inside(folder: Path, text: str, key: str) -> Path:
    """The file ``text`` names (the value of ``key`` in a file someone else may have written), which must
    lie in ``folder`` or below it: a relative path without "..", "~" or a link out of it. Such a file must
    not make its reader open, and quote in an error, a file of the reader's own."""
    path = Path(text)
    if text.startswith("~") or path.is_absolute() or ".." in path.parts:
        raise DataError(f"{key} must be a path inside the answers file's folder (no absolute path, '~' or '..'), "
                        f"got {shown(text)}")
    base, full = folder.resolve(), (folder / path).resolve()
    if full != base and base not in full.parents:
        raise DataError(f"{key} {shown(text)} leads out of the answers file's folder (through a link)")
    return folder / path
