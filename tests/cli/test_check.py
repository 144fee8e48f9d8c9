"""`em-tui check ANSWERS`: a file of hand-computed numbers graded, against a hand computation here."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from em_tui import cli
from em_tui.core import data, grade
from em_tui.core.config import FitConfig
from em_tui.core.model import Mixture
from em_tui.core.trajectory import run_em

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "answers-six-points.txt"
X = [1.1, 1.3, 0.9, 5.2, 4.8, 5.0]
SCENARIO = "values: 1.1, 1.3, 0.9, 5.2, 4.8, 5.0\nmeans: 1, 5\nsds: 1, 1\nweights: 0.5, 0.5\n"


def normal(x, mu, sd):
    return math.exp(-((x - mu) / sd) ** 2 / 2) / (sd * math.sqrt(2 * math.pi))


def weighted(x):
    """π_k N(x | μ_k, σ_k²) at the start (π = 0.5, μ = 1 and 5, σ = 1)."""
    return [0.5 * normal(x, 1, 1), 0.5 * normal(x, 5, 1)]


def gamma(i, k):
    w = weighted(X[i - 1])
    return w[k - 1] / sum(w)


def nk(k):
    return sum(gamma(i, k) for i in range(1, 7))


def mean(k):
    return sum(gamma(i, k) * X[i - 1] for i in range(1, 7)) / nk(k)


def sq_dev(k, about):
    return sum(gamma(i, k) * (X[i - 1] - about) ** 2 for i in range(1, 7))


def sd(k):
    return math.sqrt(sq_dev(k, mean(k)) / nk(k))


LL0 = sum(math.log(sum(weighted(x))) for x in X)


def check(tmp_path, capsys, text, *extra, name="answers.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code = cli.main(["check", str(path), *extra])
    out = capsys.readouterr()
    return code, out.out, out.err


def lines_of(out):
    return [ln for ln in out.splitlines() if ln.startswith("line ")]


def test_the_example_file_names_its_slips(capsys):
    code = cli.main(["check", str(EXAMPLE)])
    out = capsys.readouterr().out
    assert code == 1
    assert out.splitlines()[2] == f"each answer is {grade.TOLERANCE}"
    wrong = [ln for ln in lines_of(out) if "  wrong  " in ln]
    assert len(wrong) == 5 and out.splitlines()[-1] == "10 of 15 right"
    for words in ("not divided by p(x_i)", "log10, not the natural log", "divided by N instead of N_k",
                  "σ² for σ: the square root was forgotten", "the old mean in the variance"):
        assert sum(words in ln for ln in wrong) == 1, words


def test_all_right_answers_exit_0(tmp_path, capsys):
    answers = (f"gamma point 4 component 2 at 0 = {gamma(4, 2):.4g}\n"
               f"gamma point 2 component 1 at 0 = {gamma(2, 1):.4g}\n"
               f"n 1 at 1 = {nk(1):.3f}\nn 2 at 1 = {nk(2):.3f}\n"
               f"mean 1 at 1 = {mean(1):.3g}\nmean 2 at 1 = {mean(2):.4g}\n"
               f"sd 1 at 1 = {sd(1):.3g}\nsd 2 at 1 = {sd(2):.3g}\n"
               f"weight 1 at 1 = {nk(1) / 6:.3f}\nll at 0 = {LL0:.3f}\n")
    code, out, err = check(tmp_path, capsys, SCENARIO + answers)
    assert code == 0, err
    assert out.splitlines()[-1] == "10 of 10 right" and all("  right  " in ln for ln in lines_of(out))
    assert lines_of(out)[0] == (f"line  5  right  γ[point 4, component 2] at iteration 0 = {gamma(4, 2):.4g}  "
                                f"(correct: {gamma(4, 2):.6g})")


@pytest.mark.parametrize("answer, slip", [
    (f"sd 1 at 1 = {sq_dev(1, mean(1)) / nk(1):.3g}", "σ² for σ: the square root was forgotten"),
    (f"mean 1 at 1 = {mean(1) * nk(1) / 6:.3g}", "divided by N instead of N_k"),
    (f"sd 2 at 1 = {math.sqrt(sq_dev(2, mean(2)) / 6):.3g}", "divided by N instead of N_k"),
    (f"gamma point 2 component 1 at 0 = {weighted(1.3)[0]:.3g}", "unnormalised: π_k N(x_i | μ_k, σ_k²) not divided"),
    (f"sd 1 at 1 = {math.sqrt(sq_dev(1, 1.0) / nk(1)):.3g}", "the old mean in the variance"),
    (f"ll at 0 = {LL0 / math.log(10):.3g}", "log10, not the natural log"),
    (f"n 1 at 1 = {sum(weighted(x)[0] for x in X):.3g}", "unnormalised responsibilities"),
])
def test_each_classic_slip_is_named(tmp_path, capsys, answer, slip):
    code, out, err = check(tmp_path, capsys, SCENARIO + answer + "\n")
    assert code == 1, err
    (line,) = lines_of(out)
    assert "  wrong  " in line and f"slip: {slip}" in line
    assert out.splitlines()[-1] == "0 of 1 right"


def test_greek_and_other_spellings_read_the_same(tmp_path, capsys):
    spelled = ("μ₁ at 1 = 1.10\nmu_1 after 1 = 1.10\nMEAN component 1 iteration 1 = 1.10\n"
               "N_k 1 at 1 = 3.00\nγ component 1 point 1 at 0 = 0.9995\nσ 2 at 1 = 0.188\nπ 2 at 1 = 0.5\n"
               f"LL[0] = {LL0:.4g}\n")
    code, out, err = check(tmp_path, capsys, SCENARIO.upper().replace("VALUES", "Values") + spelled, "--json")
    assert code == 0, err
    got = json.loads(out)
    kinds = [(a["quantity"]["kind"], a["quantity"]["component"], a["quantity"]["point"], a["quantity"]["iteration"])
             for a in got["answers"]]
    assert kinds == [("mean", 1, None, 1)] * 3 + [("n_k", 1, None, 1), ("gamma", 1, 1, 0), ("sd", 2, None, 1),
                                                  ("weight", 2, None, 1), ("ll", None, None, 0)]
    assert got["right"] == got["total"] == 8 and got["tolerance"] == grade.TOLERANCE
    assert got["answers"][0]["expected"] == pytest.approx(mean(1), rel=1e-12)


def test_values_may_go_on_over_lines_and_names_are_read_in_any_case(tmp_path, capsys):
    text = SCENARIO.replace("values: 1.1, 1.3, 0.9, 5.2, 4.8, 5.0", "values:\n1.1, 1.3, 0.9   # the first group\n\n5.2 4.8 5.0")
    code, out, err = check(tmp_path, capsys, text + f"mean 2 at 1 = {mean(2):.4g}\n")
    assert code == 0, err
    assert out.splitlines()[0] == "data: typed values  (N = 6)"
    code, out, err = check(tmp_path, capsys, "Dataset: Galaxies\nmeans: 10000, 20000\nll at 0 = 1\n")
    assert code == 1 and out.splitlines()[0] == "data: galaxies  (N = 82)"


def test_later_iterations_are_graded_against_correct_em(tmp_path, capsys):
    run = run_em(np.array(X), Mixture.create([0.5, 0.5], [1, 5], [1, 1]), FitConfig(tol=0, max_iter=3))
    mu = run.params(3).means[0]
    code, out, _ = check(tmp_path, capsys, SCENARIO + f"mean 1 at 3 = {mu:.4g}\nll at 3 = {run.ll_at(3):.4g}\n")
    assert code == 0 and out.splitlines()[-1] == "2 of 2 right"


def test_data_from_a_file_beside_the_answers_and_from_a_seed(tmp_path, capsys):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "six.csv").write_text("id,x\n" + "\n".join(f"{i},{v}" for i, v in enumerate(X)))
    text = SCENARIO.replace("values: 1.1, 1.3, 0.9, 5.2, 4.8, 5.0", "file: six.csv\ncolumn: x")
    code, out, err = check(tmp_path / "sub", capsys, text + f"mean 1 at 1 = {mean(1):.4g}\n")
    assert code == 0, err
    assert out.splitlines()[0] == "data: six.csv (x)  (N = 6)"
    x = data.simulate(7, 30)
    start = Mixture.create([0.5, 0.5], [1, 3], [1.5, 1.5])  # σ: the lesson's 1.5 when not given
    ll = run_em(x, start, FitConfig(tol=0, max_iter=0)).ll_at(0)
    code, out, err = check(tmp_path, capsys, f"seed: 7\nn: 30\nmeans: 1, 3\nll at 0 = {ll:.5g}\n")
    assert code == 0, err
    assert out.splitlines()[0] == "data: simulated (seed 7)  (N = 30)"


@pytest.mark.parametrize("text, line, words", [
    (SCENARIO + "mens: 1, 5\n", 5, "unknown key 'mens'; the keys are values, dataset, file"),
    (SCENARIO + "means: 1, 4\n", 5, "means is given twice (first on line 2): give it once"),
    (SCENARIO + "dataset: galaxies\n", 5, "the data are already given on line 1 (values:)"),
    (SCENARIO + "gamma point 7 component 1 at 0 = 0.5\n", 5, "point 7 is out of range: the data have 6 points, numbered 1..6"),
    (SCENARIO + "mean 3 at 1 = 0.5\n", 5, "component 3 is out of range: the start has 2 components, numbered 1..2"),
    (SCENARIO + "mean 1 at 0 = 0.5\n", 5, "the iteration of μ must be from 1 to 1000"),
    (SCENARIO + "gamma point 1 component 1 at 1001 = 0.5\n", 5, "the iteration of γ must be from 0 to 1000 (0 is the start)"),
    (SCENARIO + "ll at 99999999999999999999999 = 1\n", 5, "the iteration of LL must be from 0 to 1000"),
    (SCENARIO + "mean 1 = 0.5\n", 5, "say which iteration: write 'mean C at T = VALUE'"),
    (SCENARIO + "gamma point 1 at 0 = 0.5\n", 5, "γ needs its component"),
    (SCENARIO + "gamma 1 2 at 0 = 0.5\n", 5, "unexpected '1' in an answer; write 'gamma point P component C at T = VALUE'"),
    (SCENARIO + "ll 1 at 0 = 0.5\n", 5, "unexpected '1' in an answer; write 'll at T = VALUE'"),
    (SCENARIO + "sd point 2 at 1 = 0.5\n", 5, "σ has no point"),
    (SCENARIO + "gamma point 0 component 1 at 0 = 0.5\n", 5, "point 0 does not exist: points and components are numbered from 1"),
    (SCENARIO + "mean 0 at 1 = 0.5\n", 5, "component 0 does not exist"),
    (SCENARIO.replace("weights: 0.5, 0.5", "weights: 0.2, 0.2") + "mean 1 at 1 = 1\n", 4, "the start: weights sum to 0.4"),
    (SCENARIO + "mean 1 at 1 = nan\n", 5, "the answer must be a finite number, got 'nan'"),
    (SCENARIO + "mean 1 at 1 = -inf\n", 5, "the answer must be a finite number, got '-inf'"),
    (SCENARIO + "mean 1 at 1 = 1,10\n", 5, "got '1,10' (a decimal comma? write 1.10)"),
    (SCENARIO + "mean 1 at 1 = one\n", 5, "the answer after '=' must be one number, got 'one'"),
    (SCENARIO + "median 1 at 1 = 1\n", 5, "unknown quantity 'median'"),
    (SCENARIO + "mean at at 1 = 1\n", 5, "'at' must be followed by a whole number, got 'at'"),
    (SCENARIO + "hello there\n", 5, "expected 'KEY: VALUE' (values, means, ...) or an answer"),
    ("values: 1, 2, 3, 4\nmean 1 at 1 1.1\n", 2, "expected 'KEY: VALUE' (values, means, ...) or an answer"),
    (SCENARIO.replace("sds: 1, 1", "sds: 1"), 3, "1 sds for 2 means: give one per component"),
    (SCENARIO.replace("sds: 1, 1", "sds: 1, -1") + "mean 1 at 1 = 1\n", 3, "the start: standard deviation of component 2"),
    (SCENARIO.replace("1, 5", "1, x"), 2, "means: value 2 'x' is not a number"),
    (SCENARIO.replace("values: 1.1, 1.3,", "values: 1.1, abc,"), 1, "'abc' is not a number"),
    ("seed: 3\nn: 2\nmeans: 1, 3\nll at 0 = 1\n", 2, "n: must be a whole number from 4 to 100,000,000, got '2'"),
    ("values: 1,2,3,4\nn: 20\nmeans: 1, 3\nll at 0 = 1\n", 2, "n: goes only with seed or student:"),
    ("student: \x01\nmeans: 1, 3\nll at 0 = 1\n", 1, "a student ID must be printable text"),
    ("dataset: nope\nmeans: 1, 3\nll at 0 = 1\n", 1, "unknown data set 'nope'"),
    ("file: missing.csv\nmeans: 1, 3\nll at 0 = 1\n", 1, "file not found"),
])
def test_a_bad_line_is_reported_with_its_number(tmp_path, capsys, text, line, words):
    code, out, err = check(tmp_path, capsys, text)
    assert code == cli.EXIT_BAD_INPUT and out == ""
    assert err.startswith("error: ")
    assert any(f"answers.txt, line {line}: " in ln and words in ln for ln in err.splitlines()), err


@pytest.mark.parametrize("text, words", [
    ("means: 1, 5\nmean 1 at 1 = 1\n", "no data: give one of values:, dataset:, file:, seed:, student:"),
    ("values: 1,2,3,4\nmean 1 at 1 = 1\n", "no start: give 'means: a, b, ...'"),
    (SCENARIO, "no answers: add lines such as 'mean C at T = VALUE'"),
    ("", "no data"),
])
def test_a_file_without_data_start_or_answers(tmp_path, capsys, text, words):
    code, _, err = check(tmp_path, capsys, text)
    assert code == cli.EXIT_BAD_INPUT and words in err


def test_every_bad_line_is_reported_in_order(tmp_path, capsys):
    code, _, err = check(tmp_path, capsys, SCENARIO + "mean 1 at 0 = 1\nfoo\nsd 1 at 1 = x\n")
    assert code == cli.EXIT_BAD_INPUT
    assert [ln.split(", line ")[1].split(":")[0] for ln in err.splitlines()] == ["5", "6", "7"]


def test_many_bad_lines_are_listed_up_to_twenty(tmp_path, capsys):
    code, _, err = check(tmp_path, capsys, SCENARIO + "what\n" * 25)
    assert code == cli.EXIT_BAD_INPUT
    lines = err.splitlines()
    assert len(lines) == 21 and lines[-1] == "error: ... and 5 more" and "line 24:" in lines[-2]


def test_escapes_and_markup_in_the_file_are_never_echoed_raw(tmp_path, capsys):
    code, _, err = check(tmp_path, capsys, SCENARIO + "mean 1 at 1 = \x1b[2J[red]x\n\x1b]0;t\x07: 1\n",
                         name="a\x1b[31m.txt")
    assert code == cli.EXIT_BAD_INPUT
    assert "\x1b" not in err and "\x07" not in err
    assert "\\x1b[2J[red]x" in err and "a\\x1b[31m.txt" in err


def test_files_that_are_not_answers(tmp_path, capsys):
    big = tmp_path / "big.txt"
    big.write_text(SCENARIO + "# padding\n" * 200_000)
    nul = tmp_path / "nul.txt"
    nul.write_bytes(b"values: 1,2,3,4\x00\n")
    latin = tmp_path / "latin.txt"
    latin.write_bytes(SCENARIO.encode() + "mean 1 at 1 = 1 # é\n".encode("latin-1"))
    for path, words in ((big, "is larger than 1,000 KB"), (nul, "is not a text file"), (latin, "is not a text file"),
                        (tmp_path, "is a folder, not a file"), (tmp_path / "none.txt", "file not found")):
        assert cli.main(["check", str(path)]) == cli.EXIT_BAD_INPUT
        err = capsys.readouterr().err
        assert err.startswith("error: ") and words in err and len(err.splitlines()) == 1, (path, err)


def test_a_bad_start_is_reported_beside_the_bad_answers(tmp_path, capsys):
    text = SCENARIO.replace("sds: 1, 1", "sds: 1, -1") + "mean 3 at 1 = 1\n"
    code, _, err = check(tmp_path, capsys, text)
    assert code == cli.EXIT_BAD_INPUT
    assert "component 3 is out of range" in err and "standard deviation" in err, err


def test_a_data_file_must_lie_in_the_answers_folder(tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET_TOKEN=abc123\nPASSWORD=hunter2\n")
    folder = tmp_path / "answers"
    folder.mkdir()
    (folder / "link.txt").symlink_to(secret)
    (folder / "data.txt").write_text("1.1\n1.3\n0.9\n5.2\n4.8\n5.0\n")
    rest = "means: 1, 5\nsds: 1, 1\nweights: 0.5, 0.5\nmean 1 at 1 = 1.10\n"
    for where, words in ((str(secret), "no absolute path"), ("../secret.txt", "'..'"), ("~/x.txt", "'~'"),
                         ("link.txt", "leads out of the answers file's folder")):
        code, _, err = check(folder, capsys, f"file: {where}\n{rest}")
        assert code == cli.EXIT_BAD_INPUT and words in err, err
        assert "SECRET" not in err and "hunter2" not in err  # the file is never read, let alone quoted
    code, out, _ = check(folder, capsys, f"file: data.txt\n{rest}")
    assert code == 0 and "1 of 1 right" in out


def test_answers_that_would_take_too_long_are_refused_at_once(tmp_path, capsys):
    code, _, err = check(tmp_path, capsys, "seed: 1\nn: 2000000\nmeans: 0, 4\nmean 1 at 1000 = 1\n")
    assert code == cli.EXIT_BAD_INPUT and "more work than a check may take" in err, err


def test_many_answers_about_one_iteration_are_graded_from_one_worked_step(tmp_path, capsys):
    # 1000 answers at iteration 1: within the limit only because the step is worked out once
    code, out, err = check(tmp_path, capsys, "seed: 1\nn: 20000\nmeans: 0, 4\n" + "mean 1 at 1 = 1\n" * 1000)
    assert code == 1 and out.splitlines()[-1] == "0 of 1000 right", err


def test_a_start_whose_densities_all_underflow_is_graded(tmp_path, capsys):
    # π_k N(x | 100, 1) underflows to 0 at every point: the unnormalised slip's weights are all 0
    code, out, err = check(tmp_path, capsys, "values: 1.1, 1.3, 0.9, 5.2, 4.8, 5.0\nmeans: 100, 200\n"
                                             "mean 1 at 1 = 3.05\n")
    assert code in (0, 1) and "internal error" not in err and "line 3" in out, err


def test_the_verdict_is_the_status_also_when_the_reader_stops_early(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "many.txt"
    path.write_text(SCENARIO + "mean 1 at 1 = 9\n" * 1000)  # all wrong; more output than a pipe holds
    proc = subprocess.Popen([sys.executable, "-m", "em_tui", "check", str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does
    err = proc.stderr.read()
    assert proc.wait() == 1 and b"Error" not in err, err


def test_a_line_ends_only_at_a_newline(tmp_path, capsys):
    code, out, err = check(tmp_path, capsys, SCENARIO + "mean 1 at 1 = 1.10\rFAKE all right\x0bsd 1 at 1 = 1\n")
    assert code == cli.EXIT_BAD_INPUT and "line 5:" in err and "\\r" in err and "\r" not in err, err


def test_a_start_that_overflows_the_working_units_is_one_error_line(tmp_path):
    # data at 1e-290 are fitted in working units; means at 1e290 overflow there: one sentence, no warning
    import subprocess
    import sys

    path = tmp_path / "tiny.txt"
    path.write_text("values: 1e-290, 2e-290, 3e-290, 5e-290\nmeans: 1e290, 4e290\nmean 1 at 1 = 1\n")
    for args in (["check", str(path)], ["fit", "--values", "1e-290, 2e-290, 3e-290, 5e-290", "--means", "1e290,4e290"]):
        done = subprocess.run([sys.executable, "-m", "em_tui", *args], capture_output=True, text=True)
        assert done.returncode == cli.EXIT_BAD_INPUT and done.stderr.startswith("error: the start is so far")
        assert len(done.stderr.splitlines()) == 1, done.stderr
