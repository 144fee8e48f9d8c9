"""`em-tui fit --select-k` and `--anomalies`, end to end, checked against scikit-learn."""

import json
import subprocess
import sys

import numpy as np
import pytest

from em_tui.core.config import FitConfig
from em_tui.core import data
from em_tui.core.model import Mixture


def fit_json(*args):
    proc = subprocess.run([sys.executable, "-m", "em_tui", "fit", *args, "--json"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def sklearn_mixture(weights, means, sds):
    """A scikit-learn GaussianMixture holding exactly these parameters (no fitting)."""
    from sklearn.mixture import GaussianMixture

    k = len(weights)
    gm = GaussianMixture(k, covariance_type="full")
    gm.weights_ = np.asarray(weights, float)
    gm.means_ = np.asarray(means, float).reshape(k, 1)
    gm.covariances_ = (np.asarray(sds, float) ** 2).reshape(k, 1, 1)
    gm.precisions_cholesky_ = (1.0 / np.asarray(sds, float)).reshape(k, 1, 1)
    return gm


def test_select_k_on_galaxies_matches_scikit_learn():
    """Each K's LL, BIC and AIC equal scikit-learn's on the same parameters, and the fits are as good as
    scikit-learn's best of 20 starts; the K each criterion picks is scikit-learn's."""
    from sklearn.mixture import GaussianMixture

    out = fit_json("--dataset", "galaxies", "--select-k", "5")
    x = data.load_dataset("galaxies").values
    X = x[:, None]
    rows = out["selection"]
    assert [r["k"] for r in rows] == [1, 2, 3, 4, 5]
    for r in rows:
        assert set(r) == {"k", "log_likelihood", "bic", "aic", "collapsed", "converged"} and r["collapsed"] is False
        n_par = 3 * r["k"] - 1
        assert r["bic"] == pytest.approx(-2 * r["log_likelihood"] + n_par * np.log(x.size), rel=1e-12)
        assert r["aic"] == pytest.approx(-2 * r["log_likelihood"] + 2 * n_par, rel=1e-12)
    refs = {}
    for k in range(1, 6):
        gm = GaussianMixture(k, n_init=20, random_state=0, tol=1e-8, max_iter=2000, reg_covar=0).fit(X)
        refs[k] = gm
        ours = rows[k - 1]
        # at least as good an optimum as scikit-learn's best of 20 (to the tolerance of its stopping rule)
        assert ours["log_likelihood"] >= gm.score(X) * x.size - 1e-3
    assert out["selection_best_k"]["bic"] == min(refs, key=lambda k: refs[k].bic(X))
    assert out["selection_best_k"]["aic"] == min(refs, key=lambda k: refs[k].aic(X))
    # the main fit's own BIC/AIC agree with scikit-learn's scoring of the same parameters
    gm = sklearn_mixture(out["weights"], out["means"], out["sds"])
    assert out["bic"] == pytest.approx(gm.bic(X), rel=1e-10)
    assert out["aic"] == pytest.approx(gm.aic(X), rel=1e-10)


def test_select_k_scores_are_scikit_learns_on_the_fitted_parameters():
    """core.select_k's models scored by scikit-learn's bic/aic give the same numbers."""
    from em_tui.core.select import select_k

    x = data.simulate(3, 400)
    for row in select_k(x, 4, FitConfig(init="kmeans", restarts=3, seed=1)):
        m = row.model
        gm = sklearn_mixture(m.weights, m.means, m.sds)
        assert row.bic == pytest.approx(gm.bic(x[:, None]), rel=1e-10)
        assert row.aic == pytest.approx(gm.aic(x[:, None]), rel=1e-10)


def test_anomalies_are_the_least_likely_points(tmp_path):
    """Two planted outliers in 198 well-behaved points are the two flagged at 1 %."""
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(0, 1, 99), rng.normal(6, 1, 99)])
    x = np.insert(x, [17, 150], [30.0, -25.0])
    f = tmp_path / "pts.txt"
    f.write_text("\n".join(repr(float(v)) for v in x))
    out = fit_json(str(f), "--anomalies", "1%", "--seed", "0")  # a k-means start that does not collapse
    a = out["anomalies"]
    assert a["quantile"] == 0.01 and a["count"] == 2
    assert {p["index"] for p in a["points"]} == {17, 151}
    assert {p["x"] for p in a["points"]} == {30.0, -25.0}
    # log p(x) under the reported fit, computed independently with scikit-learn
    gm = sklearn_mixture(out["weights"], out["means"], out["sds"])
    logp = gm.score_samples(x[:, None])
    for p in a["points"]:
        assert p["log_density"] == pytest.approx(logp[p["index"]], rel=1e-10)
    assert [p["log_density"] for p in a["points"]] == sorted(p["log_density"] for p in a["points"])
    assert a["threshold_log_density"] == pytest.approx(np.quantile(logp, 0.01), rel=1e-10)
    assert all(p["log_density"] < a["threshold_log_density"] for p in a["points"])


def test_anomaly_count_follows_the_quantile():
    """On the lesson's data: 5 % flags every point below the 5 % quantile of log p, and nothing else."""
    out = fit_json("--anomalies", "0.05")
    x = data.simulate(data.DEFAULT_SEED)
    gm = sklearn_mixture(out["weights"], out["means"], out["sds"])
    logp = gm.score_samples(x[:, None])
    cut = np.quantile(logp, 0.05)
    assert sorted(p["index"] for p in out["anomalies"]["points"]) == sorted(np.flatnonzero(logp < cut).tolist())
    assert out["anomalies"]["count"] == 10


def test_extras_only_when_asked_for_and_in_the_table():
    out = fit_json()
    assert "selection" not in out and "anomalies" not in out
    proc = subprocess.run([sys.executable, "-m", "em_tui", "fit", "--select-k", "3", "--anomalies", "1%"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "choosing K" in proc.stdout and "← BIC" in proc.stdout and "← AIC" in proc.stdout
    assert "anomalies under the K = 2 fit above: 2 of 200 points" in proc.stdout


@pytest.mark.parametrize("args, message", [
    (["--select-k", "9"], "--select-k must be between 2 and 8, got 9"),
    (["--select-k", "1"], "--select-k must be at least 2, got 1"),
    (["--select-k", "two"], "--select-k must be a whole number, got 'two'"),
    (["--select-k", "3", "--fault", "divide-by-n"], "--select-k compares correct EM fits"),
    (["--anomalies", "abc"], "the anomaly quantile must be a number such as 0.01 or 1%, got 'abc'"),
    (["--anomalies", "0"], "the anomaly quantile must be above 0 and at most 0.5"),
    (["--anomalies", "60%"], "the anomaly quantile must be above 0 and at most 0.5 (50%), got 0.6 (60%)"),
    (["--anomalies", "-0.1"], "the anomaly quantile must be above 0 and at most 0.5 (50%), got -0.1"),
])
def test_bad_extras_exit_2_with_one_error_line(args, message):
    proc = subprocess.run([sys.executable, "-m", "em_tui", "fit", *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], proc.stderr


def test_find_anomalies_refuses_bad_quantiles():
    from em_tui.core.anomaly import find_anomalies
    from em_tui.errors import ParameterError

    m = Mixture.create([0.5, 0.5], [0, 4], [1, 1])
    for q in (0, -0.1, 0.6, True, "0.1"):
        with pytest.raises(ParameterError):
            find_anomalies([1.0, 2.0, 3.0], m, q)
