"""`em-tui fit --work`: iteration 1 worked out, against a hand computation on six numbers."""

import json
import math

import pytest

from em_tui import cli

SIX = "1.1, 1.3, 0.9, 5.2, 4.8, 5.0"
X = [1.1, 1.3, 0.9, 5.2, 4.8, 5.0]
START = ["--means", "1,5", "--sds", "1,1", "--weights", "0.5,0.5"]


def normal(x, mu, sd):
    return math.exp(-((x - mu) / sd) ** 2 / 2) / (sd * math.sqrt(2 * math.pi))


def hand(means=(1.0, 5.0), sds=(1.0, 1.0), weights=(0.5, 0.5)):
    """Iteration 1 by hand: each point's π·N, p(x) and γ; each component's N_k, Σγx, Σγ(x−μ')², π', μ', σ'."""
    points = []
    for x in X:
        w = [p * normal(x, m, s) for p, m, s in zip(weights, means, sds)]
        points.append((x, w, sum(w), [v / sum(w) for v in w]))
    comps = []
    for k in range(len(means)):
        nk = sum(p[3][k] for p in points)
        sx = sum(p[3][k] * p[0] for p in points)
        mu = sx / nk
        sq = sum(p[3][k] * (p[0] - mu) ** 2 for p in points)
        comps.append({"n_k": nk, "sum_x": sx, "sum_sq_dev": sq, "weight": nk / len(X), "mean": mu,
                      "sd": math.sqrt(sq / nk)})
    return points, comps


def run(capsys, *args):
    code = cli.main(["fit", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def work_json(capsys, *args):
    code, out, err = run(capsys, "--values", SIX, *args, "--work", "--json")
    assert code == 0, err
    return json.loads(out)


def test_the_json_work_is_the_hand_computation(capsys):
    out = work_json(capsys, *START)
    points, comps = hand()
    w = out["work"]
    assert [p["index"] for p in w["points"]] == [1, 2, 3, 4, 5, 6]
    for got, (x, weighted, density, gamma) in zip(w["points"], points):
        assert got["x"] == x
        assert got["weighted_densities"] == pytest.approx(weighted, rel=1e-12)
        assert got["density"] == pytest.approx(density, rel=1e-12)
        assert got["responsibilities"] == pytest.approx(gamma, rel=1e-10, abs=1e-15)
    for got, want in zip(w["components"], comps):
        for key in ("n_k", "sum_x", "sum_sq_dev", "weight", "mean", "sd"):
            assert got[key] == pytest.approx(want[key], rel=1e-10), key
    # the worked M step is the fit's first iteration
    assert w["ll_before"] == pytest.approx(out["log_likelihood"][0], rel=1e-12)
    assert w["ll_after"] == pytest.approx(out["log_likelihood"][1], rel=1e-12)
    assert w["fault"] is None and w["faulty"] is None and w["components_numbered"] == "as given"
    # sanity of the hand numbers themselves: point 4 (x = 5.2) belongs to component 2
    assert points[3][3][1] == pytest.approx(0.99985, abs=1e-5)


def test_the_table_prints_the_hand_numbers(capsys):
    code, out, err = run(capsys, "--values", SIX, *START, "--work")
    assert code == 0, err
    points, comps = hand()
    lines = out.splitlines()
    assert "iteration 1 worked out (components numbered in the order of your start; points from 1):" in lines
    assert "start: π = 0.5, 0.5; μ = 1, 5; σ = 1, 1" in lines
    e_head = next(i for i, ln in enumerate(lines) if ln.split()[:2] == ["point", "x"])
    assert lines[e_head].split() == ["point", "x", "π1·N1", "π2·N2", "p(x)", "γ1", "γ2"]
    for i, (x, weighted, density, gamma) in enumerate(points):
        row = [float(v) for v in lines[e_head + 1 + i].split()]
        assert row[0] == i + 1
        assert row[1:] == pytest.approx([x, *weighted, density, *gamma], rel=1e-5)
    m_head = next(i for i, ln in enumerate(lines) if ln.split()[:2] == ["comp", "N_k"])
    for k, want in enumerate(comps):
        row = [float(v) for v in lines[m_head + 1 + k].split()]
        assert row == pytest.approx([k + 1] + [want[key] for key in ("n_k", "sum_x", "sum_sq_dev", "weight",
                                                                       "mean", "sd")], rel=1e-5)


def test_one_point_with_point(capsys):
    out = work_json(capsys, *START, "--point", "4")
    points, _ = hand()
    (p,) = out["work"]["points"]
    assert p["index"] == 4 and p["x"] == 5.2
    assert p["responsibilities"] == pytest.approx(points[3][3], rel=1e-10)
    assert len(out["work"]["components"]) == 2  # the M step is always over all the points


def test_a_start_in_your_order_keeps_it_and_a_kmeans_start_is_by_mean(capsys):
    mine = work_json(capsys, "--means", "5,1", "--sds", "1,1")
    points, comps = hand()
    w = mine["work"]
    assert w["start"]["means"] == [5.0, 1.0] and mine["start"]["means"] == [5.0, 1.0]
    assert w["components"][0]["mean"] == pytest.approx(comps[1]["mean"], rel=1e-10)  # component 1: near 5
    assert w["points"][0]["responsibilities"] == pytest.approx(points[0][3][::-1], rel=1e-10)
    assert mine["means"][0] > mine["means"][1]  # the fit's own table: the same numbering
    km = work_json(capsys, "--init", "kmeans", "--k", "2")
    assert km["work"]["components_numbered"] == "by start mean"
    assert km["work"]["start"] == km["start"]  # numbered as the JSON's start
    means = [c["mean"] for c in km["work"]["components"]]
    assert means == sorted(means) and km["means"] == sorted(km["means"])
    assert means == pytest.approx(km["means"], abs=0.05)  # and as the fit's table


def test_under_a_fault_the_numbers_are_the_faulty_codes(capsys):
    points, comps = hand()
    sqrt = work_json(capsys, *START, "--fault", "forgot-sqrt")["work"]
    assert sqrt["fault"] == "forgot-sqrt" and sqrt["faulty"] == "sd"
    assert [c["sd"] for c in sqrt["components"]] == pytest.approx([c["sd"] ** 2 for c in comps], rel=1e-10)
    unnorm = work_json(capsys, *START, "--fault", "unnormalised")["work"]
    assert unnorm["faulty"] == "responsibilities"
    assert unnorm["points"][0]["responsibilities"] == pytest.approx(points[0][1], rel=1e-12)  # π·N, not divided
    assert unnorm["components"][0]["n_k"] == pytest.approx(sum(p[1][0] for p in points), rel=1e-10)
    code, out, _ = run(capsys, "--values", SIX, *START, "--fault", "unnormalised", "--work")
    assert code == 0
    assert "the wrong line is the responsibilities (π·N not divided by p(x): the w columns)" in out
    assert ["point", "x", "π1·N1", "π2·N2", "p(x)", "w1", "w2"] in [ln.split() for ln in out.splitlines()]
    assert "M step: N_k = Σw, μ = Σwx / N_k, σ² = Σw(x−μ)² / N_k, π = N_k / Σ_j N_j" in out
    code, out, _ = run(capsys, "--values", SIX, *START, "--fault", "divide-by-n", "--work")
    assert code == 0
    assert "under the fault divide-by-n: these are the faulty code's numbers; the wrong line is the variance" in out
    lines = out.splitlines()
    m_head = next(i for i, ln in enumerate(lines) if ln.split()[:2] == ["comp", "N_k"])
    sd = float(lines[m_head + 1].split()[-1])
    assert sd == pytest.approx(math.sqrt(comps[0]["sum_sq_dev"] / 6), rel=1e-5)  # divided by N = 6


@pytest.mark.parametrize("args, words", [
    (["--values", SIX, "--point", "2"], "--point chooses the point whose E step --work shows; give --work too"),
    (["--values", SIX, "--work", "--point", "0"], "--point must be a whole number in 1..6"),
    (["--values", SIX, "--work", "--point", "7"], "--point must be a whole number in 1..6"),
    (["--values", SIX, "--work", "--point", "2.5"], "--point must be a whole number in 1..6"),
    (["--values", SIX, "--work", "--point", "two"], "got 'two'"),
    (["--n", "51", "--work"], "--work lists every point only up to N = 50; these data have N = 51: "
                              "choose one with --point I (1..51)"),
])
def test_bad_work_options_are_usage_errors(capsys, args, words):
    code, out, err = run(capsys, *args)
    assert code == cli.EXIT_BAD_INPUT and out == ""
    assert err.startswith("error: ") and words in err and len(err.splitlines()) == 1


def test_fifty_points_are_all_listed_and_more_need_point(capsys):
    code, out, err = run(capsys, "--n", "50", "--work", "--json")
    assert code == 0, err
    assert [p["index"] for p in json.loads(out)["work"]["points"]] == list(range(1, 51))
    code, out, err = run(capsys, "--n", "200", "--work", "--point", "200", "--json")
    assert code == 0, err
    assert [p["index"] for p in json.loads(out)["work"]["points"]] == [200]
