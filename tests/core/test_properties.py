"""Hypothesis properties of the engine over random data and random starts."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from em_tui.core import em
from em_tui.core.sizes import SMALL_N
from em_tui.core.config import FitConfig
from em_tui.core.model import Mixture
from em_tui.core.trajectory import find_decrease, run_em


@st.composite
def data_and_start(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    k_true = draw(st.integers(1, 4))
    # mostly small data; sometimes above SMALL_N, where the chunked passes run
    n = draw(st.one_of(st.integers(4, 300), st.integers(4, 300), st.integers(4, 300), st.integers(SMALL_N + 1, 6000)))
    centres = rng.normal(0, draw(st.sampled_from([0.5, 3.0, 20.0])), k_true)
    spreads = np.exp(rng.uniform(-2, 1, k_true))
    labels = rng.integers(0, k_true, n)
    x = centres[labels] + spreads[labels] * rng.standard_normal(n)
    if draw(st.booleans()):  # ties and a far outlier
        x[: n // 3] = np.round(x[: n // 3], 1)
        x[-1] = x[-1] + draw(st.sampled_from([0.0, 50.0, -1e3]))
    k = draw(st.integers(1, min(4, np.unique(x).size)))
    lo, hi = x.min(), x.max()
    span = hi - lo
    means = rng.uniform(lo - 0.5 * span, hi + 0.5 * span, k)
    sds = span * np.exp(rng.uniform(-4, 1, k)) + 1e-3
    w = rng.dirichlet(np.ones(k))
    return x, Mixture.create(w, means, sds)


@given(data_and_start())
def test_ll_never_decreases_and_everything_stays_finite(case):
    x, start = case
    run = run_em(x, start, FitConfig(tol=0.0, max_iter=60))
    ll = run.ll
    assert find_decrease(ll) is None, (ll, start)
    assert np.all(np.isfinite(ll))
    for t in range(run.iterations + 1):
        p = run.params(t)
        assert np.all(np.isfinite(p.weights)) and np.all(np.isfinite(p.means)) and np.all(np.isfinite(p.sds))
        assert np.all(p.sds > 0)
        assert abs(p.weights.sum() - 1.0) < 1e-12
        assert np.all(p.weights >= 0)


@given(data_and_start())
def test_responsibilities_sum_to_one(case):
    x, start = case
    r = em.responsibilities(x, start)
    assert r.shape == (start.k, x.size)
    assert np.all(np.isfinite(r)) and np.all(r >= 0)
    np.testing.assert_allclose(r.sum(axis=0), 1.0, rtol=1e-12)


@given(
    data_and_start(),
    st.floats(1e-3, 1e3).flatmap(lambda a: st.sampled_from([a, -a])),
    st.floats(-1e3, 1e3),
)
def test_scale_and_shift_equivariance(case, c, b):
    x, start = case
    t = 15
    base = run_em(x, start, FitConfig(tol=0.0, max_iter=t))
    moved_start = Mixture.create(start.weights, c * start.means + b, abs(c) * start.sds)
    moved = run_em(c * x + b, moved_start, FitConfig(tol=0.0, max_iter=t))
    f, g = base.final, moved.final
    scale = abs(c) * (np.abs(x).max() + f.sds.max()) + abs(b)
    np.testing.assert_allclose(g.weights, f.weights, atol=1e-7)
    np.testing.assert_allclose(g.means, c * f.means + b, atol=1e-7 * scale)
    np.testing.assert_allclose(g.sds, abs(c) * f.sds, rtol=1e-6, atol=1e-9 * scale)
    np.testing.assert_allclose(moved.ll, base.ll - x.size * np.log(abs(c)), rtol=1e-7, atol=1e-7 * x.size)
