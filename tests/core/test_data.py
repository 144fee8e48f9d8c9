import io
import os

import numpy as np
import pytest

from em_tui.core import data, reading
from em_tui.errors import DataError


def test_simulated_data_are_pinned():
    """The same seed must give the same data in every future version."""
    x = data.simulate(0)
    assert x.size == 200
    np.testing.assert_allclose(x[:4], [3.1215133, -0.47258768, 0.58633728, -0.6635352], rtol=1e-7)
    rng = np.random.default_rng(0)
    u, e = rng.random(200), rng.standard_normal(200)
    first = np.where(u < 0.4, 0.0 + 1.0 * e, 4.0 + 1.5 * e)
    np.testing.assert_array_equal(x, first)
    assert data.simulate(1)[0] != x[0]


@pytest.mark.parametrize("text", ["1, 2, 3, 4", "1;2;3;4", "1 2\n3\t4", "1,\n 2 ,3;; 4\n", "# comment\n1 2 3 4"])
def test_parse_values_separators(text):
    np.testing.assert_array_equal(data.parse_values(text), [1, 2, 3, 4])


def test_parse_values_signs_and_exponents():
    np.testing.assert_allclose(data.parse_values("-2, +3.5, 1e3, .5"), [-2, 3.5, 1000, 0.5])


@pytest.mark.parametrize(
    "text, message",
    [
        ("1, 2, abc, 4", "value 3: 'abc' is not a number"),
        ("1, 2, 3", "need at least 4 values, got 3"),
        ("", "no numbers found"),
        ("1, 2, nan, 4", "value 3: 'nan' is not allowed"),
        ("1, 2, inf, 4", "'inf' is not allowed"),
        ("1, 2, 3, 4,5x", "value 5: '5x'"),
    ],
)
def test_parse_values_errors(text, message):
    with pytest.raises(DataError, match=message):
        data.parse_values(text)


def test_too_few_distinct_values_for_k():
    with pytest.raises(DataError, match="2 distinct values; K = 3"):
        data.validate_data([1, 1, 2, 2], 3)


def test_csv_with_header_by_name_and_index(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("a,b\n1,10\n2,20\n3,30\n4,40\n")
    np.testing.assert_array_equal(data.load_file(p, "b").values, [10, 20, 30, 40])
    np.testing.assert_array_equal(data.load_file(p, "0").values, [1, 2, 3, 4])
    with pytest.raises(DataError, match=r"has 2 columns \(a, b\); choose one with --column"):
        data.load_file(p)
    with pytest.raises(DataError, match=r"no column 'c' \(columns: a, b\)"):
        data.load_file(p, "c")
    with pytest.raises(DataError, match="no column 5"):
        data.load_file(p, "5")


def test_csv_without_header_and_semicolons(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("1;5\n2;6\n3;7\n4;8\n")
    np.testing.assert_array_equal(data.load_file(p, 1).values, [5, 6, 7, 8])


def test_csv_bad_value_names_line_and_column(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("x\n1\n2\noops\n4\n")
    with pytest.raises(DataError, match="line 4, column 'x': 'oops' is not a number"):
        data.load_file(p)


def test_txt_free_form_and_npy(tmp_path):
    t = tmp_path / "v.txt"
    t.write_text("1 2 3\n4, 5\n")
    np.testing.assert_array_equal(data.load_file(t).values, [1, 2, 3, 4, 5])
    n = tmp_path / "v.npy"
    np.save(n, np.arange(6.0))
    np.testing.assert_array_equal(data.load_file(n).values, np.arange(6.0))
    n2 = tmp_path / "m.npy"
    np.save(n2, np.arange(12.0).reshape(6, 2))
    np.testing.assert_array_equal(data.load_file(n2, "1").values, np.arange(1.0, 12.0, 2))


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.csv", None, "file not found"),
        ("empty.csv", "", "is empty"),
        ("blank.txt", "\n  \n", "is empty"),
        ("short.csv", "x\n1\n2\n", "need at least 4 values, got 2"),
        ("nan.csv", "x\n1\n2\nnan\n4\n", "'nan' is not allowed"),
        ("header.csv", "x\n", "header but no values"),
        ("gap.csv", "a,b\n1,2\n3,\n4,5\n6,7\n", "line 3: no value in column 'b'"),
    ],
)
def test_file_errors(tmp_path, name, content, message):
    p = tmp_path / name
    if content is not None:
        p.write_text(content)
    with pytest.raises(DataError, match=message):
        data.load_file(p, "b" if name == "gap.csv" else None)


def test_bad_npy(tmp_path):
    p = tmp_path / "bad.npy"
    p.write_bytes(b"not an npy file at all")
    with pytest.raises(DataError, match="not a valid .npy file"):
        data.load_file(p)


def test_builtin_datasets():
    sizes = {"old-faithful-eruptions": 272, "old-faithful-waiting": 272, "iris-petal-length": 150, "galaxies": 82}
    for name, n in sizes.items():
        ds = data.load_dataset(name)
        assert ds.n == n
        assert "Origin" in data.dataset_origin(name)
    assert data.load_dataset("old-faithful-waiting").values[:3].tolist() == [79, 54, 74]
    with pytest.raises(DataError, match="unknown data set 'nope'; choose one of: old-faithful-eruptions"):
        data.load_dataset("nope")


# -- CSV quoting and decimal commas ----------------------------------------------------
def test_quoted_fields_are_split_by_the_csv_rules(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text('"name, full","x"\n"a, b","1.5"\n"c",2\nd,3.25\n"e, f",-4\n')
    ds = data.load_file(p, "x")
    np.testing.assert_array_equal(ds.values, [1.5, 2, 3.25, -4])
    assert ds.name == "q.csv (x)"
    np.testing.assert_array_equal(data.load_file(p, "1").values, [1.5, 2, 3.25, -4])
    with pytest.raises(DataError, match=r"has 2 columns \(name, full, x\)"):
        data.load_file(p)


@pytest.mark.parametrize(
    "content, column, where, token",
    [
        ('"1,5",2\n3,4\n5,6\n7,8\n', "0", "line 1", "1,5"),  # quoted: one field, not 1 and 5
        ("1,5;2,7\n3,1;4,2\n5,5;6,6\n7,1;8,2\n", None, "line 1", "1,5"),  # a European CSV, before the column is asked for
        ("a;b\n0,25;2,5\n1;2\n3;4\n", "b", "line 2", "0,25"),
        ('x\n"2,5"\n1\n2\n3\n', None, "line 2", "2,5"),
        ("x\n1\n2\n-3,75\n4\n", None, "line 4", "-3,75"),
    ],
)
def test_a_decimal_comma_is_refused_with_a_hint(tmp_path, content, column, where, token):
    p = tmp_path / "d.csv"
    p.write_text(content)
    point = token.replace(",", ".")
    with pytest.raises(DataError, match=rf"{where}.*'{token}' looks like a decimal comma: use a point, e\.g\. {point}$"):
        data.load_file(p, column)


def test_crlf_bom_comments_and_blank_lines(tmp_path):
    p = tmp_path / "w.csv"
    p.write_bytes("\ufeff# made by a spreadsheet\r\nwaiting\r\n\r\n79\r\n54\r\n# a note\r\n74\r\n62\r\n".encode())
    np.testing.assert_array_equal(data.load_file(p).values, [79, 54, 74, 62])
    with pytest.raises(DataError, match="line 4, column 'waiting': 'x' is not a number"):
        p.write_text("waiting\n1\n\nx\n")
        data.load_file(p)


def test_unterminated_quote_is_one_clear_error(tmp_path):
    p = tmp_path / "u.csv"
    p.write_text('x,y\n1,"2\n3,4\n' + "5,6\n" * 10)
    with pytest.raises(DataError, match="u.csv"):
        data.load_file(p, "y")


def test_a_line_without_end_or_a_nul_byte_is_not_a_file_of_numbers(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_LINE_CHARS", 1000)
    p = tmp_path / "long.csv"
    p.write_text("x\n1\n" + "9" * 5000)
    with pytest.raises(DataError, match="long.csv, line 3 is longer than 1,000 characters"):
        data.load_file(p)
    z = tmp_path / "zeros.txt"
    z.write_bytes(b"\x00" * 4000)
    with pytest.raises(DataError, match="zeros.txt is not a text file"):
        data.load_file(z)


def test_reading_keeps_memory_near_the_values_kept(tmp_path):
    """Row by row into one float64 array: the peak is a small multiple of the column kept,
    not of the file (reading it whole, with a list of lines and tokens, took 38 x the values
    and 9.5 x the file here; now about 5 x and 1.2 x, the text of one chunk being most of it)."""
    import tracemalloc

    x = np.random.default_rng(1).standard_normal(300_000) * 7 + 20
    p = tmp_path / "big.csv"
    p.write_text("id,value,label\n" + "".join(f"{i},{float(v)!r},sample\n" for i, v in enumerate(x)))
    tracemalloc.start()
    try:
        ds = data.load_file(p, "value")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(ds.values, x)
    assert ds.values.dtype == np.float64
    assert peak < 6 * x.nbytes and peak < 2 * p.stat().st_size


def test_a_file_over_the_points_cap_is_refused_while_reading(tmp_path, monkeypatch):
    from em_tui.core import limits

    monkeypatch.setattr(limits, "MAX_POINTS", 100)
    monkeypatch.setattr(reading, "MAX_POINTS", 100)
    monkeypatch.setattr(reading, "READ_CHUNK", 16)
    p = tmp_path / "many.txt"
    p.write_text(" ".join(str(i) for i in range(500)))
    # refused at the first chunk past the cap (7 chunks of 16), not after reading all 500
    with pytest.raises(DataError, match=r"many.txt: 112 points are more than em-tui fits \(at most 100\)"):
        data.load_file(p)


# -- what is not a regular file, and paths that cannot be opened ------------------------
def test_folders_fifos_and_devices_are_refused(tmp_path):
    with pytest.raises(DataError, match="is a folder, not a file"):
        data.load_file(tmp_path)
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.csv"
        os.mkfifo(fifo)
        with pytest.raises(DataError, match=r"pipe.csv is a named pipe \(FIFO\), not a regular file"):
            data.load_file(fifo)
    if os.path.exists("/dev/zero"):
        with pytest.raises(DataError, match="/dev/zero is a character device, not a regular file"):
            data.load_file("/dev/zero")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_swapped_in_after_the_check_neither_blocks_nor_is_read(tmp_path, monkeypatch):
    """The file is opened non-blocking and checked again once open."""
    import threading

    regular = tmp_path / "ok.csv"
    regular.write_text("x\n1\n2\n3\n4\n")
    fifo = tmp_path / "swapped.csv"
    os.mkfifo(fifo)
    real_stat = os.stat
    monkeypatch.setattr(data.os, "stat", lambda p, *a, **kw: real_stat(regular) if str(p) == str(fifo) else real_stat(p, *a, **kw))
    outcome = []

    def load():
        try:
            data.load_file(fifo)
        except DataError as exc:
            outcome.append(str(exc))

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(60)  # only a guard against a hang; the refusal is immediate
    assert outcome and "named pipe (FIFO)" in outcome[0]


def test_unopenable_paths_say_why(tmp_path, monkeypatch):
    long_name = tmp_path / ("a" * 300 + ".csv")
    with pytest.raises(DataError, match="cannot open .*aaaa.csv: the name is too long"):
        data.load_file(long_name)
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    with pytest.raises(DataError, match="loop.csv: too many symbolic links"):
        data.load_file(loop)
    f = tmp_path / "f.csv"
    f.write_text("x\n1\n2\n3\n4\n")
    with pytest.raises(DataError, match="f.csv/x.csv: a part of the path is not a folder"):
        data.load_file(f / "x.csv")
    with pytest.raises(DataError, match="cannot hold a NUL character"):
        data.load_file(str(tmp_path / "a\x00b.csv"))

    def denied(*args, **kwargs):  # the same as a folder without search permission, even as root
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(data.os, "stat", denied)
    with pytest.raises(DataError, match="cannot open .*f.csv: permission denied"):
        data.load_file(f)


def test_a_read_error_is_a_data_error(tmp_path, monkeypatch):
    f = tmp_path / "f.csv"
    f.write_text("x\n1\n2\n3\n4\n")

    class Failing(io.RawIOBase):  # the file opens, then its disk fails
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            raise OSError(5, "Input/output error")

    opened = []
    monkeypatch.setattr(data, "open_data_file", lambda path: opened.append(path) or io.BufferedReader(Failing()))
    with pytest.raises(DataError, match="cannot read .*f.csv: Input/output error"):
        data.load_file(f)
    assert opened == [f]


def test_control_characters_in_a_name_are_escaped_in_messages(tmp_path):
    p = tmp_path / "bad\x1b[2Jname.csv"
    with pytest.raises(DataError) as info:
        data.load_file(p)
    assert "\x1b" not in str(info.value) and "bad\\x1b[2Jname.csv" in str(info.value)
    h = tmp_path / "h.csv"
    h.write_text("a\x1b]0;x\x07,b\n1,2\n3,4\n5,6\n7,8\n")
    with pytest.raises(DataError) as info:
        data.load_file(h)
    assert "\x1b" not in str(info.value) and "\x07" not in str(info.value) and "a\\x1b]0" in str(info.value)


# -- .npy files: checked before anything is allocated ------------------------------------
def _npy(path, header: bytes, body: bytes = b"", version=(1, 0)):
    import struct

    size = struct.pack("<H", len(header)) if version == (1, 0) else struct.pack("<I", len(header))
    path.write_bytes(b"\x93NUMPY" + bytes(version) + size + header + body)
    return path


@pytest.mark.parametrize(
    "header, body, message",
    [
        (b"{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }", b"\0" * 80,
         r"announces 1,000,000,000,000 values \(8,000,000,000,000 bytes\) but the file holds 80 bytes"),
        (b"{'descr': '<f8', 'fortran_order': False, 'shape': (10,), }", b"\0" * 40, "cut short"),
        (b"{'descr': '<f8', 'fortran_order': False, 'shape': (-5,), }", b"", "negative size"),
        (b"{'descr': '<f8', 'fortran_order': False, 'shape': ((((", b"", "not a valid .npy file"),
        (b"{'descr': '<f8', 'fortran_order': 1, 'shape': (3,), }", b"", "not a valid .npy file"),
        (b"{'descr': 'this is no dtype', 'fortran_order': False, 'shape': (3,), }", b"", "not a valid .npy file"),
        (b"{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", b"\0" * 24, r"does not hold numbers \(dtype object\)"),
        (b"{'descr': '<c16', 'fortran_order': False, 'shape': (4,), }", b"\0" * 64, "does not hold numbers"),
        (b"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (4,), }", b"\0" * 32, "does not hold numbers"),
        (b"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 2), }", b"\0" * 64, "holds a 3-D array"),
    ],
)
def test_a_bad_npy_header_is_refused_before_loading(tmp_path, header, body, message):
    p = _npy(tmp_path / "x.npy", header.ljust(118) + b"\n", body)
    with pytest.raises(DataError, match=message):
        data.load_file(p)


def test_npy_pickles_and_other_versions_stay_refused(tmp_path):
    p = tmp_path / "o.npy"
    np.save(p, np.array([1, "a", None], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="does not hold numbers"):
        data.load_file(p)
    v3 = _npy(tmp_path / "v3.npy", b"{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }\n", b"\0" * 32, (3, 0))
    with pytest.raises(DataError, match="format 3.0, which em-tui does not read"):
        data.load_file(v3)
    e = tmp_path / "e.npy"
    e.write_bytes(b"")
    with pytest.raises(DataError, match="e.npy is empty"):
        data.load_file(e)


@pytest.mark.parametrize("order", ["C", "F"])
def test_npy_columns_are_read_in_chunks_in_either_order(tmp_path, monkeypatch, order):
    monkeypatch.setattr(reading, "READ_CHUNK", 7)  # many chunks, a partial last one
    table = np.arange(150.0).reshape(50, 3) ** 1.5
    p = tmp_path / "t.npy"
    np.save(p, np.asarray(table, order=order))
    for c in range(3):
        np.testing.assert_array_equal(data.load_file(p, str(c)).values, table[:, c])
    ints = tmp_path / "i.npy"
    np.save(ints, np.arange(-20, 20, dtype=">i4"))
    np.testing.assert_array_equal(data.load_file(ints).values, np.arange(-20.0, 20.0))
    assert data.load_file(ints).values.dtype == np.float64


# -- caps on counts ---------------------------------------------------------------------
def test_simulated_points_and_seeds_are_capped():
    from em_tui.core import limits

    with pytest.raises(DataError, match=r"3,000,000,000 points are more than em-tui fits \(at most 100,000,000\)"):
        data.simulate(0, 3_000_000_000)
    with pytest.raises(DataError, match="the seed must be a whole number from 0 to 4294967295"):
        data.simulate(2**32, 10)
    assert data.simulate(limits.SEED_LIMIT, 4).size == 4


def test_counts_are_bounded_by_free_memory(monkeypatch):
    from em_tui.core import limits
    from em_tui.errors import ParameterError

    monkeypatch.setattr(limits, "available_memory", lambda: 500_000_000)
    with pytest.raises(DataError, match=r"10,000,000 points need about 640 MB of memory to fit; this machine has 500 MB free"):
        data.simulate(0, 10_000_000)
    limits.check_run_memory(10, 1000)
    with pytest.raises(ParameterError, match=r"1,000 starts of up to 1,000,000 iterations each keep up to 1,000,001,000 "
                                             r"iterations \(about 2 TB\); this machine has 500 MB free"):
        limits.check_run_memory(1000, 1_000_000)
    monkeypatch.setattr(limits, "available_memory", lambda: None)  # unknown: only the fixed caps apply
    limits.check_run_memory(1000, 1_000_000)


@pytest.mark.parametrize(
    "text, said",
    [
        ("x\n1\n2\n3 oops\n10\n11\n12\n", "line 4: 2 fields where the first row has 1"),  # '3 oops' was read as 3
        ("1\n2\n3 999999\n10\n11\n12\n", "line 3: 2 fields where the first row has 1"),  # 999999 was dropped
        ("x,y\n1,2\n3,4,5\n5,6\n7,8\n", "line 3: 3 fields where the first row has 2"),  # the 5 was dropped
        ('x,y\n"1.5,2\n3,4\n5,6\n7,8\n', 'a quote (") opened in this file is never closed'),
    ],
)
def test_a_row_with_more_values_than_the_first_is_refused_not_cut(tmp_path, text, said):
    path = tmp_path / "d.csv"
    path.write_text(text)
    with pytest.raises(DataError) as err:
        data.load_file(path, "x" if text.startswith("x") else None)
    assert said in str(err.value)


def test_a_trailing_separator_on_every_row_is_not_a_value(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x,y,\n1,2,\n3,4,\n5,6,\n7,8,\n")
    assert data.load_file(path, "y").values.tolist() == [2.0, 4.0, 6.0, 8.0]
