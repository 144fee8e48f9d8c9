"""`em-tui fit` never calls a collapsed fit, or one under a teaching fault, "converged": the JSON says how
the fit ended (`ended`) and which components collapsed (`collapsed`), the table says what happened and
warns; the best of several starts is a sound one whenever a start gave one."""

import json
import subprocess
import sys

import numpy as np
import pytest

from em_tui.core.model import Mixture
from em_tui.core.prepared import prepare
from em_tui.core.trajectory import run_em


def fit(*args):
    proc = subprocess.run([sys.executable, "-m", "em_tui", "fit", *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def fit_json(*args):
    return json.loads(fit(*args, "--json"))


@pytest.fixture(scope="module")
def ties(tmp_path_factory):
    """200 points N(0, 3) (NumPy's legacy generator, whose stream never changes) and 50 ties at 5.0."""
    x = np.concatenate([np.random.RandomState(2).normal(0.0, 3.0, 200), np.full(50, 5.0)])
    path = tmp_path_factory.mktemp("ties") / "ties.csv"
    path.write_text("\n".join(repr(float(v)) for v in x) + "\n")
    return x, str(path)


def test_a_plain_fit_that_collapses_says_so(ties):
    x, path = ties
    args = (path, "--means", "-2,2,5", "--sds", "2,2,0.01", "--weights", "0.4,0.4,0.2")
    out = fit_json(*args)
    ref = run_em(x, Mixture.create([0.4, 0.4, 0.2], [-2.0, 2.0, 5.0], [2.0, 2.0, 0.01]))
    assert out["sds"][2] == prepare(x).sd_floor == ref.final.sds[2]
    assert out["converged"] is True  # the stopping rule was met ...
    assert out["ended"] == "collapsed" and out["collapsed"] == [3]  # ... on a collapse
    assert out["start_collapsed"] == [True]
    table = fit(*args)
    assert "converged after" not in table
    assert "with component 3 collapsed: not a fit of the data's groups" in table
    warning = [line for line in table.splitlines() if line.startswith("WARNING: component 3 collapsed")]
    assert len(warning) == 1 and "at the variance floor" in warning[0] and "--restarts" in warning[0]


def test_random_starts_keep_the_sound_fit_over_a_collapsed_one(ties):
    x, path = ties
    out = fit_json(path, "--k", "3", "--init", "random", "--restarts", "20")
    lls, collapsed = out["start_final_log_likelihoods"], out["start_collapsed"]
    assert len(lls) == len(collapsed) == 20 and any(collapsed) and not all(collapsed)
    assert collapsed[int(np.argmax(lls))]  # the highest LL is a collapsed run's ...
    assert out["final_log_likelihood"] == max(ll for ll, c in zip(lls, collapsed) if not c)  # ... not kept
    assert out["collapsed"] == [] and out["ended"] == "converged"
    assert min(out["sds"]) > 0.1
    assert "converged after" in fit(path, "--k", "3", "--init", "random", "--restarts", "20")


def test_a_sound_fit_has_an_empty_collapsed_list():
    out = fit_json("--dataset", "galaxies", "--k", "3", "--init", "kmeans", "--restarts", "3")
    assert out["collapsed"] == [] and out["ended"] == "converged" and out["converged"] is True
    assert out["start_collapsed"] == [False, False, False]


def test_clusters_far_apart_are_fitted_and_chosen(tmp_path):
    """σ was floored at 2.87 (10⁻⁶ × sd(x)) for clusters 10⁷ apart; K = 2 was marked collapsed 3000 apart."""
    rng = np.random.default_rng(1)
    a, b = rng.normal(0.0, 1.0, 1000), rng.normal(1e7, 1.0, 100)
    path = tmp_path / "apart.csv"
    path.write_text("\n".join(repr(float(v)) for v in np.concatenate([a, b])) + "\n")
    out = fit_json(str(path), "--k", "2")
    np.testing.assert_allclose(out["sds"], [a.std(), b.std()], rtol=1e-9)
    assert out["collapsed"] == [] and out["ended"] == "converged"
    c, d = rng.normal(0.0, 1.0, 500), rng.normal(3000.0, 1.0, 500)
    path.write_text("\n".join(repr(float(v)) for v in np.concatenate([c, d])) + "\n")
    out = fit_json(str(path), "--select-k", "3")
    assert [r["collapsed"] for r in out["selection"]] == [False, False, False]
    assert out["selection_best_k"] == {"bic": 2, "aic": 2}


@pytest.mark.parametrize("fault", ["forgot-sqrt", "divide-by-n", "unnormalised"])
def test_a_fit_under_a_fault_is_never_called_converged(fault):
    out = fit_json("--dataset", "galaxies", "--means", "10000,22000", "--fault", fault)
    assert out["ended"] == "fault" and out["fault"] == fault
    first = fit("--dataset", "galaxies", "--means", "10000,22000", "--fault", fault).splitlines()[2]
    assert "converged" not in first.replace("not converged", "") and f"under the fault {fault}: not EM's answer" in first
