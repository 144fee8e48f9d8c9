"""A data set is prepared once, when it is loaded; the start, the run and the searches take that form.

The counter (the ``preparations`` fixture) wraps the public ``em.prepare`` under every name an em_tui
module holds it by, so a call from anywhere in the core, or from the command line, is seen.
"""

from __future__ import annotations

import numpy as np
import pytest

from em_tui.core.config import FitConfig
from em_tui import cli
from em_tui.core import data, em, hardsoft
from em_tui.core.init import multi_start, seeded_start
from em_tui.core.optima import explore
from em_tui.core.select import select_k
from em_tui.core.trajectory import Trajectory


@pytest.fixture
def calls(preparations) -> dict[str, int]:
    return preparations


def test_from_a_data_set_to_the_first_iteration_the_data_are_prepared_once(calls):
    ds = data.simulated(0)  # the lesson's data set, as the app loads it
    x = em.prepare(data.validate_data(ds.values))
    start = seeded_start(x, 2, "kmeans", 0)
    run = Trajectory(x, start, FitConfig(max_iter=5))
    assert run.step() and run.iterations == 1
    assert run.data is x
    assert calls == {"prepare": 1, "work": 1}


def test_the_searches_take_the_prepared_data_as_they_are(calls):
    x = em.prepare(data.load_dataset("old-faithful-waiting").values)
    best = multi_start(x, FitConfig(k=2, restarts=2, seed=0, init="kmeans", max_iter=20)).best
    assert best.data is x
    rows = select_k(x, 2, FitConfig(init="kmeans", restarts=1, max_iter=20))
    assert all(r.run.data is x for r in rows)
    runs = explore(x, FitConfig(k=2, restarts=1, seed=0, max_iter=20))
    assert all(r.run.data is x for r in runs)
    hardsoft.compare(x, 2, 0, 1.0)
    assert calls == {"prepare": 1, "work": 1}


def test_the_command_line_prepares_its_data_once(calls, capsys):
    assert cli.main(["fit", "--dataset", "galaxies", "--k", "3", "--restarts", "2", "--json"]) == 0
    assert capsys.readouterr().out.strip().startswith("{")
    assert calls == {"prepare": 1, "work": 1}


def test_a_plain_array_is_refused_where_prepared_data_are_required():
    x = data.simulate(0)
    with pytest.raises(TypeError, match="prepared data"):
        em.e_step(x, data.DEFAULT_START)
    with pytest.raises(TypeError, match="prepared data"):
        em.m_step(x, em.e_step(em.prepare(x), data.DEFAULT_START), data.DEFAULT_START)
    p = em.prepare(x)
    assert em.prepare(p) is p
    assert np.isfinite(em.log_likelihood(p, data.DEFAULT_START))
