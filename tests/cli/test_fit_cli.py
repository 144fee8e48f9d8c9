"""`em-tui fit` end to end, in a subprocess, as a script or grader would call it."""

import json
import subprocess
import sys

import numpy as np
import pytest

from em_tui.core import data
from em_tui.core.config import FitConfig
from em_tui.core.model import Mixture
from em_tui.core.trajectory import run_em


def em_tui(*args, check=True):
    proc = subprocess.run([sys.executable, "-m", "em_tui", *args], capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def fit_json(*args):
    return json.loads(em_tui("fit", *args, "--json").stdout)


def test_json_contract_on_the_default_scenario():
    out = fit_json()
    for key in ("k", "n", "iterations", "converged", "weights", "means", "sds", "log_likelihood", "ll_decrease", "bic", "aic", "init", "seed"):
        assert key in out
    ref = run_em(data.simulate(data.DEFAULT_SEED), data.DEFAULT_START)
    assert out["k"] == 2 and out["n"] == 200 and out["seed"] == data.DEFAULT_SEED and out["init"] == "user"
    assert out["iterations"] == ref.iterations and out["converged"] is True
    assert len(out["log_likelihood"]) == out["iterations"] + 1
    np.testing.assert_allclose(out["log_likelihood"], ref.ll, rtol=1e-14)
    np.testing.assert_allclose(out["means"], ref.final.means, rtol=1e-14)
    assert out["ll_decrease"] is None
    ll = out["log_likelihood"][-1]
    assert out["bic"] == pytest.approx(-2 * ll + 5 * np.log(200))
    assert out["aic"] == pytest.approx(-2 * ll + 10)


def test_negative_means_as_typed_and_exact_iterations():
    a = fit_json("--means", "-2,7", "--iterations", "7", "--tol", "0")
    b = fit_json("--means=-2,7", "--iterations", "7", "--tol", "0")
    assert a == b
    assert a["iterations"] == 7 and len(a["log_likelihood"]) == 8 and not a["converged"]
    assert a["start"]["means"] == [-2.0, 7.0]
    ref = run_em(data.simulate(data.DEFAULT_SEED), Mixture.create([0.5, 0.5], [-2, 7], [1.5, 1.5]), FitConfig(tol=0, max_iter=7))
    np.testing.assert_allclose(a["sds"], ref.final.sds, rtol=1e-14)


def test_user_order_is_kept_and_kmeans_is_sorted():
    rev = fit_json("--means", "3,1", "--iterations", "3", "--tol", "0")
    assert rev["means"][0] > rev["means"][1]
    km = fit_json("--dataset", "galaxies", "--k", "3", "--init", "kmeans", "--restarts", "3")
    assert km["means"] == sorted(km["means"]) and km["init"] == "kmeans"
    assert len(km["start_final_log_likelihoods"]) == 3
    assert km["log_likelihood"][-1] == pytest.approx(max(km["start_final_log_likelihoods"]))


def test_file_values_and_dataset_sources(tmp_path):
    p = tmp_path / "w.csv"
    x = data.load_dataset("old-faithful-waiting").values
    p.write_text("id,waiting\n" + "\n".join(f"{i},{v}" for i, v in enumerate(x)))
    from_file = fit_json(str(p), "--column", "waiting", "--means", "55,80", "--sds", "5,5", "--weights", "0.5,0.5", "--tol", "1e-10", "--iterations", "5000")
    from_set = fit_json("--dataset", "old-faithful-waiting", "--means", "55,80", "--sds", "5,5", "--tol", "1e-10", "--iterations", "5000")
    assert from_file["means"] == pytest.approx(from_set["means"], rel=1e-12)
    assert from_set["log_likelihood"][-1] == pytest.approx(-1034.002, abs=5e-4)
    typed = fit_json("--values", "1.2, 1.9, 5.1, 4.8, 1.5, 5.0", "--k", "2", "--init", "kmeans")
    assert typed["n"] == 6 and typed["means"][0] < 2 < typed["means"][1]


def test_fault_reports_the_decrease():
    out = fit_json("--fault", "forgot-sqrt", "--iterations", "30", "--tol", "0")
    assert out["ll_decrease"]["iteration"] >= 1 and out["ll_decrease"]["amount"] > 0
    table = em_tui("fit", "--fault", "divide-by-n", "--iterations", "30", "--tol", "0").stdout
    assert "WARNING: the log-likelihood fell at iteration" in table


def test_human_table():
    out = em_tui("fit").stdout
    assert f"data: simulated (seed {data.DEFAULT_SEED})" in out
    assert "converged after" in out
    assert "component" in out and "weight" in out and "mean" in out and "sd" in out
    ref = run_em(data.simulate(data.DEFAULT_SEED), data.DEFAULT_START)
    assert f"{ref.final.means[1]:.4f}" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--values", "1,2,abc,4"], "value 3: 'abc' is not a number"),
        (["--values", "1,2,3"], "need at least 4 values"),
        (["--sds", "1,-1"], "standard deviation of component 2 is -1"),
        (["--weights", "0.7,0.7"], "weights sum to 1.4"),
        (["--k", "9"], "between 1 and 8"),
        (["--k", "two"], "--k must be a whole number"),
        (["--means", "1,2,3", "--sds", "1,1"], "K is 3 but 2 standard deviations were given"),
        (["missing.csv"], "file not found: missing.csv"),
        (["--dataset", "nope"], "unknown data set 'nope'"),
        (["--fault", "nope"], "unknown fault 'nope'"),
        (["--init", "magic"], "--init must be one of"),
        (["--iterations", "-3"], "--iterations must be at least 0"),
        (["--tol", "x"], "--tol must be a number"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--values", "1,2,3,4", "--dataset", "galaxies"], "give one data source"),
        (["--dataset", "galaxies", "--k", "2", "--init", "user"], "--init user needs --means"),
        (["--means", "1,2", "--init", "kmeans"], "do not go with --init kmeans"),
        (["--values", "1,1,1,1", "--k", "2", "--init", "kmeans"], "1 distinct values; K = 2"),
        (["--seed", "-1"], "--seed must be at least 0"),
        (["--means"], "expected one argument"),
        (["--means", "1e308,-1e308"], "the start is so far from the data"),
    ],
)
def test_bad_input_exits_2_with_one_error_line(args, message):
    proc = em_tui("fit", *args, check=False)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    assert message in lines[0]
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_bad_file_contents(tmp_path):
    p = tmp_path / "two.csv"
    p.write_text("a,b\n1,2\n3,4\n5,6\n7,8\n")
    proc = em_tui("fit", str(p), check=False)
    assert proc.returncode == 2 and "choose one with --column" in proc.stderr
    proc = em_tui("fit", str(p), "--column", "z", check=False)
    assert proc.returncode == 2 and "no column 'z'" in proc.stderr
    e = tmp_path / "e.csv"
    e.write_text("")
    proc = em_tui("fit", str(e), check=False)
    assert proc.returncode == 2 and "is empty" in proc.stderr


def test_other_k_on_the_lesson_data_starts_from_kmeans():
    out = fit_json("--k", "3")
    assert out["k"] == 3 and out["init"] == "kmeans" and out["means"] == sorted(out["means"])


def test_extreme_but_valid_start_stays_finite():
    """A sigma just above the variance floor (10⁻⁴ × the typical gap between neighbouring values, 91 on
    the galaxies: 0.0091) and a huge one."""
    from em_tui.core.prepared import prepare

    floor = prepare(data.load_dataset("galaxies").values).sd_floor
    assert floor == pytest.approx(0.0091)
    out = fit_json("--dataset", "galaxies", "--means", "10000,22000", "--sds", f"{1.01 * floor!r},1e9",
                   "--iterations", "20")
    assert all(np.isfinite(out["log_likelihood"])) and all(s > 0 for s in out["sds"])
    assert out["ll_decrease"] is None


@pytest.mark.parametrize(
    "args, message",
    [
        (["--seed", "abc"], "--seed must be a whole number, got 'abc'"),
        (["--n", "2"], "--n must be at least 4"),
        (["--means", "1", "--k", "2"], "--k is 2 but 1 value was given for --means"),
        (["--means", "1,inf"], "--means must each be a number within ±1e+06, got inf"),
        (["--fault", "nope"], "unknown fault 'nope'"),
    ],
)
def test_bad_simulator_options_exit_2_before_the_app_opens(args, message):
    proc = em_tui(*args, check=False)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    assert message in lines[0]
    assert proc.stdout == ""


@pytest.mark.parametrize(
    "args, message",
    [
        (["--seed", "99999999999"], "--seed must be a whole number from 0 to 4294967295"),
        (["--means", "1e9,1"], "--means must each be a number within ±1e+06, got 1e+09"),
        (["--n", "3000000000"], "--n must be at most 100,000,000, got 3,000,000,000"),
        (["/dev/zero"], "/dev/zero is a character device, not a regular file"),
    ],
)
def test_simulator_options_have_the_fields_limits(args, message):
    proc = em_tui(*args, check=False)
    assert proc.returncode == 2 and message in proc.stderr and proc.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["--dataset", "nope"], "unknown data set 'nope'"),
        (["missing.csv"], "file not found: missing.csv"),
        (["--values", "1,2,abc,4"], "value 3: 'abc' is not a number"),
        (["--values", "1,2,3"], "need at least 4 values"),
        (["--values", "1,1,1,1", "--k", "2"], "1 distinct values"),
        (["--dataset", "galaxies", "--k", "9"], "--k must be a whole number from 1 to 8, got 9"),
        (["--k", "3"], "the lesson's data start from --means"),
        (["--dataset", "galaxies", "--column", "1"], "--column applies only to a FILE"),
        (["--dataset", "galaxies", "--values", "1,2,3,4"], "give one data source"),
        (["--dataset", "galaxies", "--n", "5"], "--n applies only to the simulated data"),
        (["--dataset", "galaxies", "--k", "3", "--means", "1,2"], "--k is 3 but 2 values were given for --means"),
    ],
)
def test_bad_data_for_the_app_exits_2_before_it_opens(args, message):
    proc = em_tui(*args, check=False)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], proc.stderr
    assert proc.stdout == ""


def test_a_file_argument_reaches_the_app_parser(tmp_path):
    from em_tui.cli import parse_args

    path = tmp_path / "d.csv"
    path.write_text("waiting\n1\n2\n3\n10\n11\n")
    args = parse_args(["--seed", "3", str(path), "--column", "waiting"])
    assert args.command is None and args.app_file == str(path) and args.app_seed == "3"
    assert args.app_column == "waiting"
    fit = parse_args(["fit", "x.csv", "--means", "-2,7"])  # a sub-command's FILE is its own
    assert (fit.command, fit.file, fit.means) == ("fit", "x.csv", "-2,7")
    bad = tmp_path / "bad.csv"
    bad.write_text("waiting\n1\n2\nx\n4\n")
    proc = em_tui(str(bad), check=False)
    assert proc.returncode == 2 and "'x'" in proc.stderr


# -- bounded work, clear refusals, output any terminal can take -------------------------
def run_main(*args):
    """em_tui.cli.main in this process: (status, stdout, stderr)."""
    import contextlib
    import io

    from em_tui.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(args))
    return status, out.getvalue(), err.getvalue()


def assert_one_error_line(status, out, err, message):
    assert status == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], err


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_instead_of_hanging(tmp_path):
    import os

    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)
    proc = em_tui("fit", str(fifo), check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"error: {fifo} is a named pipe (FIFO), not a regular file: em-tui reads .csv, .txt and .npy files\n"


@pytest.mark.parametrize(
    "path, message",
    [
        ("/dev/zero", "/dev/zero is a character device, not a regular file"),
        ("{tmp}", "is a folder, not a file"),
        ("{tmp}/" + "n" * 300 + ".csv", "the name is too long"),
        ("{tmp}/file.csv/inner.csv", "a part of the path is not a folder"),
    ],
)
def test_unreadable_paths_exit_2_and_say_why(tmp_path, path, message):
    (tmp_path / "file.csv").write_text("x\n1\n2\n3\n4\n")
    path = path.format(tmp=tmp_path)
    if path.startswith("/dev/") and not __import__("os").path.exists(path):
        pytest.skip(f"no {path} here")
    assert_one_error_line(*run_main("fit", path), message)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--restarts", "1000000000", "--init", "kmeans"], "--restarts must be at most 1,000, got 1,000,000,000"),
        (["--n", "3000000000"], "--n must be at most 100,000,000, got 3,000,000,000"),
        (["--iterations", "1000000000000", "--tol", "0"],
         "--iterations must be at most 1,000,000 (every iteration is kept), got 1,000,000,000,000"),
        (["--seed", "4294967296"], "--seed must be a whole number from 0 to 4294967295, got 4,294,967,296"),
        (["--n", "9" * 5000], "--n must be a whole number, got '999999999999999999999999999...'"),
        (["--iterations", "-" + "9" * 4000], "--iterations must be at least 0, got less than -10^15"),
        (["--restarts", "9" * 4000, "--init", "kmeans"], "--restarts must be at most 1,000, got more than 10^15"),
    ],
)
def test_counts_beyond_what_a_machine_holds_are_refused_up_front(args, message):
    assert_one_error_line(*run_main("fit", *args), message)


def test_many_starts_of_long_runs_are_refused_by_free_memory(monkeypatch):
    from em_tui.core import limits

    monkeypatch.setattr(limits, "available_memory", lambda: 4_000_000_000)
    status, out, err = run_main("fit", "--init", "kmeans", "--restarts", "1000", "--iterations", "1000000")
    assert_one_error_line(status, out, err, "1,000 starts of up to 1,000,000 iterations each keep up to "
                                            "1,000,001,000 iterations (about 2 TB); this machine has 4 GB free")
    # --select-k fits at least 5 starts per K: the same bound, counted with those
    status, out, err = run_main("fit", "--select-k", "3", "--iterations", "1000000")
    assert_one_error_line(status, out, err, "5 starts of up to 1,000,000 iterations")


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_bytes(b"\x93NUMPY\x01\x00\x20\x00{'descr': '<f8', 'shape': ((((\n"), "is not a valid .npy file"),
        (lambda p: p.write_bytes(b"\x93NUMPY\x01\x00v\x00" + b"{'descr': '<f8', 'fortran_order': False, "
                                 b"'shape': (1000000000000,), }".ljust(117) + b"\n" + b"\0" * 64),
         "announces 1,000,000,000,000 values"),
        (lambda p: np.save(p, np.array(["a", "b"])), "does not hold numbers (dtype <U1)"),
        (lambda p: np.save(p, np.array([{}, 1], dtype=object), allow_pickle=True), "does not hold numbers (dtype object)"),
    ],
)
def test_bad_npy_files_exit_2_not_internal_error(tmp_path, make, message):
    p = tmp_path / "x.npy"
    make(p)
    assert_one_error_line(*run_main("fit", str(p)), message)


def test_the_table_prints_on_a_non_utf8_terminal():
    import os

    env = dict(os.environ, PYTHONIOENCODING="cp1252")
    proc = subprocess.run([sys.executable, "-m", "em_tui", "fit", "--dataset", "galaxies", "--select-k", "4"],
                          capture_output=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    table = proc.stdout.decode("cp1252")
    assert "<- BIC" in table and "←" not in table
    utf8 = em_tui("fit", "--dataset", "galaxies", "--select-k", "4").stdout
    assert table.replace("<- ", "← ").replace("\r\n", "\n") == utf8


def test_names_with_terminal_escapes_are_printed_escaped(tmp_path):
    name = "evil\x1b[2J\x1b]0;owned\x07\u202e.csv"
    p = tmp_path / name
    p.write_text("x\n1\n2\n3\n4\n5\n")
    status, out, err = run_main("fit", str(p), "--k", "1", "--init", "kmeans")
    assert status == 0 and err == ""
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "data: evil\\x1b[2J\\x1b]0;owned\\x07\\u202e.csv (x)  (N = 5)" in out
    status, out, err = run_main("fit", str(tmp_path / "gone\x1b[31m\n.csv"))
    assert_one_error_line(status, out, err, "file not found: ")
    assert "\x1b" not in err and "gone\\x1b[31m\\n.csv" in err


def test_every_number_column_rounds_and_fits():
    from em_tui.core.numfmt import fit_number as _cell

    assert _cell(26937.0, 12) == "  26937.0000"
    assert _cell(26937.0, 8) == "   26937"
    assert _cell(123456.789, 8) == "123456.8"
    assert _cell(1e300, 12) == "      1e+300" and _cell(-2.5e-7, 10) == "  -2.5e-07"
    assert _cell(0.0, 10) == "    0.0000" and _cell(0.5, 10) == "    0.5000"
    status, out, err = run_main("fit", "--values", "250000000.5, 250000001.5, 250000002, 750000000, 750000003, 750000001",
                                "--k", "2", "--init", "kmeans")
    assert status == 0, err
    rows = [ln for ln in out.splitlines() if ln.lstrip().startswith(("1 ", "2 "))]
    assert len(rows) == 2 and len({len(r) for r in rows}) == 1  # the columns stay aligned
    assert rows[0].split()[2] == "250000001.33" and rows[1].split()[2] == "750000001.33"


@pytest.mark.parametrize("sds", ["1e155,1", "1e308,1"])
def test_a_start_sigma_beyond_a_million_sds_is_refused_not_fitted_to_infinity(sds):
    """Such a sigma's square overflowed: the fit ended with sigma = inf and --json printed Infinity."""
    proc = em_tui("fit", "--sds", sds, "--json", check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "must be at most" in lines[0]
    ceiling = float(lines[0].split("must be at most ")[1].split()[0])
    out = fit_json("--sds", f"{ceiling},1", "--iterations", "20")  # the figure shown is accepted
    assert all(np.isfinite(out["sds"])) and out["ll_decrease"] is None


@pytest.mark.parametrize("values", ["1.7e308,0,0,0", "1e308,-1e308,0,1", "1e308,1.7e308,1.5e308,1.2e308"])
def test_data_near_the_largest_float_are_refused_in_one_line(values):
    """Their mean's scale factor overflowed (an internal error, exit 1)."""
    proc = em_tui("fit", "--values", values, "--json", check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "spread" in lines[0]


def test_a_memory_limit_on_the_process_is_the_bound_not_the_machines_free_memory():
    """Under ulimit -v the request is refused up front in one line (it ran out of memory: exit 1)."""
    resource = pytest.importorskip("resource")

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, resource.RLIM_INFINITY))

    proc = subprocess.run([sys.executable, "-m", "em_tui", "fit", "--n", "100000000", "--iterations", "2", "--json"],
                          capture_output=True, text=True, timeout=120, preexec_fn=limit)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "100,000,000 points need about" in lines[0]


def test_running_out_of_memory_anyway_is_one_line_and_exit_2(monkeypatch, capsys):
    from em_tui import cli
    from em_tui.cli import fit as fit_cli

    def exhausted(args):
        raise MemoryError

    monkeypatch.setattr(fit_cli, "run_fit", exhausted)
    assert cli.main(["fit", "--json"]) == cli.EXIT_BAD_INPUT
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 1 and lines[0].startswith("error: not enough memory")


def test_a_nan_is_named_as_such_not_as_a_numpy_scalar(tmp_path):
    np.save(tmp_path / "nan.npy", np.array([1.0, np.nan, 2.0, 3.0, 4.0]))
    for args in (["--means", "nan,1"], [str(tmp_path / "nan.npy")]):
        proc = em_tui("fit", *args, check=False)
        assert proc.returncode == 2 and "np.float64" not in proc.stderr and " nan" in proc.stderr


@pytest.mark.parametrize("args", [(), ("--means", "-1,2,6"), ("--dataset", "galaxies", "--k", "3", "--init", "kmeans"),
                                  ("--dataset", "galaxies", "--means", "10,20,30")])
def test_fit_and_the_app_run_the_same_scenario(args, capsys):
    """``em-tui fit`` builds the scenario the app would hold for the same data and start, and runs
    it as the app does: the same start (σ = the lesson's on its data, sd(x) on yours) and path."""
    from em_tui import cli
    from em_tui.session import loading
    from em_tui.session.scenario import START_SD, Scenario

    assert cli.main(["fit", *args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    dataset = data.load_dataset("galaxies") if "galaxies" in args else None
    start = "kmeans" if "kmeans" in args else tuple(float(v) for v in (args[args.index("--means") + 1].split(",")
                                                                       if "--means" in args else (1, 3)))
    scenario = Scenario.build(means=None if start == "kmeans" else start, dataset=dataset, k=out["k"])
    app_run = loading.build(scenario).trajectory.run()
    app_start = app_run.start.sorted_by_mean() if start == "kmeans" else app_run.start
    assert out["start"] == app_start.as_dict()
    np.testing.assert_allclose(out["log_likelihood"], app_run.ll, rtol=1e-12)
    if dataset is None:
        assert out["start"]["sds"] == [START_SD] * out["k"]
