import numpy as np
import pytest

from em_tui.core.config import FitConfig
from em_tui.core import data
from em_tui.errors import ParameterError
from em_tui.core.init import kmeans_1d, kmeans_start, multi_start, random_start
from em_tui.core.model import Mixture
from em_tui.core.model import free_parameters
from em_tui.core.select import aic, bic, select_k
from em_tui.core.trajectory import run_em


def test_kmeans_centres_are_lloyd_fixed_points_and_match_scikit_learn():
    from sklearn.cluster import KMeans

    x = data.load_dataset("old-faithful-waiting").values
    c = kmeans_1d(x, 2, np.random.default_rng(0))
    assert np.all(np.diff(c) > 0)
    labels = np.argmin(np.abs(x[:, None] - c[None, :]), axis=1)
    np.testing.assert_allclose(c, [x[labels == j].mean() for j in range(2)], rtol=1e-12)
    ref = np.sort(KMeans(2, n_init=10, random_state=0).fit(x[:, None]).cluster_centers_[:, 0])
    np.testing.assert_allclose(c, ref, rtol=1e-9)


def test_kmeans_start_is_sorted_and_reproducible():
    x = data.simulate(2)
    a = kmeans_start(x, 3, 5)
    assert a == kmeans_start(x, 3, 5)
    assert np.all(np.diff(a.means) > 0)
    assert abs(a.weights.sum() - 1) < 1e-12 and np.all(a.sds > 0)


def test_random_start_uses_data_values():
    x = data.simulate(3)
    s = random_start(x, 3, np.random.default_rng(1))
    assert np.all(np.isin(s.means, x)) and np.all(np.diff(s.means) > 0)
    np.testing.assert_allclose(s.weights, 1 / 3)


def test_too_few_distinct_values():
    with pytest.raises(ParameterError, match="2 distinct values; K = 3"):
        kmeans_start(np.array([1.0, 1.0, 2.0, 2.0]), 3, 0)


def test_multi_start_keeps_every_run_and_the_best():
    x = data.simulate(0)
    ms = multi_start(x, FitConfig(k=2, restarts=6, seed=4, init="random"))
    assert len(ms.runs) == 6
    assert ms.best.ll[-1] == ms.final_lls.max()
    again = multi_start(x, FitConfig(k=2, restarts=6, seed=4, init="random"))
    np.testing.assert_array_equal(ms.final_lls, again.final_lls)


def test_bic_aic_agree_with_scikit_learn():
    from sklearn.mixture import GaussianMixture

    x = data.load_dataset("galaxies").values
    for k in (1, 2, 3):
        run = run_em(x, Mixture.create(np.full(k, 1 / k), np.quantile(x, (np.arange(k) + 0.5) / k), np.full(k, x.std())), FitConfig(max_iter=200))
        f = run.final
        gm = GaussianMixture(k, covariance_type="full")
        gm.weights_ = f.weights
        gm.means_ = f.means[:, None]
        gm.covariances_ = f.variances[:, None, None]
        gm.precisions_cholesky_ = (1 / f.sds)[:, None, None]
        assert gm._n_parameters() == free_parameters(k)
        ll = float(run.ll[-1])
        assert bic(ll, k, x.size) == pytest.approx(gm.bic(x[:, None]), rel=1e-10)
        assert aic(ll, k) == pytest.approx(gm.aic(x[:, None]), rel=1e-10)


def test_select_k_on_galaxies_prefers_more_than_one_component():
    rows = select_k(data.load_dataset("galaxies").values, 5, FitConfig(init="kmeans", restarts=3, seed=0))
    assert [r.k for r in rows] == [1, 2, 3, 4, 5]
    best_bic = min(rows, key=lambda r: r.bic).k
    assert best_bic >= 3  # the published analyses find 3 or more velocity groups
    lls = [r.log_likelihood for r in rows]
    assert lls[2] > lls[0] + 20
