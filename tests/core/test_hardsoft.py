"""k-means against EM with one shared, fixed sd (em_tui.core.hardsoft), checked against references:
scikit-learn's KMeans, a direct NumPy computation of the responsibilities and of EM, and the limit
sd -> 0 in which EM with a shared fixed variance becomes k-means (Bishop, PRML section 9.3.2)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from em_tui.core import data, hardsoft
from em_tui.errors import ParameterError
from em_tui.core.init import kmeans_1d, seeded_start, start_rng
from em_tui.core.prepared import chunks


def direct_gamma(x, means, weights, sd):
    """gamma_ik = pi_k N(x_i | mu_k, sd^2) / sum_j pi_j N(x_i | mu_j, sd^2), straight from the densities."""
    x = np.asarray(x, dtype=float)
    dens = np.array([w * np.exp(-((x - m) ** 2) / (2 * sd * sd)) / (sd * math.sqrt(2 * math.pi))
                     for w, m in zip(weights, means)])
    return dens / dens.sum(axis=0)


def direct_em(x, seeds, sd, iterations):
    """Textbook EM with one fixed sd: E step from the densities, M step for means and weights."""
    means = np.array(seeds, dtype=float)
    weights = np.full(means.size, 1.0 / means.size)
    for _ in range(iterations):
        g = direct_gamma(x, means, weights, sd)
        nk = g.sum(axis=1)
        means = (g @ x) / nk
        weights = nk / x.size
    return means, weights


def three_groups(n=600, seed=1):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(0, 1, n // 3), rng.normal(12, 1.5, n // 3), rng.normal(25, 1, n // 3)])


DATA = {
    "lesson": (data.simulate(0), 2),
    "galaxies": (data.load_dataset("galaxies").values, 3),
    "faithful": (data.load_dataset("old-faithful-waiting").values, 2),
    "iris": (data.load_dataset("iris-petal-length").values, 3),
}


# -- k-means -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(DATA))
def test_kmeans_from_the_seeds_matches_scikit_learn_lloyd_from_the_same_seeds(name):
    from sklearn.cluster import KMeans

    x, k = DATA[name]
    seeds = hardsoft.kmeans_seeds(x, k, seed=0)
    fit = hardsoft.kmeans_fit(x, seeds)
    ref = KMeans(n_clusters=k, init=seeds[:, None], n_init=1, algorithm="lloyd", tol=0.0, max_iter=300).fit(x[:, None])
    order = np.argsort(ref.cluster_centers_[:, 0])
    np.testing.assert_allclose(fit.centres, ref.cluster_centers_[order, 0], rtol=1e-10)
    rank = np.empty(k, dtype=int)
    rank[order] = np.arange(k)
    np.testing.assert_array_equal(fit.labels, rank[ref.labels_])
    np.testing.assert_array_equal(fit.sizes, np.bincount(ref.labels_, minlength=k)[order])


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_kmeans_on_well_separated_data_finds_scikit_learns_centres(seed):
    from sklearn.cluster import KMeans

    x = three_groups(seed=seed)
    fit = hardsoft.kmeans_fit(x, hardsoft.kmeans_seeds(x, 3, seed))
    ref = np.sort(KMeans(3, n_init=10, random_state=0).fit(x[:, None]).cluster_centers_[:, 0])
    np.testing.assert_allclose(fit.centres, ref, rtol=1e-10)
    np.testing.assert_allclose(fit.centres, [x[:200].mean(), x[200:400].mean(), x[400:].mean()], rtol=1e-10)


def test_seeds_and_centres_are_those_of_the_apps_kmeans_start():
    x, k = DATA["galaxies"]
    for seed in (0, 3, 11):
        seeds = hardsoft.kmeans_seeds(x, k, seed)
        assert np.all(np.isin(seeds, x)) and np.all(np.diff(seeds) > 0)
        fit = hardsoft.kmeans_fit(x, seeds)
        np.testing.assert_array_equal(fit.centres, kmeans_1d(x, k, start_rng(seed)))
        np.testing.assert_allclose(fit.centres, seeded_start(x, k, "kmeans", seed).means, rtol=1e-12)


def test_kmeans_assign_is_the_nearest_centre_in_any_order():
    rng = np.random.default_rng(5)
    x = rng.normal(0, 3, 1000)
    centres = np.array([2.5, -4.0, 0.3, 7.0])
    expected = np.argmin(np.abs(x[:, None] - centres[None, :]), axis=1)
    np.testing.assert_array_equal(hardsoft.kmeans_assign(x, centres), expected)


# -- EM with a shared, fixed sd ----------------------------------------------------------------
@pytest.mark.parametrize("name", list(DATA))
def test_responsibilities_equal_a_direct_computation(name):
    x, k = DATA[name]
    sd = 0.4 * hardsoft.prepare(x).spread
    fit = hardsoft.shared_sd_em(x, hardsoft.kmeans_seeds(x, k, 0), sd)
    assert fit.converged and fit.resp.shape == (k, x.size)
    expected = direct_gamma(x, fit.means, fit.weights, sd)
    np.testing.assert_allclose(fit.resp, expected, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(hardsoft.shared_sd_responsibilities(x, fit.means, fit.weights, sd), expected,
                               rtol=1e-10, atol=1e-14)
    # a fixed point: one more M step from these responsibilities gives the same parameters
    np.testing.assert_allclose((expected @ x) / expected.sum(axis=1), fit.means, rtol=1e-8)
    np.testing.assert_allclose(expected.mean(axis=1), fit.weights, rtol=1e-8, atol=1e-12)
    assert np.all(np.diff(fit.means) >= 0)


def test_em_iterations_equal_textbook_em_over_several_chunks():
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(-2, 1, 60_000), rng.normal(1, 0.5, 40_000), rng.normal(4, 1.2, 50_000)])
    rng.shuffle(x)
    assert len(list(chunks(x.size, 3))) > 1  # the chunked pass takes several chunks
    seeds = [-3.0, 0.0, 2.5]
    sd = 0.8
    fit = hardsoft.shared_sd_em(x, seeds, sd, tol=0.0, max_iter=25)
    assert fit.iterations == 25 and not fit.converged
    means, weights = direct_em(x, seeds, sd, 25)
    np.testing.assert_allclose(fit.means, means, rtol=1e-10)
    np.testing.assert_allclose(fit.weights, weights, rtol=1e-10)


def test_sd_to_zero_em_becomes_kmeans_on_the_lessons_data():
    x, k = DATA["lesson"]
    km = hardsoft.kmeans_fit(x, hardsoft.kmeans_seeds(x, k, 0))
    ladder = hardsoft.sd_ladder(hardsoft.prepare(x).spread)
    runs = [hardsoft.compare(x, k, 0, sd, kmeans=km) for sd in ladder]
    tv = np.array([r.agreement.mean_tv for r in runs])
    gap = np.array([np.max(np.abs(r.em.means - km.centres)) for r in runs])
    # soft at 1.5 sd: both means on the data's mean, every point split almost evenly
    assert tv[0] > 0.45 and runs[0].agreement.different > 50
    # every rung converges (none sits on σ = sd, where EM creeps), and from 0.375 sd on the
    # distance to the hard assignment only falls, to nothing
    assert all(r.em.converged for r in runs)
    assert np.all(np.diff(tv[2:]) <= 0) and tv[-1] < 1e-300
    assert gap[1] > 0.1 and gap[-1] < 1e-12 * hardsoft.prepare(x).spread
    assert [r.agreement.different for r in runs[-6:]] == [0] * 6
    np.testing.assert_allclose(runs[-1].em.weights, km.sizes / x.size, rtol=1e-12)


@pytest.mark.parametrize("name", ["galaxies", "faithful", "iris"])
def test_sd_to_zero_em_becomes_kmeans_on_built_in_data(name):
    x, k = DATA[name]
    km = hardsoft.kmeans_fit(x, hardsoft.kmeans_seeds(x, k, 0))
    big = hardsoft.compare(x, k, 0, hardsoft.prepare(x).spread, kmeans=km)
    small = hardsoft.compare(x, k, 0, 1e-3 * hardsoft.prepare(x).spread, kmeans=km)
    assert big.agreement.mean_tv > 0.1
    assert small.agreement.different == 0 and small.agreement.mean_tv < 1e-12
    np.testing.assert_allclose(small.em.means, km.centres, rtol=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_with_a_tiny_sd_em_lands_on_the_kmeans_centres_for_random_data(seed):
    rng = np.random.default_rng(100 + seed)
    k = int(rng.integers(2, 9))
    x = rng.normal(rng.normal(0, 5, k)[rng.integers(0, k, 400)], rng.uniform(0.3, 2))
    km = hardsoft.kmeans_fit(x, hardsoft.kmeans_seeds(x, k, seed))
    res = hardsoft.compare(x, k, seed, 1e-6 * hardsoft.prepare(x).spread, kmeans=km)
    np.testing.assert_allclose(res.em.means[km.sizes > 0], km.centres[km.sizes > 0], rtol=1e-12, atol=1e-12)
    assert res.agreement.different == 0


def test_tiny_sd_gives_no_warning_nan_or_division_by_zero():
    x = data.simulate(3, 5000)
    seeds = hardsoft.kmeans_seeds(x, 8, 0)
    with warnings.catch_warnings(), np.errstate(divide="raise", over="raise", invalid="raise"):
        warnings.simplefilter("error")
        for rel in (1e-6, 1e-9, 1e-300):
            fit = hardsoft.shared_sd_em(x, seeds, rel * hardsoft.prepare(x).spread)
            assert np.all(np.isfinite(fit.means)) and np.all(np.isfinite(fit.resp))
            np.testing.assert_allclose(fit.resp.sum(axis=0), 1.0, rtol=1e-12)
            assert np.all((fit.resp == 0) | (fit.resp == 1))  # fully hard
            gamma = hardsoft.shared_sd_responsibilities(np.linspace(-5, 10, 301), fit.means, fit.weights, fit.sd)
            assert np.all(np.isfinite(gamma))


def test_a_component_that_receives_nothing_keeps_its_mean():
    x = data.simulate(0)
    with warnings.catch_warnings(), np.errstate(divide="raise", over="raise", invalid="raise"):
        warnings.simplefilter("error")
        fit = hardsoft.shared_sd_em(x, [0.0, 4.0, 1e4], 1e-3)
    assert fit.means[2] == 1e4 and fit.weights[2] == 0.0
    np.testing.assert_allclose(fit.weights.sum(), 1.0)
    assert np.all(fit.resp[2] == 0.0)


def test_one_component_owns_everything():
    x = data.load_dataset("galaxies").values
    km = hardsoft.kmeans_fit(x, hardsoft.kmeans_seeds(x, 1, 0))
    assert km.centres[0] == pytest.approx(x.mean(), rel=1e-12) and km.sizes.tolist() == [x.size]
    for sd in hardsoft.sd_ladder(hardsoft.prepare(x).spread)[[0, -1]]:
        fit = hardsoft.shared_sd_em(x, km.seeds, sd)
        assert fit.converged and fit.weights.tolist() == [1.0]
        assert fit.means[0] == pytest.approx(x.mean(), rel=1e-12)
        np.testing.assert_array_equal(fit.resp, 1.0)
        res = hardsoft.compare(x, 1, 0, sd, kmeans=km)
        assert res.agreement.different == 0 and res.agreement.mean_tv == 0.0


def test_constant_data_with_one_component():
    fit = hardsoft.shared_sd_em(np.full(10, 3.0), [3.0], 1e-6)
    assert fit.means.tolist() == [3.0] and fit.converged


@pytest.mark.parametrize("sd", [0.0, -1.0, float("nan"), float("inf"), "a"])
def test_bad_sd_is_refused(sd):
    with pytest.raises(ParameterError, match="shared standard deviation"):
        hardsoft.shared_sd_em(data.simulate(0), [0.0, 4.0], sd)


def test_bad_k_and_too_few_distinct_values_are_refused():
    x = data.simulate(0)
    with pytest.raises(ParameterError, match="K must be between 1 and 8"):
        hardsoft.kmeans_seeds(x, 9, 0)
    with pytest.raises(ParameterError, match="2 distinct values; K = 3"):
        hardsoft.kmeans_seeds(np.array([1.0, 1.0, 2.0]), 3, 0)


# -- the comparison ----------------------------------------------------------------------------
def test_agreement_on_a_small_example():
    labels = np.array([0, 1, 1, 2])
    resp = np.array([[0.9, 0.6, 0.2, 0.0], [0.1, 0.4, 0.8, 0.3], [0.0, 0.0, 0.0, 0.7]])
    a = hardsoft.agreement(labels, resp)
    assert a.different == 1 and a.n == 4  # the second point: EM prefers component 1, k-means 2
    hard = np.eye(3)[:, labels]
    assert a.mean_tv == pytest.approx(np.mean(0.5 * np.abs(resp - hard).sum(axis=0)), abs=1e-15)
    assert a.mean_tv == pytest.approx((0.1 + 0.6 + 0.2 + 0.3) / 4, abs=1e-15)


def test_compare_counts_chunk_by_chunk_what_the_full_responsibilities_give():
    x = data.simulate(4, 200_000)
    km = hardsoft.kmeans_fit(x, hardsoft.kmeans_seeds(x, 3, 0))
    sd = 0.3 * hardsoft.prepare(x).spread
    res = hardsoft.compare(x, 3, 0, sd, kmeans=km)
    full = hardsoft.shared_sd_em(x, km.seeds, sd)
    direct = hardsoft.agreement(km.labels, full.resp)
    assert res.agreement.different == direct.different > 0
    assert res.agreement.mean_tv == pytest.approx(direct.mean_tv, rel=1e-12)
    np.testing.assert_array_equal(res.em.means, full.means)
    assert res.em.resp is None


def test_ladder_halves_from_one_and_a_half_sd_to_about_a_millionth():
    ladder = hardsoft.sd_ladder(3.0)
    assert ladder[0] == 4.5 and ladder[1] == 2.25 and 3.0 not in ladder  # σ = sd itself is left out
    np.testing.assert_allclose(ladder[1:] / ladder[:-1], 0.5)
    assert 1e-6 < ladder[-1] / 3.0 <= 2e-6


def test_stop_request_ends_the_run():
    x = data.simulate(0)
    calls = []
    out = hardsoft.shared_sd_em(x, [0.0, 4.0], 1.0, should_stop=lambda: len(calls) >= 3,
                                progress=calls.append)
    assert out is None and calls == [1, 2, 3]


def test_a_hundred_thousand_points_give_finite_fits_from_soft_to_hard():
    """Along the σ ladder at N = 1e5 every fit is finite and within the cap, and the soft/hard
    disagreement goes from visible (large σ) to nothing (small σ). How fast this runs is measured
    by benchmarks/bench_hardsoft.py, not here."""
    x = data.simulate(5, 100_000)
    km = hardsoft.kmeans_fit(x, hardsoft.kmeans_seeds(x, 4, 0))
    tv = []
    for sd in hardsoft.sd_ladder(hardsoft.prepare(x).spread)[2::3]:
        res = hardsoft.compare(x, 4, 0, sd, kmeans=km)
        assert np.all(np.isfinite(res.em.means)) and res.em.iterations <= hardsoft.DEFAULT_MAX_ITER
        tv.append(res.agreement.mean_tv)
    assert tv[0] > 0.01 and tv[-1] < 1e-3
