"""The `em-tui fit` contract under random hostile command lines.

For any argument vector built from the real options and hostile values (markup, terminal
escapes, huge, negative, NaN, empty, unicode, paths to special files), ``main`` either returns
0, with valid JSON (no NaN or Infinity) when --json is given, or returns 2 with exactly one
stderr line that starts with ``error:``. Never 1 (an internal error), never a traceback, never
a raw escape on the terminal. The work is bounded (few points and iterations) so that it runs
quickly; the number of examples comes from the hypothesis profile (tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import io
import json
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from em_tui.cli import main

HOSTILE = ["", " ", "[/]", "[@click=app.quit]x", "[b]bold", "\x1b[2J", "\x1b]0;title\x07", "a\nb", "\u202e", "σ",
           "nan", "NaN", "inf", "-inf", "1e999", "-1", "-0", "0", "1e308", "-1e308", "1e-320", "3000000000",
           "1000000000000", "9" * 60, "１２", "٣", "1_000", "0x10", "1,2", "-2,7", "0.5,0.5", "1;2;3", "1 2",
           ",,,", "1,,2", "--json", "-", "None", "🙂"]
COUNTS = ["0", "1", "2", "3", "4", "5", "10", "-1", "1.5", "1e2", "3000000000", "1000000000000", "", "x", "８"]
#: the options and the values each takes (only bounded amounts of work can be asked for)
OPTIONS = {
    "--column": ["0", "1", "x", "value", "99", "[/]", "\x1b[31m", ""],
    "--values": ["1,2,3,4", "1.2, 1.9, 5.1, 4.8, 1.5, 5.0", "1,1,1,1", "1,2,abc,4", "[/] 1 2 3", "nan,1,2,3",
                 "1,2,3", "", "1e-320,0,1,2", "-1e6,1e6,0,5", "0.1,0.2,0.3,0.4,10,11,12,13"],
    "--dataset": ["galaxies", "old-faithful-waiting", "iris-petal-length", "nope", "[/]", ""],
    "--seed": COUNTS + ["4294967295", "4294967296"],
    "--n": ["4", "10", "50", "3", "0", "-5", "3000000000", "1e2", "abc", ""],
    "--k": COUNTS + ["8", "9"],
    "--means": ["1,3", "-2,7", "1", "1,2,3", "0,0", "1e9,1", "nan,1", "1,inf", "[/]", ""],
    "--sds": ["1,1", "1,-1", "0,1", "1e-300,1e300", "1", "nan,1", ""],
    "--weights": ["0.5,0.5", "0.7,0.7", "1,0", "0.2,0.3,0.5", "-1,2", "nan,1", ""],
    "--init": ["user", "kmeans", "random", "magic", "[/]", ""],
    "--restarts": COUNTS,
    "--iterations": ["0", "1", "5", "20", "-3", "1e3", "1000000000000", "nan", ""],
    "--tol": ["0", "1e-6", "1e-3", "-1", "nan", "inf", "1e999", "x", ""],
    "--fault": ["forgot-sqrt", "divide-by-n", "nope", "[/]", ""],
    "--select-k": ["2", "3", "8", "1", "9", "x", ""],
    "--anomalies": ["0.01", "1%", "0.5", "0.6", "-1", "nan", "x", "", "50%"],
}


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    """Files a user might name: good and bad data, a folder, special files, names that cannot be opened."""
    d = tmp_path_factory.mktemp("fuzz")
    (d / "good.csv").write_text("id,value\n" + "".join(f"{i},{v}\n" for i, v in enumerate([1, 2, 3, 10, 11, 12.5])))
    (d / "comma.csv").write_text("a;b\n1,5;2\n2,5;3\n")
    (d / "quoted.csv").write_text('"x, y",z\n"1,5",2\n')
    (d / "empty.csv").write_text("")
    (d / "[b]\x1b[2J.csv").write_text("x\n1\n2\n3\n4\n")
    np.save(d / "good.npy", np.arange(8.0))
    (d / "bad.npy").write_bytes(b"\x93NUMPY\x01\x00\x20\x00{'descr': '<f8', 'shape': ((((\n")
    (d / "huge.npy").write_bytes(b"\x93NUMPY\x01\x00v\x00" + b"{'descr': '<f8', 'fortran_order': False, "
                                 b"'shape': (1000000000000,), }".ljust(117) + b"\n")
    np.save(d / "object.npy", np.array([{}, 1], dtype=object), allow_pickle=True)
    out = [str(d / n) for n in ("good.csv", "comma.csv", "quoted.csv", "empty.csv", "[b]\x1b[2J.csv", "good.npy",
                                "bad.npy", "huge.npy", "object.npy", "missing.csv")]
    out += [str(d), str(d / ("n" * 300 + ".csv")), str(d / "good.csv" / "x.csv")]
    if hasattr(os, "mkfifo"):
        os.mkfifo(d / "fifo.csv")
        out.append(str(d / "fifo.csv"))
    out += [p for p in ("/dev/zero", "/dev/null") if os.path.exists(p)]
    return out


def argv_strategy(paths: list[str]):
    # an option's own values three times as often as the hostile ones, so that many runs get through
    option = st.sampled_from(sorted(OPTIONS)).flatmap(
        lambda name: st.tuples(st.just(name), st.sampled_from(OPTIONS[name] * 3 + HOSTILE)))
    return st.tuples(
        st.lists(option, max_size=4),
        st.sampled_from([None] * len(paths) + paths + HOSTILE[:6]),  # no FILE in about half the runs
        st.booleans(),
    )


def _no_constants(name):
    raise ValueError(f"{name} in the JSON")


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def check_contract(argv: list[str], want_json: bool) -> None:
    status, out, err = run(argv)
    assert status in (0, 2), (argv, err)
    assert "Traceback" not in err and "\x1b" not in out + err and "\x07" not in out + err, (argv, err)
    if status == 2:
        lines = err.splitlines()
        assert out == "" and len(lines) == 1 and lines[0].startswith("error:"), (argv, err)
        assert "internal error" not in err, (argv, err)
        return
    assert err == "", (argv, err)  # no warnings either
    if want_json:
        result = json.loads(out, parse_constant=_no_constants)
        assert isinstance(result, dict) and result["n"] >= 4, argv
    else:
        assert out.startswith("data: "), argv


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_fit_either_succeeds_or_refuses_with_one_line(paths, data):
    options, file, want_json = data.draw(argv_strategy(paths))
    # a short run by default: a drawn --iterations (small or refused) comes later and wins
    argv = ["fit", "--iterations", "20"]
    for name, value in options:
        argv += [name, value]
    if file is not None:
        argv.append(file)
    if want_json:
        argv.append("--json")
    check_contract(argv, want_json)


#: the options of the model and the run (data: the lesson's simulated points or --n of them)
RUN_OPTIONS = ("--n", "--seed", "--k", "--means", "--sds", "--weights", "--init", "--restarts", "--iterations", "--tol",
               "--fault", "--select-k", "--anomalies")


@given(options=st.lists(st.sampled_from(RUN_OPTIONS).flatmap(
    lambda name: st.tuples(st.just(name), st.sampled_from(OPTIONS[name]))), max_size=5))
def test_fits_of_the_simulated_data_give_valid_json(options):
    """Fewer refusals: the start and run options only, each with its own values, --json."""
    argv = ["fit", "--iterations", "20"]
    for name, value in options:
        argv += [name, value]
    check_contract(argv + ["--json"], True)


@pytest.mark.parametrize("argv", [
    ["fit", "--column", "[/]"],
    ["fit", "--values", "[@click=app.quit]x 1 2 3"],
    ["fit", "--means", "\x1b[2J,1"],
    ["fit", "--dataset", "\u202e"],
    ["fit", "--iterations", "1000000000000", "--tol", "0"],
    ["fit", "--restarts", "1000000000", "--init", "kmeans"],
    ["fit", "--n", "3000000000"],
])
def test_known_hostile_command_lines(argv):
    check_contract(argv + ["--json"], True)
