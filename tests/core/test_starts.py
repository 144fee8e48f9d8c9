"""Starts that a correct EM must not be blamed for: weights that sum to 1 only within the tolerance
are divided by their sum, and a standard deviation below the data's variance floor is refused with
the floor in the message (EM keeps every sigma at or above it, so from below it LL could fall)."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from em_tui.cli import main
from em_tui.core import data, em
from em_tui.errors import ParameterError
from em_tui.core.config import FitConfig
from em_tui.core.init import user_start
from em_tui.core.model import Mixture
from em_tui.core.trajectory import Trajectory, run_em


@pytest.mark.parametrize("excess", [9e-7, -9e-7])
def test_weights_within_the_tolerance_are_normalised_and_a_correct_em_never_falls(excess):
    x = data.simulate(0, 100_000)
    start = Mixture.create([0.5 + excess, 0.5], [1.0, 3.0], [1.5, 1.5])
    assert math.fsum(start.weights.tolist()) == 1.0
    assert start.weights[0] / start.weights[1] == pytest.approx(1 + 2 * excess, rel=1e-12)  # proportions kept
    run = run_em(x, start, FitConfig(tol=0.0, max_iter=5))
    assert run.decrease is None
    # LL[0] is the likelihood of the normalised start
    assert run.ll[0] == em.log_likelihood(run.data, Mixture.create([0.5 + excess, 0.5], [1.0, 3.0], [1.5, 1.5]))


def test_weights_beyond_the_tolerance_are_refused():
    with pytest.raises(ParameterError, match=r"weights sum to 1\.000002; they must sum to 1 \(within 1e-06\)"):
        Mixture.create([0.500002, 0.5], [1.0, 3.0], [1.5, 1.5])


def test_weights_that_already_sum_to_one_are_kept_exactly():
    start = Mixture.create([0.25, 0.75], [1.0, 3.0], [1.5, 1.5])
    np.testing.assert_array_equal(start.weights, [0.25, 0.75])


def _below_floor_start(x: np.ndarray) -> Mixture:
    """A spike on a data point, its sigma a tenth of the floor: LL[0] is huge, and EM must lift that sigma."""
    floor = em.prepare(x).sd_floor
    return Mixture.create([0.5, 0.5], [float(x[0]), 3.0], [0.1 * floor, 1.5])


def test_a_sigma_below_the_floor_is_refused_with_the_floor():
    x = data.simulate(0)
    floor = em.prepare(x).sd_floor
    start = _below_floor_start(x)
    with pytest.raises(ParameterError, match=r"standard deviation of component 1 is .*; on these data it must "
                                             r"be at least \S+ ") as refused:
        Trajectory(x, start)
    shown = re.search(r"must be at least (\S+) ", str(refused.value)).group(1)  # the floor, as the message words it
    assert float(shown) >= floor
    with pytest.raises(ParameterError, match="at least"):
        user_start(start.weights, start.means, start.sds, data=x)
    # the value shown is enough: a start at it is taken, and a correct EM from there never falls
    at_floor = Mixture.create([0.5, 0.5], [float(x[0]), 3.0], [float(shown), 1.5])
    run = run_em(x, at_floor, FitConfig(tol=0.0, max_iter=30))
    assert run.decrease is None and run.final.sds[0] >= floor


def test_the_cli_refuses_a_sigma_below_the_floor(capsys):
    x = data.simulate(0)
    sd = 0.1 * em.prepare(x).sd_floor
    code = main(["fit", "--means", f"{float(x[0])!r},3", "--sds", f"{float(sd)!r},1.5", "--json"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: standard deviation of component 1 is")
    assert "must be at least" in lines[0]


def test_the_cli_normalises_weights_within_the_tolerance(capsys):
    code = main(["fit", "--weights", "0.5000009,0.5", "--json", "--n", "100000", "--iterations", "5", "--tol", "0"])
    out, _ = capsys.readouterr()
    doc = json.loads(out)
    assert code == 0 and doc["ll_decrease"] is None
    assert math.fsum(doc["start"]["weights"]) == 1.0
