"""The M step's variance models: one sigma per component, one pooled sigma ("equal"), a given sigma
("fixed"), checked against a hand computation and scikit-learn's GaussianMixture(covariance_type="tied")."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from em_tui.core import data, em
from em_tui.core.config import FitConfig
from em_tui.core.model import Mixture, free_parameters
from em_tui.core.trajectory import Trajectory, ll_noise, run_em
from em_tui.errors import ParameterError

POINTS = np.array([-1.0, 0.0, 0.5, 2.0, 3.5, 4.0])
MODEL = Mixture.create([0.4, 0.6], [0.0, 3.0], [1.0, 1.5])


def by_hand(x, model):
    """gamma from the densities, then N_k, pi_k, mu_k and the pooled variance, term by term."""
    dens = [[w * math.exp(-((xi - m) ** 2) / (2 * s * s)) / (s * math.sqrt(2 * math.pi)) for xi in x]
            for w, m, s in zip(model.weights, model.means, model.sds)]
    gamma = [[d[i] / sum(row[i] for row in dens) for i in range(len(x))] for d in dens]
    nk = [sum(g) for g in gamma]
    means = [sum(g[i] * x[i] for i in range(len(x))) / n for g, n in zip(gamma, nk)]
    pooled = sum(g[i] * (x[i] - m) ** 2 for g, m in zip(gamma, means) for i in range(len(x))) / len(x)
    return [n / len(x) for n in nk], means, pooled


def test_the_pooled_m_step_is_the_hand_computation():
    x = em.prepare(POINTS)
    weights, means, pooled = by_hand(POINTS.tolist(), MODEL)
    new = em.m_step(x, em.e_step(x, MODEL), MODEL, variance="equal")
    np.testing.assert_allclose(new.weights, weights, rtol=1e-12)
    np.testing.assert_allclose(new.means, means, rtol=1e-12)
    np.testing.assert_allclose(new.sds, [math.sqrt(pooled)] * 2, rtol=1e-12)
    # the pool is the components' own variances weighted by their counts
    unequal = em.m_step(x, em.e_step(x, MODEL), MODEL)
    assert np.all(unequal.weights == new.weights) and np.all(unequal.means == new.means)
    assert new.sds[0] ** 2 == pytest.approx(float(unequal.weights @ unequal.variances), rel=1e-12)
    assert unequal.sds[0] != pytest.approx(unequal.sds[1], rel=1e-3)


def test_the_fixed_model_keeps_the_given_sigmas_exactly():
    x = em.prepare(POINTS)
    model = Mixture.create([0.5, 0.5], [0.0, 3.0], [0.3, 0.3])
    new = em.m_step(x, em.e_step(x, model), model, variance="fixed")
    assert np.all(new.sds == model.sds)
    unequal = em.m_step(x, em.e_step(x, model), model)
    assert np.all(new.means == unequal.means) and np.all(new.weights == unequal.weights)


@pytest.mark.parametrize("k, seed", [(2, 0), (3, 4)])
def test_an_equal_variance_run_matches_scikit_learns_tied_mixture(k, seed):
    """A run made with FitConfig(variance="equal") is the pooled-sigma EM: sklearn's tied mixture from the
    same start, iteration for iteration."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    x = data.simulate(seed, 2000)
    start = Mixture.create(np.full(k, 1.0 / k), np.quantile(x, (np.arange(k) + 0.5) / k), np.full(k, x.std()))
    iterations = 20
    run = Trajectory(x, start, FitConfig(k=k, tol=0.0, max_iter=iterations, variance="equal")).run()
    ref = GaussianMixture(k, covariance_type="tied", weights_init=start.weights, means_init=start.means[:, None],
                          precisions_init=np.array([[1.0 / start.sds[0] ** 2]]), max_iter=iterations, tol=0.0,
                          reg_covar=0.0, n_init=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref.fit(x[:, None])
    assert ref.n_iter_ == iterations == run.iterations
    final = run.final
    np.testing.assert_allclose(final.weights, ref.weights_, rtol=1e-10)
    np.testing.assert_allclose(final.means, ref.means_[:, 0], rtol=1e-10)
    np.testing.assert_allclose(final.sds, np.full(k, math.sqrt(ref.covariances_[0, 0])), rtol=1e-10)
    # a correct EM with the pooled M step never lowers LL (beyond rounding)
    ll = run.ll
    assert np.all(ll[1:] >= ll[:-1] - np.array([ll_noise(v) for v in ll[:-1]])) and run.decrease is None
    # sklearn's count of free parameters is the engine's: K means, K - 1 weights, one sigma
    assert ref._n_parameters() == free_parameters(k, "equal") == 2 * k
    # from the same start, the unequal model is another run
    unequal = Trajectory(x, start, FitConfig(k=k, tol=0.0, max_iter=iterations)).run().final
    assert not np.all(unequal.sds == unequal.sds[0])


def test_an_unknown_variance_model_is_refused_with_the_list():
    x = em.prepare(POINTS)
    with pytest.raises(ParameterError, match="the variance model must be one of unequal, equal, fixed, got 'tied'"):
        em.m_step(x, em.e_step(x, MODEL), MODEL, variance="tied")
    with pytest.raises(ParameterError, match="variance model"):
        run_em(POINTS, MODEL, FitConfig(variance="pooled"))


def test_k_means_vs_em_runs_the_engines_own_steps_with_a_fixed_sigma(monkeypatch):
    from em_tui.core import hardsoft

    calls = []
    m_step = em.m_step

    def recorded(data_, e, previous, variance="unequal"):
        calls.append(variance)
        return m_step(data_, e, previous, variance)

    monkeypatch.setattr(em, "m_step", recorded)
    fit = hardsoft.shared_sd_em(data.simulate(0), [0.0, 4.0], 1.0, max_iter=5, tol=0.0)
    assert fit.iterations == 5 and calls == ["fixed"] * 5


def test_the_unnormalised_fault_is_the_m_step_fed_by_unnormalised_weights():
    """The fault's update against a direct computation: w_ik = pi_k N(x_i | mu_k, sigma_k^2) put in the
    place of gamma_ik in the M step's formulas."""
    from em_tui.core.faults import get_fault

    x = data.simulate(2, 500)
    prepared = em.prepare(x)
    start = data.DEFAULT_START
    wrong = get_fault("unnormalised").m_step(prepared, em.e_step(prepared, start), start)
    w = start.weighted_component_densities(x)
    nk = w.sum(axis=1)
    means = (w @ x) / nk
    var = np.array([w[j] @ (x - means[j]) ** 2 for j in range(start.k)]) / nk
    np.testing.assert_allclose(wrong.weights, nk / nk.sum(), rtol=1e-10)
    np.testing.assert_allclose(wrong.means, means, rtol=1e-10)
    np.testing.assert_allclose(wrong.sds, np.sqrt(np.maximum(var, prepared.var_floor)), rtol=1e-10)
