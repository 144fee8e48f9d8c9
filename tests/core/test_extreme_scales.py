"""Data far beyond 1e±153 (where squares overflow or underflow) are fitted exactly: the engine fits
them scaled by a power of two and maps the results back, so fitting c·x + b gives c·μ + b, |c|·σ, the
same π and LL − N·log|c| (README, "Numbers you can check"), with no NumPy warning on the way."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from em_tui.core import data, em
from em_tui.core.errors import DataError
from em_tui.core.faults import FAULTS
from em_tui.core.init import kmeans_start, random_start
from em_tui.core.model import Mixture
from em_tui.core.optima import explore, group_runs
from em_tui.core.trajectory import run_em

pytestmark = pytest.mark.filterwarnings("error")  # a NumPy RuntimeWarning fails the test

SCALES = [1e-200, 1e200, -1e200, 1e-300, 1e300]


def assert_moved(moved: Mixture, base: Mixture, c: float, b: float) -> None:
    """``moved`` is ``base`` after x -> c·x + b (components matched by mean, as c may be negative)."""
    m, f = moved.sorted_by_mean(), base.sorted_by_mean()
    order = slice(None, None, -1) if c < 0 else slice(None)
    np.testing.assert_allclose(m.weights, f.weights[order], rtol=1e-9)
    np.testing.assert_allclose((m.means - b) / c, f.means[order], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(m.sds / abs(c), f.sds[order], rtol=1e-9)


@pytest.mark.parametrize("c", SCALES)
@pytest.mark.parametrize("n, k", [(200, 2), (200, 3), (10_000, 2), (10_000, 3)])  # small and chunked passes
def test_fitting_c_x_plus_b_gives_the_moved_fit(c, n, k):
    x = data.simulate(0, n)
    b = 3.0 * c
    base = run_em(x, kmeans_start(x, k, 0), tol=0.0, max_iter=40)
    moved = run_em(c * x + b, kmeans_start(c * x + b, k, 0), tol=0.0, max_iter=40)
    assert_moved(moved.start, base.start, c, b)
    for t in (1, 40):
        assert_moved(moved.params(t), base.params(t), c, b)
    np.testing.assert_allclose(moved.ll, base.ll - n * math.log(abs(c)), rtol=1e-12, atol=1e-8)
    assert moved.decrease is None


@pytest.mark.parametrize("c", [1e-200, 1e200])
def test_a_users_start_and_a_random_start_are_moved_too(c):
    x = data.simulate(1)
    start = Mixture.create([0.3, 0.7], [0.5, 4.0], [1.0, 2.0])
    base = run_em(x, start, tol=0.0, max_iter=30)
    moved = run_em(c * x, Mixture.create(start.weights, c * start.means, c * start.sds), tol=0.0, max_iter=30)
    assert_moved(moved.final, base.final, c, 0.0)
    assert moved.ll_at(30) == pytest.approx(base.ll_at(30) - x.size * math.log(c), rel=1e-12)
    assert_moved(random_start(c * x, 3, 5), random_start(x, 3, 5), c, 0.0)
    # the data's own figures that the screens read
    p, q = em.prepare(c * x), em.prepare(x)
    assert p.sd == pytest.approx(c * q.sd, rel=1e-12)
    assert p.sd_floor == pytest.approx(c * q.sd_floor, rel=1e-12)
    assert em.log_likelihood(p, moved.final) == pytest.approx(moved.ll_at(30), rel=1e-12)


def test_a_tiny_scale_is_no_longer_floored_to_nonsense():
    """At 1e-200 the variance (1e-400) underflowed: every sigma was floored at about 1.5e-154."""
    x = data.simulate(0) * 1e-200
    run = run_em(x, kmeans_start(x, 2, 0))
    assert np.all(run.final.sds < 1e-199) and np.all(run.final.sds > 1e-201)


def test_faults_and_the_local_optima_run_at_extreme_scales():
    x = data.simulate(0) * 1e200
    start = Mixture.create([0.5, 0.5], [1e200, 3e200], [1.5e200, 1.5e200])
    for fault in FAULTS.values():
        run = run_em(x, start, tol=0.0, max_iter=10, update=fault.update)
        assert np.all(np.isfinite(run.ll)) and np.all(np.isfinite(run.final.sds))
        assert run.decrease is not None  # the banner still fires for a wrong update
    solutions = group_runs(explore(x, 2, 3, 0))
    assert solutions and all(np.isfinite(s.ll) for s in solutions)


@pytest.mark.parametrize("values", [[1e305, -1e305, 3.0, 4.0], [1e-305, -1e-305, 3e-305, 4e-305]])
def test_data_spread_beyond_the_limits_are_refused(values):
    with pytest.raises(DataError, match=r"the data spread over .* em-tui fits data whose spread is between "
                                        r"1e-301 and 1e301"):
        em.prepare(values)


@pytest.mark.parametrize("c", [1e-200, 1e200])
def test_the_cli_fits_extreme_data_without_a_warning(tmp_path, c):
    x = data.simulate(0)
    path = tmp_path / "x.csv"
    path.write_text("\n".join(repr(float(v)) for v in c * x) + "\n")
    out = subprocess.run([sys.executable, "-W", "error", "-m", "em_tui", "fit", str(path), "--k", "2", "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stderr == ""
    doc = json.loads(out.stdout)
    base = run_em(x, kmeans_start(x, 2, 0))
    np.testing.assert_allclose(np.array(doc["means"]) / c, np.sort(base.final.means), rtol=1e-6)
    np.testing.assert_allclose(np.array(doc["sds"]) / c, base.final.sorted_by_mean().sds, rtol=1e-6)
    assert doc["final_log_likelihood"] == pytest.approx(base.ll[-1] - x.size * math.log(c), rel=1e-9)
    assert doc["ll_decrease"] is None
