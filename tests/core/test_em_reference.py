"""The engine against references: a hand computation, scikit-learn, and mixtools' published figures."""

import math
import warnings

import numpy as np
import pytest

from em_tui.core import data, em, sizes
from em_tui.core.config import FitConfig
from em_tui.core.model import Mixture
from em_tui.core.trajectory import run_em


def test_first_iteration_by_hand():
    xs = [-1.0, 0.0, 0.5, 3.0, 4.0, 5.5]
    w, mu, sd = [0.5, 0.5], [0.0, 4.0], [1.0, 2.0]

    def npdf(x, m, s):
        return math.exp(-((x - m) ** 2) / (2 * s * s)) / (s * math.sqrt(2 * math.pi))

    # E step, written out
    num = [[w[k] * npdf(x, mu[k], sd[k]) for x in xs] for k in range(2)]
    px = [num[0][i] + num[1][i] for i in range(len(xs))]
    r = [[num[k][i] / px[i] for i in range(len(xs))] for k in range(2)]
    ll0 = sum(math.log(p) for p in px)
    # M step, written out
    nk = [sum(r[k]) for k in range(2)]
    mu1 = [sum(r[k][i] * xs[i] for i in range(len(xs))) / nk[k] for k in range(2)]
    var1 = [sum(r[k][i] * (xs[i] - mu1[k]) ** 2 for i in range(len(xs))) / nk[k] for k in range(2)]
    w1 = [nk[k] / len(xs) for k in range(2)]

    start = Mixture.create(w, mu, sd)
    np.testing.assert_allclose(em.responsibilities(xs, start), r, rtol=1e-12)
    prepared = em.prepare(xs)
    new, ll = em.em_iteration(prepared, start)
    assert ll == pytest.approx(ll0, rel=1e-13)
    assert em.log_likelihood(prepared, start) == pytest.approx(ll0, rel=1e-13)
    np.testing.assert_allclose(new.means, mu1, rtol=1e-12)
    np.testing.assert_allclose(new.variances, var1, rtol=1e-11)
    np.testing.assert_allclose(new.weights, w1, rtol=1e-12)
    # the E step's sums are the hand's: N_k, sum r (x - c), sum r (x - c)^2; the M step makes them the update
    e = em.e_step(prepared, start)
    u = np.array(xs) - e.centre
    np.testing.assert_allclose(e.nk, nk, rtol=1e-12)
    np.testing.assert_allclose(e.s1, np.array(r) @ u, rtol=1e-12)
    np.testing.assert_allclose(e.s2, np.array(r) @ (u * u), rtol=1e-12)
    stepped = em.m_step(prepared, e, start)
    np.testing.assert_allclose(stepped.means, mu1, rtol=1e-12)
    np.testing.assert_allclose(stepped.sds, np.sqrt(var1), rtol=1e-12)


def _sklearn_fit(x, start: Mixture, iterations: int):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    gm = GaussianMixture(
        n_components=start.k,
        covariance_type="full",
        tol=0.0,
        reg_covar=0.0,
        max_iter=iterations,
        n_init=1,
        init_params="random_from_data",
        random_state=0,
        weights_init=start.weights,
        means_init=start.means[:, None],
        precisions_init=(1.0 / start.variances)[:, None, None],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm.fit(x[:, None])
    return gm


CASES = [
    ("lesson seed 0", data.simulate(0), [0.5, 0.5], [1.0, 3.0], [1.5, 1.5], 25),
    ("lesson seed 7, K=1", data.simulate(7), [1.0], [2.0], [3.0], 3),
    ("lesson far start", data.simulate(1, 500), [0.5, 0.5], [-2.0, 7.0], [1.5, 1.5], 40),
    ("faithful waiting K=3", data.load_dataset("old-faithful-waiting").values, [0.3, 0.3, 0.4], [50, 65, 80], [5, 5, 5], 30),
    ("galaxies K=4", data.load_dataset("galaxies").values, [0.1, 0.4, 0.4, 0.1], [9000, 19000, 23000, 33000], [500, 1000, 1000, 800], 20),
    ("iris petal K=2", data.load_dataset("iris-petal-length").values, [0.4, 0.6], [1.0, 5.0], [1.0, 1.0], 15),
    ("eruptions K=3", data.load_dataset("old-faithful-eruptions").values, [0.3, 0.3, 0.4], [2.0, 3.0, 4.5], [0.3, 0.5, 0.4], 30),
    # above sizes.SMALL_N points with K = 2: the two-component pass
    ("lesson N=20000", data.simulate(3, 20_000), [0.5, 0.5], [1.0, 3.0], [1.5, 1.5], 25),
    ("lesson N=20000 far start", data.simulate(4, 20_000), [0.3, 0.7], [-2.0, 7.0], [1.5, 1.5], 40),
]


@pytest.mark.parametrize("name, x, w, mu, sd, t", CASES, ids=[c[0] for c in CASES])
def test_agrees_with_scikit_learn(name, x, w, mu, sd, t):
    start = Mixture.create(w, mu, sd)
    run = run_em(x, start, FitConfig(tol=0.0, max_iter=t))
    assert run.iterations == t
    gm = _sklearn_fit(x, start, t)
    ours = run.final
    np.testing.assert_allclose(ours.weights, gm.weights_, rtol=1e-8)
    np.testing.assert_allclose(ours.means, gm.means_[:, 0], rtol=1e-8)
    np.testing.assert_allclose(ours.sds, np.sqrt(gm.covariances_[:, 0, 0]), rtol=1e-8)
    # scikit-learn records its bound (the mean LL) before the last M step: LL[T-1] / N
    assert run.ll[t - 1] / x.size == pytest.approx(gm.lower_bound_, rel=1e-10)
    # and its score at the final parameters is LL[T] / N
    assert run.ll[t] / x.size == pytest.approx(gm.score(x[:, None]), rel=1e-10)
    # responsibilities on a slice agree with predict_proba
    np.testing.assert_allclose(em.responsibilities(x, ours, 3, 20).T, gm.predict_proba(x[3:20, None]), atol=1e-9)


def test_old_faithful_waiting_matches_mixtools():
    """normalmixEM(waiting, lambda=.5, mu=c(55, 80), sigma=5) in R's mixtools reports
    lambda = (0.361, 0.639), mu = (54.61, 80.09), sigma = (5.87, 5.87), loglik = -1034.002."""
    x = data.load_dataset("old-faithful-waiting").values
    run = run_em(x, Mixture.create([0.5, 0.5], [55, 80], [5, 5]), FitConfig(tol=1e-10, max_iter=5000))
    assert run.converged
    f = run.final
    np.testing.assert_allclose(f.weights, [0.361, 0.639], atol=5e-4)
    np.testing.assert_allclose(f.means, [54.61, 80.09], atol=5e-3)
    np.testing.assert_allclose(f.sds, [5.87, 5.87], atol=5e-3)
    assert run.ll[-1] == pytest.approx(-1034.002, abs=5e-4)


def test_chunked_pass_equals_single_chunk(monkeypatch):
    x = data.simulate(5, 50_000)
    m = Mixture.create([0.2, 0.3, 0.5], [-1, 1, 4], [1, 0.5, 2])
    whole = em.e_step(em.prepare(x), m)
    monkeypatch.setattr(sizes, "CHUNK_ELEMENTS", 3000)
    parts = em.e_step(em.prepare(x), m)
    assert parts.ll == pytest.approx(whole.ll, rel=1e-12)
    np.testing.assert_allclose([parts.nk, parts.s1, parts.s2], [whole.nk, whole.s1, whole.s2], rtol=1e-11)
    # the reference: explicit responsibilities over all points
    r = em.responsibilities(x, m)
    np.testing.assert_allclose(parts.nk, r.sum(axis=1), rtol=1e-11)
    assert parts.ll == pytest.approx(float(m.log_density(x).sum()), rel=1e-12)


@pytest.mark.parametrize(
    "w, mu, sd",
    [
        ([0.5, 0.5], [1.0, 3.0], [1.5, 1.5]),
        ([0.4, 0.6], [0.0, 4.0], [0.2, 3.0]),  # l_1 - l_2 < -700 at the far right: clipped
        ([0.4, 0.6], [0.0, 4.0], [3.0, 0.15]),  # l_1 - l_2 > +700 at the far left: clipped, LL corrected
        ([1e-12, 1 - 1e-12], [-3.0, 4.0], [1.0, 1.5]),  # a nearly empty component keeps its digits
    ],
)
def test_two_component_pass_equals_reference(w, mu, sd):
    x = data.simulate(8, 10_000)
    assert x.size > sizes.SMALL_N
    m = Mixture.create(w, mu, sd)
    stats = em.e_step(em.prepare(x), m)
    r = em.responsibilities(x, m)  # explicit responsibilities, log-sum-exp per point
    u = x - stats.centre
    assert stats.ll == pytest.approx(float(m.log_density(x).sum()), rel=1e-12)
    np.testing.assert_allclose(stats.nk, r.sum(axis=1), rtol=1e-10)
    np.testing.assert_allclose(stats.s2, r @ (u * u), rtol=1e-10)
    np.testing.assert_allclose(stats.s1, r @ u, rtol=1e-9, atol=1e-9 * float(np.abs(u).sum()))


def test_far_point_gets_correct_responsibilities():
    m = Mixture.create([0.5, 0.5], [0.0, 1.0], [1.0, 2.0])
    # at x = 1000, component 2 (wider) takes the point: log ratio ~ 1.2e5
    r = em.responsibilities([1000.0, -1000.0], m)
    assert np.all(np.isfinite(r))
    np.testing.assert_allclose(r[:, 0], [0.0, 1.0], atol=1e-300)
    np.testing.assert_allclose(r.sum(axis=0), 1.0)


def test_component_far_from_centre_keeps_its_digits():
    # a tiny tight component far from the bulk: the one-pass variance would cancel
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(0, 1, 1000), rng.normal(1e6, 1.0, 10)])
    start = Mixture.create([0.99, 0.01], [0.0, 1e6], [1.0, 2.0])
    run = run_em(x, start, FitConfig(tol=0.0, max_iter=3))
    tail = x[1000:]
    assert run.final.sds[1] == pytest.approx(tail.std(), rel=1e-9)
    assert run.final.means[1] == pytest.approx(tail.mean(), rel=1e-12)
