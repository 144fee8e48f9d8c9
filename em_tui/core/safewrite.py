"""Writing a new file safely: whole or not at all, never over another file.

:func:`write_new` writes into a temporary file in the target's folder (created
with ``O_EXCL | O_NOFOLLOW``, mode 0600, by :func:`tempfile.mkstemp`), flushes
and fsyncs it, and only then gives it its name. The name is the one asked for,
or, when anything (a file, a folder, a symlink) already has it, the same name
with a counter (``export.csv``, ``export-2.csv``, ``export-3.csv``, ...): an
existing file is never overwritten and a planted symlink is never followed.
The name is taken with a hard link, which fails if the name exists, so even a
file that appears at the last moment is not replaced.

On any error (a full disk, a folder that cannot be written, an error in the
caller's writer) the temporary file is removed and the folder is as it was.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Callable, TextIO

#: Names tried before giving up (name, name-2, ..., name-MAX_COUNTER).
MAX_COUNTER = 1000


def candidates(path: Path):
    """The name asked for, then the same name with -2, -3, ... before its suffix."""
    yield path
    for i in range(2, MAX_COUNTER + 1):
        yield path.with_name(f"{path.stem}-{i}{path.suffix}")


def _taken(path: Path) -> bool:
    """Anything at all has this name (a dangling symlink too)."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return False
    return True


def _claim(tmp: str, path: Path) -> bool:
    """Give the finished temporary file the name ``path`` if nothing has it; False if taken."""
    try:
        os.link(tmp, path, follow_symlinks=False)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS):
            raise
        # a file system without hard links: replace, after checking (a narrow race remains there)
        if _taken(path):
            return False
        os.replace(tmp, path)
        return True
    os.unlink(tmp)
    return True


def _sync_folder(folder: Path) -> None:
    """Make the new name itself durable (not possible everywhere; harmless where not)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_new(path, write: Callable[[TextIO], None]) -> Path:
    """Write a new text file (UTF-8) through ``write(fh)``; return the name it was given.

    The name is ``path`` or ``path`` with a counter (see the module). Raises OSError
    (with nothing left behind) if the file cannot be written or no free name is found.
    """
    path = Path(path)
    folder = path.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        for name in candidates(path):
            if not _taken(name) and _claim(tmp, name):
                _sync_folder(folder)
                return name
        raise OSError(errno.EEXIST, f"{path.name} and {MAX_COUNTER - 1} numbered names after it are all taken")
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
