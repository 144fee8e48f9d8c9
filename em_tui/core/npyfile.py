""".npy files: the header is checked before anything is allocated, then the column is read in chunks."""

from __future__ import annotations

import io
import math
from tokenize import TokenError
from typing import BinaryIO

import numpy as np

from ..errors import DataError, printable
from .limits import check_points, count_text
from . import reading
from .reading import _pick_column

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
        step, width, pick = reading.READ_CHUNK, 1, None
    else:
        step, width, pick = max(1, reading.READ_CHUNK // ncols), ncols, idx
    for lo in range(0, rows, step):
        hi = min(rows, lo + step)
        buf = f.read((hi - lo) * width * item)
        if len(buf) != (hi - lo) * width * item:
            raise DataError(f"{shown} is cut short (it ends before the values its header announces)")
        block = np.frombuffer(buf, dtype=dtype)
        out[lo:hi] = block if pick is None else block.reshape(hi - lo, width)[:, pick]
    return out, label


