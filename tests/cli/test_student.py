"""`--student ID`: every student their own lesson data, in the fit, in `check` and in the app."""

import json

import numpy as np
import pytest
from rich.console import Console

from em_tui import cli
from em_tui.cli.args import parse_args
from em_tui.cli.launch import app_scenario
from em_tui.core import data, work
from em_tui.core.model import Mixture
from em_tui.tui import create_app


def fit(capsys, *args):
    code = cli.main(["fit", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def fit_json(capsys, *args):
    code, out, err = fit(capsys, *args, "--json", "--iterations", "3", "--tol", "0")
    assert code == 0, err
    return json.loads(out)


def test_one_id_is_one_data_set_whatever_its_case_and_spaces(capsys):
    a = fit_json(capsys, "--student", "Ann Lee")
    b = fit_json(capsys, "--student", "  ANN LEE ")
    assert a["data"]["seed"] == b["data"]["seed"] == data.student_seed("ann lee")
    assert a["log_likelihood"] == b["log_likelihood"]
    # the data are the lesson's, drawn from that seed: the fit on them is fit --seed S
    same = fit_json(capsys, "--seed", str(a["data"]["seed"]))
    assert same["log_likelihood"] == a["log_likelihood"]


def test_different_ids_get_different_data(capsys):
    a = fit_json(capsys, "--student", "s1001")
    b = fit_json(capsys, "--student", "s1002")
    assert a["data"]["seed"] != b["data"]["seed"]
    assert a["log_likelihood"][0] != b["log_likelihood"][0]


def test_the_fit_names_the_student(capsys):
    out = fit_json(capsys, "--student", " Ann Lee ", "--n", "60")
    assert out["student"] == "Ann Lee" and out["n"] == 60
    assert out["data"]["student"] == "Ann Lee" and out["data"]["type"] == "simulated"
    assert fit_json(capsys)["student"] is None
    code, table, _ = fit(capsys, "--student", "Ann Lee")
    assert code == 0
    assert table.splitlines()[0] == f"data: simulated for student Ann Lee (seed {data.student_seed('Ann Lee')})  (N = 200)"


@pytest.mark.parametrize("args, words", [
    (["--student", "a", "--seed", "3"], "--student draws the lesson's data for that student; leave out --seed"),
    (["--student", "a", "--values", "1,2,3,4"], "leave out --values"),
    (["--student", "a", "--dataset", "galaxies"], "leave out --dataset"),
    (["--student", "a", "some.csv"], "leave out FILE"),
    (["--student", "   "], "--student: a student ID must not be empty"),
    (["--student", "x" * 65], "--student: a student ID must be at most 64 characters, got 65"),
    (["--student", "a\x1b[2Jb"], "no control characters"),
])
def test_student_errors(capsys, args, words):
    code, out, err = fit(capsys, *args)
    assert code == cli.EXIT_BAD_INPUT and out == ""
    assert err.startswith("error: ") and words in err and "\x1b" not in err


def test_the_app_with_a_student_and_its_errors(capsys):
    scenario = app_scenario(parse_args(["--student", " Ann Lee "]))
    seed = data.student_seed("Ann Lee")
    assert scenario.seed == seed and scenario.simulated
    assert scenario.label == f"simulated for student Ann Lee (seed {seed})"
    assert scenario.but(seed=seed + 1).label == f"simulated (seed {seed + 1})"  # a new seed: not theirs
    for args in (["--student", "a", "--seed", "3"], ["--student", "a", "--session", "s.json"],
                 ["--student", "a", "--dataset", "galaxies"]):
        assert cli.main(args) == cli.EXIT_BAD_INPUT
        err = capsys.readouterr().err
        assert err.startswith("error: ") and "--student" in err


async def test_the_app_says_whose_data_it_shows():
    seed = data.student_seed("Ann [red]Lee[/red]")
    app = create_app(app_scenario(parse_args(["--student", "Ann [red]Lee[/red]"])), pace=0.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        np.testing.assert_array_equal(app.session.data.x, data.simulate(seed))
        console = Console(width=80, record=True, file=open("/dev/null", "w"), color_system=None)
        console.print(app.query_one("#status").content)
        shown = console.export_text()
        # the ID shown as typed (never read as markup), before the first words
        assert shown.startswith(f"simulated for student Ann [red]Lee[/red] (seed {seed}): iteration 0")
        assert app.query_one("#in-seed").value == str(seed)


def test_check_grades_against_the_students_data(tmp_path, capsys):
    x = data.simulate(data.student_seed("Ann Lee"), 40)
    start = Mixture.create([0.5, 0.5], [1.0, 3.0], [1.5, 1.5])  # sds: the lesson's 1.5 by default
    right = work.point_work(float(x[6]), 6, start).responsibilities[1]
    path = tmp_path / "ann.txt"
    path.write_text(f"student: ann lee\nn: 40\nmeans: 1, 3\ngamma point 7 component 2 at 0 = {right:.4f}\n")
    assert cli.main(["check", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["student"] == "ann lee" and out["n"] == 40 and out["answers"][0]["right"]
    other = tmp_path / "bob.txt"
    other.write_text(path.read_text().replace("ann lee", "bob"))
    bob = data.simulate(data.student_seed("bob"), 40)
    assert not np.isclose(work.point_work(float(bob[6]), 6, start).responsibilities[1], right, atol=2e-3)
    assert cli.main(["check", str(other)]) == 1  # Ann's number is not Bob's
    assert "wrong  γ[point 7, component 2] at iteration 0" in capsys.readouterr().out


def test_a_new_start_still_names_the_student_and_a_new_seed_does_not():
    from em_tui.session import words
    from em_tui.session.session import Session

    session = Session(app_scenario(parse_args(["--student", "Ann Lee"])))
    seed = data.student_seed("Ann Lee")
    said = words.describe(session.restart(means=(0.5, 3.5)))
    assert said == f"restarted at iteration 0: simulated for student Ann Lee (seed {seed}), start means (0.5, 3.5), correct EM"
    assert words.describe(session.restart(seed=5)).startswith("restarted at iteration 0: seed 5, start means")
    assert session.label == "simulated (seed 5)"


def test_a_saved_session_keeps_the_student_and_a_bad_id_in_a_file_is_refused(tmp_path):
    from em_tui.session.session import Session
    from em_tui.session.sessionfile import SessionError, load, save

    session = Session(app_scenario(parse_args(["--student", "Ann Lee"])))
    path = save(session, tmp_path / "ann.json")
    again = load(path)
    assert again.label == f"simulated for student Ann Lee (seed {data.student_seed('Ann Lee')})"
    np.testing.assert_array_equal(again.data.x, session.data.x)
    doc = json.loads(path.read_text())
    doc["data"]["student"] = "ann\x1b[31m"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(SessionError, match="printable"):
        load(bad)
    doc["data"]["student"] = 7
    bad.write_text(json.dumps(doc))
    with pytest.raises(SessionError, match="'student' should be a student ID or null"):
        load(bad)
    doc["data"]["student"] = "Someone Else"  # another student's ID: the data are the seed's, not named theirs
    bad.write_text(json.dumps(doc))
    assert load(bad).label == f"simulated (seed {data.student_seed('Ann Lee')})"


def test_an_id_typed_with_a_combining_accent_is_the_same_student():
    assert data.student_seed("Ren\u00e9e") == data.student_seed("Rene\u0301e") == data.student_seed(" RENÉE ")
