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

from em_tui.core.config import FitConfig
from em_tui.core import data, em, hardsoft
from em_tui.core.anomaly import find_anomalies
from em_tui.errors import DataError
from em_tui.core.faults import FAULTS
from em_tui.core.init import kmeans_start, kmeanspp_seeds, random_start
from em_tui.core.model import Mixture
from em_tui.core.optima import explore, group_runs
from em_tui.core.select import best_k, select_k
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
    base = run_em(x, kmeans_start(x, k, 0), FitConfig(tol=0.0, max_iter=40))
    moved = run_em(c * x + b, kmeans_start(c * x + b, k, 0), FitConfig(tol=0.0, max_iter=40))
    assert_moved(moved.start, base.start, c, b)
    for t in (1, 40):
        assert_moved(moved.params(t), base.params(t), c, b)
    np.testing.assert_allclose(moved.ll, base.ll - n * math.log(abs(c)), rtol=1e-12, atol=1e-8)
    assert moved.decrease is None


@pytest.mark.parametrize("c", [1e-200, 1e200])
def test_a_users_start_and_a_random_start_are_moved_too(c):
    x = data.simulate(1)
    start = Mixture.create([0.3, 0.7], [0.5, 4.0], [1.0, 2.0])
    base = run_em(x, start, FitConfig(tol=0.0, max_iter=30))
    moved = run_em(c * x, Mixture.create(start.weights, c * start.means, c * start.sds), FitConfig(tol=0.0, max_iter=30))
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
        run = run_em(x, start, FitConfig(tol=0.0, max_iter=10, fault=fault))
        assert np.all(np.isfinite(run.ll)) and np.all(np.isfinite(run.final.sds))
        assert run.decrease is not None  # the banner still fires for a wrong update
    solutions = group_runs(explore(x, FitConfig(k=2, restarts=3, seed=0)))
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


# -- k-means vs EM (core/hardsoft): the same working units, mapped back -------------------------------
def three_groups(n: int) -> np.ndarray:
    rng = np.random.default_rng(4)
    return np.concatenate([rng.normal(0.0, 1.0, n // 3), rng.normal(6.0, 1.5, n // 3), rng.normal(13.0, 1.0, n - 2 * (n // 3))])


def reversed_if(c: float) -> slice:
    """The order of moved components (sorted by position) against the base ones: reversed for c < 0."""
    return slice(None, None, -1) if c < 0 else slice(None)


@pytest.mark.parametrize("c", SCALES)
@pytest.mark.parametrize("n", [200, 100_000])  # one chunk, and several (K x 43,690 each)
def test_kmeans_vs_em_on_c_x_plus_b_gives_the_moved_comparison(c, n):
    x = three_groups(n)
    b = 3.0 * c
    y = c * x + b
    rev = reversed_if(c)
    assert hardsoft.prepare(y).spread == pytest.approx(abs(c) * hardsoft.prepare(x).spread, rel=1e-12)
    # k-means: the seeds are data values, the centres and clusters those of x moved
    seeds, base_seeds = hardsoft.kmeans_seeds(y, 3, 0), hardsoft.kmeans_seeds(x, 3, 0)
    assert np.all(np.isin(seeds, y)) and np.all(np.diff(seeds) > 0)
    np.testing.assert_allclose((seeds - b) / c, base_seeds[rev], rtol=1e-9)
    km, base_km = hardsoft.kmeans_fit(y, seeds), hardsoft.kmeans_fit(x, base_seeds)
    np.testing.assert_allclose((km.centres - b) / c, base_km.centres[rev], rtol=1e-9)
    np.testing.assert_array_equal(km.sizes, base_km.sizes[rev])
    np.testing.assert_array_equal(km.labels, base_km.labels if c > 0 else 2 - base_km.labels)
    # EM with a shared sd, from soft (1.5 sd, 30 iterations) to hard (the smallest sd)
    for rung in (0, 6, hardsoft.LADDER_STEPS - 1):
        sd = hardsoft.sd_ladder(hardsoft.prepare(x).spread)[rung]
        moved = hardsoft.compare(y, 3, 0, abs(c) * sd, tol=0.0, max_iter=30)
        base = hardsoft.compare(x, 3, 0, sd, tol=0.0, max_iter=30)
        assert moved.em.sd == pytest.approx(abs(c) * base.em.sd, rel=1e-15)
        np.testing.assert_allclose((moved.em.means - b) / c, base.em.means[rev], rtol=1e-9)
        np.testing.assert_allclose(moved.em.weights, base.em.weights[rev], rtol=1e-9, atol=1e-12)
        assert moved.agreement.different == base.agreement.different
        assert moved.agreement.mean_tv == pytest.approx(base.agreement.mean_tv, rel=1e-9, abs=1e-12)
        if rung == 0:
            assert moved.em.iterations == base.em.iterations == 30
        # the responsibilities the screen draws, on a grid over the data
        grid = np.linspace(x.min(), x.max(), 97)
        g = hardsoft.shared_sd_responsibilities(c * grid + b, moved.em.means, moved.em.weights, moved.em.sd)
        g0 = hardsoft.shared_sd_responsibilities(grid, base.em.means, base.em.weights, base.em.sd)
        np.testing.assert_allclose(g, g0[rev], rtol=1e-7, atol=1e-9)


def test_shared_sd_em_keeps_the_responsibilities_and_the_sd_asked_for_at_an_extreme_scale():
    x = data.simulate(0)
    for c in (1e-250, 1e250):
        fit = hardsoft.shared_sd_em(c * x, [c * 0.5, c * 4.0], c * 0.75, tol=0.0, max_iter=20)
        base = hardsoft.shared_sd_em(x, [0.5, 4.0], 0.75, tol=0.0, max_iter=20)
        assert fit.sd == pytest.approx(c * 0.75, rel=1e-15)
        np.testing.assert_allclose(fit.means / c, base.means, rtol=1e-9)
        np.testing.assert_allclose(fit.resp, base.resp, rtol=1e-7, atol=1e-12)


def test_kmeans_seeds_have_finite_squares_at_any_scale():
    """init.kmeanspp_seeds measures the squared distances in a power of two: the same draws as at scale 1."""
    x = data.simulate(2)
    for c in (1e-300, 1e300):
        np.testing.assert_array_equal(kmeanspp_seeds(c * x, 3, np.random.default_rng(1)),
                                      c * kmeanspp_seeds(x, 3, np.random.default_rng(1)))


# -- the rest of the core at extreme scales --------------------------------------------------------
@pytest.mark.parametrize("c", [1e-200, 1e200, -1e200])
def test_the_per_slice_m_step_fits_extreme_data_in_working_units(c):
    """The M step once squared x - mu itself (inf at 1e200), and its floor, in the data's units, was inf."""
    x = data.simulate(0)
    start = Mixture.create([0.4, 0.6], [0.5, 4.0], [1.0, 1.5])
    moved_start = Mixture.create(start.weights, c * start.means + c, abs(c) * start.sds)
    p, q = em.prepare(c * x + c), em.prepare(x)
    moved = em.m_step(p, em.e_step(p, moved_start), moved_start)
    base = em.m_step(q, em.e_step(q, start), start)
    np.testing.assert_allclose(moved.weights, base.weights, rtol=1e-12)
    np.testing.assert_allclose((moved.means - c) / c, base.means, rtol=1e-12)
    np.testing.assert_allclose(moved.sds / abs(c), base.sds, rtol=1e-12)


@pytest.mark.parametrize("c", [1e-200, 1e200])
def test_anomalies_are_the_same_points_at_any_scale(c):
    x = data.simulate(0)
    base_run, run = run_em(x, kmeans_start(x, 2, 0)), run_em(c * x, kmeans_start(c * x, 2, 0))
    found, base = find_anomalies(c * x, run.final, 0.05), find_anomalies(x, base_run.final, 0.05)
    np.testing.assert_array_equal(found.index, base.index)
    np.testing.assert_allclose(found.log_density, base.log_density - math.log(c), rtol=1e-9)
    assert found.threshold == pytest.approx(base.threshold - math.log(c), rel=1e-9)


@pytest.mark.parametrize("c", [1e-200, 1e200])
def test_choosing_k_at_an_extreme_scale_gives_the_same_k(c):
    x = data.load_dataset("galaxies").values
    rows, base = select_k(c * x, 4, FitConfig(init="kmeans", restarts=2)), select_k(x, 4, FitConfig(init="kmeans", restarts=2))
    assert [r.k for r in rows] == [r.k for r in base]
    for r, b in zip(rows, base):
        assert r.log_likelihood == pytest.approx(b.log_likelihood - x.size * math.log(c), rel=1e-9)
        assert r.bic - b.bic == pytest.approx(2 * x.size * math.log(c), rel=1e-9)
        assert r.collapsed == b.collapsed
    assert best_k(rows, "bic") == best_k(base, "bic") and best_k(rows, "aic") == best_k(base, "aic")


@pytest.mark.parametrize("c", [1e-200, 1e200])
def test_the_data_summary_is_right_at_any_scale(c):
    x = data.simulate(0)
    got = data.summary(c * x)
    assert got["sd"] == pytest.approx(c * float(np.std(x)), rel=1e-12)
    assert got["mean"] == pytest.approx(c * float(np.mean(x)), rel=1e-12)
    assert (got["n"], got["min"], got["max"]) == (x.size, float((c * x).min()), float((c * x).max()))
