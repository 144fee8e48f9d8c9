"""The command line reads the Unicode minus sign (U+2212) in --means, --values and --tol as "-"."""

from __future__ import annotations

import contextlib
import io
import json

from em_tui.cli import main


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(args))
    return status, out.getvalue(), err.getvalue()


def test_fit_reads_minus_signs_as_the_ascii_minus():
    typed = run("fit", "--values", "−2.1 −1.9 −2.0 −2.2 3.9 4.1 4.0 4.2", "--means", "−2,4", "--json")
    ascii = run("fit", "--values", "-2.1 -1.9 -2.0 -2.2 3.9 4.1 4.0 4.2", "--means", "-2,4", "--json")
    assert typed[0] == ascii[0] == 0, typed[2]
    assert json.loads(typed[1]) == json.loads(ascii[1])
    assert json.loads(typed[1])["means"][0] < 0


def test_the_simulators_command_line_reads_a_minus_sign_in_its_means():
    status, out, err = run("--means", "−2,seven")  # refused before the app opens: the first value was read
    assert status == 2 and "value 2 'seven' is not a number" in err, err


def test_a_negative_tolerance_typed_with_a_minus_sign_is_refused_as_negative():
    status, _, err = run("fit", "--tol", "−1")
    assert status == 2 and "--tol must be a finite number >= 0" in err, err
