import numpy as np
import pytest

from em_tui.core.config import FitConfig
from em_tui.core import data, em
from em_tui.errors import ParameterError
from em_tui.core.faults import FAULTS, get_fault
from em_tui.core.model import Mixture
from em_tui.core.trajectory import Decrease, Trajectory, find_decrease, run_em

X = data.simulate(0)


def test_indexing_ll0_is_at_the_start_and_t_plus_one_values():
    run = run_em(X, data.DEFAULT_START, FitConfig(tol=0.0, max_iter=12))
    assert run.iterations == 12 and len(run.ll) == 13
    assert run.params(0) == data.DEFAULT_START
    assert run.ll[0] == pytest.approx(float(data.DEFAULT_START.log_density(X).sum()), rel=1e-13)
    m = data.DEFAULT_START
    prepared = em.prepare(X)
    for t in range(1, 13):
        m, _ = em.em_iteration(prepared, m)
        assert run.params(t) == m  # random access, same numbers as stepping by hand
        assert run.ll_at(t) == pytest.approx(float(m.log_density(X).sum()), rel=1e-13)
    assert not run.converged


def test_convergence_by_tolerance_and_cap():
    run = run_em(X, data.DEFAULT_START)  # defaults: tol 1e-6, cap 1000
    assert run.converged and run.iterations < 1000
    ll = run.ll
    assert ll[-1] - ll[-2] < 1e-6
    assert np.all(np.diff(ll)[:-1] >= 1e-6)  # it did not stop early
    capped = run_em(X, data.DEFAULT_START, FitConfig(max_iter=5))
    assert capped.iterations == 5 and not capped.converged and capped.done
    assert not capped.step()


def test_a_run_takes_its_settings_as_one_configuration():
    """run_em's settings are a FitConfig (or its defaults); loose keywords are not a second way in."""
    config = FitConfig(tol=0.0, max_iter=7)
    assert run_em(X, data.DEFAULT_START, config).iterations == 7
    assert run_em(X, data.DEFAULT_START, config.but(max_iter=3)).iterations == 3
    with pytest.raises(TypeError):
        run_em(X, data.DEFAULT_START, max_iter=3)
    with pytest.raises(TypeError, match="a FitConfig"):
        run_em(X, data.DEFAULT_START, {"max_iter": 3})


def test_step_grows_one_iteration_and_half_state():
    tr = Trajectory(X, data.DEFAULT_START, FitConfig(max_iter=10))
    assert tr.iterations == 0 and tr.ll.size == 1
    assert tr.step() and tr.iterations == 1
    half = tr.half(1)
    assert half.params == tr.params(1)  # parameters not yet moved
    r = half.responsibilities(0, 50)
    assert r.shape == (2, 50)
    np.testing.assert_allclose(half.nk, em.responsibilities(X, tr.params(1)).sum(axis=1), rtol=1e-12)
    tr.step()
    nxt = em.m_step(tr.data, em.e_step(tr.data, half.params), half.params)
    np.testing.assert_allclose(tr.params(2).means, nxt.means, rtol=1e-12)
    with pytest.raises(ParameterError, match="outside 0..2"):
        tr.params(3)


def test_decrease_detector():
    assert find_decrease([-10.0, -9.0, -9.0 - 1e-12, -8.0]) is None  # noise is not a decrease
    d = find_decrease([-10.0, -9.0, -9.5, -9.7])
    assert d == Decrease(2, 0.5)
    assert find_decrease([1.0]) is None


def test_correct_em_never_trips_the_detector_on_the_lesson():
    for seed in range(10):
        for start in ([1.0, 3.0], [2.0, 2.0], [-2.0, 7.0]):
            run = run_em(data.simulate(seed), Mixture.create([0.5, 0.5], start, [1.5, 1.5]), FitConfig(max_iter=300))
            assert run.decrease is None


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_each_teaching_fault_makes_ll_fall_within_30_iterations(name):
    fault = get_fault(name)
    assert fault.summary and len(fault.summary.splitlines()) == 1
    run = run_em(X, data.DEFAULT_START, FitConfig(tol=0.0, max_iter=30, fault=fault))
    dec = run.decrease
    assert dec is not None and 1 <= dec.iteration <= 30 and dec.amount > 0
    assert np.all(np.isfinite(run.ll))


def test_unknown_fault_lists_the_names():
    with pytest.raises(ParameterError, match="forgot-sqrt"):
        get_fault("nope")


def test_empty_component_stays_finite():
    # a component that owns no point at all: its N_k underflows to 0
    x = np.array([0.0, 0.1, -0.2, 0.3, 0.05])
    start = Mixture.create([0.5, 0.5], [0.0, 1e4], [0.1, 0.1])
    run = run_em(x, start, FitConfig(tol=0.0, max_iter=5))
    f = run.final
    assert f.weights[1] == 0.0
    assert f.means[1] == 1e4 and f.sds[1] == 0.1  # kept
    assert np.all(np.isfinite(run.ll))
    assert run.decrease is None


def test_zero_weight_start_is_allowed_and_finite():
    run = run_em(X, Mixture.create([1.0, 0.0], [1.0, 3.0], [1.5, 1.5]), FitConfig(max_iter=10))
    assert np.all(np.isfinite(run.ll))
    assert run.final.weights[1] == 0.0


@pytest.mark.parametrize("kwargs, message", [({"max_iter": -1}, "cap"), ({"tol": -1.0}, "tolerance"), ({"tol": float("nan")}, "tolerance")])
def test_bad_run_options(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        Trajectory(X, data.DEFAULT_START, FitConfig(**kwargs))


def test_run_can_be_stopped():
    calls = []
    tr = Trajectory(X, data.DEFAULT_START, FitConfig(tol=0.0, max_iter=100))
    tr.run(should_stop=lambda: calls.append(1) or len(calls) > 3)
    assert tr.iterations == 3
