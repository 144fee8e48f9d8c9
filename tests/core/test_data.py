import numpy as np
import pytest

from em_tui.core import data
from em_tui.core.errors import DataError


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
