"""The Unicode minus sign (U+2212, "−"), which typeset text and the help print, is read as "-" wherever
a number is typed: one reading function (core/checks.to_number, parse_whole for whole numbers)."""

from __future__ import annotations

import numpy as np
import pytest

from em_tui.core import data
from em_tui.core.checks import parse_whole, to_number
from em_tui.core.reading import is_number
from em_tui.errors import DataError, ParameterError

@pytest.mark.parametrize("text, want", [("−2", -2.0), ("−0.25", -0.25), ("1e−3", 1e-3), (" −7 ", -7.0),
                                        ("-2", -2.0), ("3", 3.0)])
def test_a_number_reads_the_minus_sign_as_a_minus(text, want):
    assert to_number(text) == want and is_number(text)


@pytest.mark.parametrize("text", ["−", "−−2", "2−", "–2", "two"])  # the en dash "–" is not a minus
def test_what_is_not_a_number_stays_refused(text):
    assert not is_number(text)
    with pytest.raises(ValueError):
        to_number(text)


def test_a_whole_number_reads_the_minus_sign_and_says_its_bounds():
    assert parse_whole("−3", "the shift") == -3
    with pytest.raises(ParameterError, match="at least 0, got -3"):
        parse_whole("−3", "the seed", 0)


def test_typed_data_read_the_minus_sign():
    np.testing.assert_array_equal(data.parse_values("−1.5, 2; −3e−1\n4 −0"), [-1.5, 2.0, -0.3, 4.0, -0.0])
    assert data.from_text("1 −2 3 −4").values.tolist() == [1.0, -2.0, 3.0, -4.0]


@pytest.mark.parametrize("name, text", [("a.csv", "x\n−1.5\n2\n−3\n4\n"), ("b.txt", "−1.5 2\n−3 4\n"),
                                        ("c.csv", "x;y\n−1.5;0\n2;0\n−3;0\n4;0\n")])
def test_data_files_read_the_minus_sign(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    loaded = data.load_file(path, column="x" if name == "c.csv" else None)
    assert loaded.values.tolist() == [-1.5, 2.0, -3.0, 4.0]


def test_a_decimal_comma_after_a_minus_sign_gets_its_hint(tmp_path):
    path = tmp_path / "comma.csv"
    path.write_text("x;y\n−0,25;1\n2;1\n3;1\n4;1\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"looks like a decimal comma: use a point, e\.g\. -0\.25"):
        data.load_file(path, column="x")


def test_an_anomaly_quantile_typed_with_a_minus_sign_is_refused_as_below_zero_not_as_text():
    from em_tui.core.anomaly import parse_quantile

    with pytest.raises(ParameterError, match="must be above 0"):
        parse_quantile("−0.01")
    assert parse_quantile("1e−2") == 0.01
