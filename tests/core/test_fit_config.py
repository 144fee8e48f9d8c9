"""The fit configuration reaches the engine whole: every run (a trajectory, the best of several starts,
the choice of K, the local optima, the dialogs' searches, a session) runs as its FitConfig says, so a
setting such as the variance model is one field and its use in the M step (the equal-variance run
against scikit-learn's tied mixture: tests/core/test_variance_models.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from em_tui.core import data, em
from em_tui.core.config import VARIANCE_MODELS, FitConfig
from em_tui.core.faults import FAULTS, get_fault
from em_tui.core.init import multi_start
from em_tui.core.model import K_MAX, K_MIN, Mixture, check_k, free_parameters
from em_tui.core.optima import explore
from em_tui.core.select import bic, select_k
from em_tui.core.trajectory import Trajectory
from em_tui.errors import ParameterError, Refused, UsageError
from em_tui.session import dialogs
from em_tui.session.scenario import Scenario
from em_tui.session.session import Session

EQUAL = FitConfig(variance="equal")


def pooled(model: Mixture) -> bool:
    """Every component has the same sd (the pooled M step's result)."""
    return bool(np.all(model.sds == model.sds[0]))


def test_the_searches_run_the_configurations_variance_model():
    x = data.simulate(1, 400)
    best = multi_start(x, EQUAL.but(k=3, init="kmeans", restarts=2, max_iter=50)).best
    assert pooled(best.final) and best.config.variance == "equal"
    rows = select_k(x, 3, EQUAL.but(init="kmeans", restarts=2, max_iter=50))
    assert [r.k for r in rows] == [1, 2, 3] and all(pooled(r.model) for r in rows)
    # BIC counts one sd for all the components: p = 2K
    assert rows[2].bic == pytest.approx(bic(rows[2].log_likelihood, 3, x.size, "equal"))
    assert rows[2].bic == pytest.approx(-2 * rows[2].log_likelihood + 6 * math.log(x.size))
    runs = explore(x, EQUAL.but(k=2, restarts=2, max_iter=50), current=data.DEFAULT_START)
    assert len(runs) == 5 and all(pooled(r.final) for r in runs)


def test_the_dialogs_searches_take_the_configuration_and_run_correct_em():
    x = data.simulate(2, 300)
    config = EQUAL.but(max_iter=40, seed=3)
    runs = dialogs.local_optima(x, config.but(restarts=2), data.DEFAULT_START, should_stop=lambda: False,
                                progress=lambda done, total: None)
    assert len(runs) == 5 and all(pooled(r.final) and r.run.fault is None and r.run.config.seed == 3 for r in runs)
    faulty = FitConfig(fault="divide-by-n", max_iter=40, seed=3, restarts=2)  # the searches compare correct EM
    assert all(r.run.fault is None for r in dialogs.local_optima(x, faulty, data.DEFAULT_START,
                                                                 should_stop=lambda: False,
                                                                 progress=lambda done, total: None))
    seen: list = []  # the rows shown so far, each time a K is finished
    rows = dialogs.choose_k(x, config, should_stop=lambda: len(seen) >= 2, progress=lambda done, total: None,
                            on_row=seen.append)
    assert [r.k for r in rows] == [1, 2] and all(pooled(r.model) for r in rows)
    rows = dialogs.choose_k(x, faulty, should_stop=lambda: False, progress=lambda done, total: None,
                            on_row=lambda rows: None)
    assert all(r.run.fault is None for r in rows)
    assert rows[1].run.config.restarts == dialogs.CHOOSE_K_RESTARTS and rows[1].run.config.init == "kmeans"


def test_a_session_runs_its_scenarios_variance_model():
    session = Session(Scenario(config=EQUAL.but(max_iter=30)))
    session.step()
    assert session.t == 1
    assert session.trajectory.config.variance == "equal" and pooled(session.trajectory.params(1))
    assert not pooled(Session().trajectory.run().final)  # the lesson's: one sd per component


@pytest.mark.parametrize("name", list(FAULTS))
def test_a_faulty_run_is_the_faults_m_step_in_one_call(name):
    x = em.prepare(data.simulate(0, 300))
    start = data.DEFAULT_START
    run = Trajectory(x, start, FitConfig(fault=name, tol=0.0, max_iter=3)).run()
    params = start
    for t in range(1, 4):
        params = get_fault(name).m_step(x, em.e_step(x, params), params)
        assert run.params(t) == params  # bit for bit
    # a Fault given as itself is kept by its name
    assert FitConfig(fault=get_fault(name)).fault == name


def test_runs_like_compares_what_changes_a_run():
    base = FitConfig()
    assert base.runs_like(base.but(k=3, init="kmeans", restarts=4, seed=9))
    for change in ({"tol": 1e-3}, {"max_iter": 5}, {"fault": "forgot-sqrt"}, {"variance": "equal"}):
        assert not base.runs_like(base.but(**change))


def test_the_configurations_defaults_are_the_lessons():
    config = FitConfig()
    assert config.k == data.DEFAULT_START.k and config.seed == data.DEFAULT_SEED
    assert Scenario.build().k == data.DEFAULT_START.k
    assert VARIANCE_MODELS == ("unequal", "equal")
    with pytest.raises(ParameterError, match="the variance model must be one of unequal, equal, got 'fixed'"):
        FitConfig(variance="fixed")
    with pytest.raises(TypeError, match="FitConfig"):
        Trajectory(data.simulate(0, 50), data.DEFAULT_START, 1e-6)


def test_one_k_check_in_each_callers_words():
    assert check_k(3) == 3 and check_k(np.int64(K_MAX)) == K_MAX and check_k(" 2 ") == 2
    with pytest.raises(ParameterError, match=rf"^K must be between {K_MIN} and {K_MAX}, got 9$"):
        check_k(9)
    with pytest.raises(ParameterError, match=r"^K must be a whole number, got '1.5'$"):
        check_k(1.5)
    with pytest.raises(Refused, match=rf"^K must be from {K_MIN} to {K_MAX}, got 0$"):
        check_k(0, error=Refused, form="range")
    with pytest.raises(ParameterError, match=rf"^K must be a whole number from {K_MIN} to {K_MAX}, got 9$"):
        FitConfig(k=9)
    with pytest.raises(UsageError, match=rf"^--k must be between {K_MIN} and {K_MAX} in the app, got 0$"):
        check_k("0", name="--k", error=UsageError, why=" in the app")
    with pytest.raises(ParameterError, match=rf"^the largest K must be between {K_MIN} and {K_MAX}, got 9$"):
        select_k(data.simulate(0, 50), 9)
    assert [free_parameters(k) for k in (1, 2, 8)] == [2, 5, 23]
    assert free_parameters(3, "fixed") == 5


def test_a_teaching_fault_is_refused_with_a_variance_model_it_does_not_belong_to():
    """The faults are wrong versions of the one-σ-per-component M step; with a pooled σ they would mean
    something else (divide-by-n is the pooled formula), so the configuration refuses the pair."""
    import pytest
    from em_tui.core.config import FitConfig
    from em_tui.errors import ParameterError

    for fault in ("unnormalised", "divide-by-n", "forgot-sqrt"):
        with pytest.raises(ParameterError, match="teaching faults are mistakes in the M step with one σ"):
            FitConfig(fault=fault, variance="equal")
    assert FitConfig(fault="divide-by-n").variance == "unequal" and FitConfig(variance="equal").fault is None
