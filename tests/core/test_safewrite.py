"""New files are written whole or not at all, and never over or through another file."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from em_tui.core import safewrite
from em_tui.core.safewrite import write_new


def test_writes_the_name_asked_for_private_to_its_owner(tmp_path):
    path = write_new(tmp_path / "a.csv", lambda fh: fh.write("x\n1\n"))
    assert path == tmp_path / "a.csv" and path.read_text() == "x\n1\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


def test_a_taken_name_gets_a_counter(tmp_path):
    (tmp_path / "a.csv").write_text("old")
    (tmp_path / "a-2.csv").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "a-3.csv")  # dangling: still a taken name
    assert write_new(tmp_path / "a.csv", lambda fh: fh.write("new")) == tmp_path / "a-4.csv"
    assert (tmp_path / "a.csv").read_text() == "old" and not (tmp_path / "elsewhere").exists()
    assert (tmp_path / "a-4.csv").read_text() == "new"


def test_a_name_taken_at_the_last_moment_is_not_replaced(tmp_path, monkeypatch):
    """Between the check and the naming another file appears: the hard link refuses it."""
    real = os.lstat

    def not_there_yet(path, *args, **kwargs):  # the check finds no a.csv; it appears just after
        if os.path.basename(path) == "a.csv":
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(path))
        return real(path, *args, **kwargs)

    (tmp_path / "a.csv").write_text("old")
    monkeypatch.setattr(safewrite.os, "lstat", not_there_yet)
    assert write_new(tmp_path / "a.csv", lambda fh: fh.write("new")) == tmp_path / "a-2.csv"
    assert (tmp_path / "a.csv").read_text() == "old"


def test_without_hard_links_it_still_names_the_file(tmp_path, monkeypatch):
    def no_links(*args, **kwargs):
        raise OSError(errno.EPERM, "no hard links here")

    monkeypatch.setattr(safewrite.os, "link", no_links)
    (tmp_path / "a.csv").write_text("old")
    assert write_new(tmp_path / "a.csv", lambda fh: fh.write("new")) == tmp_path / "a-2.csv"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-2.csv", "a.csv"]


@pytest.mark.parametrize("where", ["writer", "fsync"])
def test_an_error_leaves_the_folder_as_it_was(tmp_path, monkeypatch, where):
    (tmp_path / "a.csv").write_text("old")
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def writer(fh):
        fh.write("half a file\n" * 1000)
        if where == "writer":
            raise full

    def fsync(fd):
        raise full

    if where == "fsync":
        monkeypatch.setattr(safewrite.os, "fsync", fsync)
    with pytest.raises(OSError, match="No space left on device"):
        write_new(tmp_path / "a.csv", writer)
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"] and (tmp_path / "a.csv").read_text() == "old"


def test_every_name_taken_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(safewrite, "MAX_COUNTER", 3)
    for name in ("a.csv", "a-2.csv", "a-3.csv"):
        (tmp_path / name).write_text("old")
    with pytest.raises(OSError, match="a.csv and 2 numbered names after it are all taken"):
        write_new(tmp_path / "a.csv", lambda fh: fh.write("new"))
    assert len(list(tmp_path.iterdir())) == 3


def test_a_missing_folder_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_new(tmp_path / "no" / "a.csv", lambda fh: fh.write("x"))
