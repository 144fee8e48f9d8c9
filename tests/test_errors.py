"""The one error hierarchy and the one line that tells the user about a failure."""

import pytest

from em_tui import errors


@pytest.mark.parametrize("cls", [errors.DataError, errors.ParameterError, errors.UsageError, errors.Refused,
                                 errors.SessionError])
def test_every_error_the_user_can_cause_is_an_em_tui_error(cls):
    assert issubclass(cls, errors.EmTuiError) and issubclass(cls, ValueError)


def test_a_failure_is_told_in_one_inert_line():
    assert errors.failure_message(errors.DataError("the file x.csv has no numbers")) == "the file x.csv has no numbers"
    assert errors.failure_message(errors.Refused("name\x1b[2J")) == "name\\x1b[2J"  # never sent to the terminal
    assert errors.failure_message(MemoryError()) == errors.OUT_OF_MEMORY
    assert errors.failure_message(KeyError("k")) == "internal error (KeyError: 'k'); please report it"
    assert errors.failure_message(RuntimeError("first\nsecond")) == "internal error (RuntimeError: first); please report it"
    assert errors.failure_message(ZeroDivisionError()) == "internal error (ZeroDivisionError: ); please report it"
