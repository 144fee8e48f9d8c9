"""The small checks every layer shares: whole numbers as typed, and a run's stopping rule."""

from __future__ import annotations

import pytest

from em_tui.core.checks import check_run_options, parse_whole
from em_tui.errors import ParameterError, SessionError, UsageError


@pytest.mark.parametrize("text, value", [("7", 7), ("  7 ", 7), ("+7", 7), ("-3", -3), ("007", 7), (12, 12)])
def test_a_whole_number_as_typed(text, value):
    assert parse_whole(text, "n") == value


@pytest.mark.parametrize("text", ["two", "1.5", "1e3", "", " ", "1_000", "٣", "0x10", "7 7", "True", 2.0, True])
def test_what_is_not_a_whole_number_is_refused_as_typed(text):
    with pytest.raises(ParameterError) as caught:
        parse_whole(text, "--n")
    assert str(caught.value) == f"--n must be a whole number, got {str(text)!r}"


def test_the_bounds_and_how_the_refused_value_is_shown():
    with pytest.raises(ParameterError, match=r"^--n must be at least 4, got -5$"):
        parse_whole("-5", "--n", 4)
    with pytest.raises(ParameterError, match=r"^--n must be at most 1,000 \(a reason\), got 5,000$"):
        parse_whole("5000", "--n", 4, 1000, why=" (a reason)")
    with pytest.raises(ParameterError, match=r"^--n must be at most 1,000, got more than 10\^15$"):
        parse_whole("9" * 4000, "--n", 4, 1000)
    with pytest.raises(ParameterError, match=r"^--n must be at least 0, got less than -10\^15$"):
        parse_whole("-" + "9" * 4000, "--n", 0)
    # more digits than Python converts: refused as typed, cut short
    with pytest.raises(ParameterError, match=r"^--n must be a whole number, got '9{27}\.\.\.'$"):
        parse_whole("9" * 5000, "--n", 4, 1000)
    assert parse_whole("-5", "t") == -5 and parse_whole(str(10**40), "t") == 10**40  # no bounds


def test_the_forms_of_a_refusal_and_the_error_raised():
    with pytest.raises(ParameterError, match=r"^K must be a whole number from 1 to 8, got 'x'$"):
        parse_whole("x", "K", 1, 8, form="range")
    with pytest.raises(ParameterError, match=r"^K must be from 1 to 8, got 9$"):
        parse_whole("9", "K", 1, 8, form="range")
    with pytest.raises(SessionError, match=r"^data: 'n' must be from 4 to 100,000,000, got 1,000,000,000,000$"):
        parse_whole(10**12, "data: 'n'", 4, 100_000_000, error=SessionError, form="range")
    with pytest.raises(UsageError, match=r"^--port must be a whole number from 1 to 65535, got 70,000$"):
        parse_whole("70000", "--port", 1, 65535, error=UsageError, form="whole range")
    with pytest.raises(UsageError, match=r"^--port must be a whole number from 1 to 65535, got '1_000'$"):
        parse_whole("1_000", "--port", 1, 65535, error=UsageError, form="whole range")
    assert parse_whole(" 8 ", "K", 1, 8, form="range") == 8 and parse_whole("1", "K", 1, 8, form="whole range") == 1


@pytest.mark.parametrize("tol, cap, message", [
    (1e-6, -1, "the iteration cap must be a whole number >= 0, got -1"),
    (1e-6, 2.5, "the iteration cap must be a whole number >= 0, got 2.5"),
    (-1.0, 10, "the tolerance must be a number >= 0, got -1.0"),
    (float("nan"), 10, "the tolerance must be a number >= 0, got nan"),
])
def test_a_runs_stopping_rule_is_checked_with_words_a_student_reads(tol, cap, message):
    with pytest.raises(ParameterError) as caught:
        check_run_options(tol, cap)
    assert str(caught.value) == message
    check_run_options(0.0, 0)  # tol 0: run to the cap; a cap of 0 is a run that shows its start
