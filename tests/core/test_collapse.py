"""σ ≈ 0 is judged against the data's spacing (the typical gap between neighbouring values), not against
their sd, which the gaps between clusters inflate: clusters far apart are fitted as the closed form
says and never taken for collapses, while a component on tied values is, and a sound start beats it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from em_tui.core.config import FitConfig
from em_tui.core.init import MultiStart, kmeans_start, multi_start
from em_tui.core.model import Mixture, collapsed_components
from em_tui.core.prepared import SD_FLOOR_REL, prepare, spacing_of
from em_tui.core.select import best_k, select_k
from em_tui.core.trajectory import Trajectory, run_em


def separated(sizes, centres, sds, seed):
    """Clusters far apart, drawn in turn: cluster j has sizes[j] points N(centres[j], sds[j]^2)."""
    rng = np.random.default_rng(seed)
    return [rng.normal(c, s, n) for n, c, s in zip(sizes, centres, sds)]


def closed_form(clusters) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The MLE of a mixture whose clusters do not overlap (each one's density is 0 in double precision at
    the others' points): each cluster's share, mean and sd (dividing by its n), and the LL they give,
    sum_j n_j log pi_j - n_j / 2 (log(2 pi sigma_j^2) + 1)."""
    n = sum(c.size for c in clusters)
    w = np.array([c.size / n for c in clusters])
    mu = np.array([c.mean() for c in clusters])
    sd = np.array([c.std() for c in clusters])
    ll = sum(c.size * math.log(p) - 0.5 * c.size * (math.log(2 * math.pi * s * s) + 1.0)
             for c, p, s in zip(clusters, w, sd))
    return w, mu, sd, ll


def test_clusters_ten_million_apart_get_their_own_sigmas():
    """1000 points N(0, 1) and 100 points N(10⁷, 1): the floor was 10⁻⁶ × sd(x) = 2.87, so both σ read 2.87."""
    clusters = separated([1000, 100], [0.0, 1e7], [1.0, 1.0], seed=1)
    x = np.concatenate(clusters)
    w, mu, sd, ll = closed_form(clusters)
    assert np.std(x) > 2e6  # the sd the old floor was relative to
    run = run_em(x, kmeans_start(x, 2, 0))
    fit = run.final.sorted_by_mean()
    np.testing.assert_allclose(fit.weights, w, rtol=1e-12)
    np.testing.assert_allclose(fit.means, mu, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(fit.sds, sd, rtol=1e-9)
    assert run.ll[-1] == pytest.approx(ll, rel=1e-12)
    assert run.converged and run.decrease is None
    assert collapsed_components(run.final, prepare(x)) == []


def test_clusters_three_thousand_apart_are_chosen_as_two():
    """N(0, 1) and N(3000, 1), 500 points each: K = 2 was marked collapsed (σ = 1 < 10⁻³ × sd(x) = 1.5)."""
    clusters = separated([500, 500], [0.0, 3000.0], [1.0, 1.0], seed=2)
    x = np.concatenate(clusters)
    rows = select_k(x, 3)
    two = rows[1]
    assert not two.collapsed and best_k(rows, "bic") == 2
    w, mu, sd, ll = closed_form(clusters)
    fit = two.model.sorted_by_mean()
    np.testing.assert_allclose(fit.sds, sd, rtol=1e-9)
    np.testing.assert_allclose(fit.means, mu, rtol=1e-12, atol=1e-9)
    assert two.log_likelihood == pytest.approx(ll, rel=1e-12)


def test_a_cluster_far_narrower_than_the_rest_is_not_a_collapse():
    """A cluster of 100 values 10⁵ times narrower than the other one: near the floor's range, but of many
    values, so not collapsed; its σ is the closed form's, above the floor."""
    clusters = separated([1000, 100], [0.0, 50.0], [1.0, 1e-5], seed=3)
    x = np.concatenate(clusters)
    data = prepare(x)
    w, mu, sd, ll = closed_form(clusters)
    assert sd[1] < 100 * data.sd_floor  # as narrow as a collapse may be
    run = run_em(data, kmeans_start(data, 2, 0))
    np.testing.assert_allclose(run.final.sorted_by_mean().sds, sd, rtol=1e-9)
    assert run.ll[-1] == pytest.approx(ll, rel=1e-12)
    assert collapsed_components(run.final, data) == []


def ties_and_noise(seed: int = 2) -> np.ndarray:
    """200 points N(0, 3) (NumPy's legacy generator, whose stream never changes) and 50 ties at 5.0."""
    return np.concatenate([np.random.RandomState(seed).normal(0.0, 3.0, 200), np.full(50, 5.0)])


def test_a_component_on_tied_values_has_collapsed_at_the_floor():
    x = ties_and_noise()
    data = prepare(x)
    start = Mixture.create([0.4, 0.4, 0.2], [-2.0, 2.0, 5.0], [2.0, 2.0, 0.01])
    run = run_em(data, start)
    assert run.final.sds[2] == data.sd_floor  # the floor, exactly
    assert collapsed_components(run.final, data) == [2]
    # σ as small, just off the ties: no point within 3σ, a component on no value at all (σ ≈ 0 still)
    moved = Mixture.create(run.final.weights, [run.final.means[0], run.final.means[1], 5.0 + 1e-3],
                           run.final.sds)
    assert collapsed_components(moved, data) == [2]
    wide = Mixture.create(run.final.weights, run.final.means, [run.final.sds[0], run.final.sds[1], 0.5])
    assert collapsed_components(wide, data) == []


def test_the_best_of_several_starts_is_a_sound_one_when_there_is_one():
    """A collapsed run's LL beats every sound fit's (it grows without bound): it is kept only if every start collapsed."""
    data = prepare(ties_and_noise())
    on_ties = Trajectory(data, Mixture.create([0.4, 0.4, 0.2], [-2.0, 2.0, 5.0], [2.0, 2.0, 0.01])).run()
    sound = Trajectory(data, Mixture.create([0.3, 0.4, 0.3], [-4.0, 0.0, 4.0], [2.0, 2.0, 2.0])).run()
    assert collapsed_components(sound.final, data) == [] and on_ties.ll[-1] > sound.ll[-1] + 100
    ms = MultiStart([on_ties, sound])
    assert ms.collapsed == [True, False] and not ms.all_collapsed
    assert ms.best_index == 1 and ms.best is sound
    only = MultiStart([on_ties, on_ties])
    assert only.all_collapsed and only.best_index == 0


def test_random_starts_keep_their_sound_run():
    """--k 3 --init random --restarts 20 on 200 points N(0, 3) and 50 ties at 5.0: the highest LL is a
    collapsed run's; the one kept is the best of the sound ones."""
    data = prepare(ties_and_noise())
    ms = multi_start(data, FitConfig(k=3, init="random", restarts=20, seed=0))
    lls, collapsed = ms.final_lls, ms.collapsed
    assert any(collapsed) and not all(collapsed)
    assert collapsed[int(np.argmax(lls))]  # the highest LL collapsed
    assert not collapsed[ms.best_index]
    assert ms.final_lls[ms.best_index] == max(ll for ll, c in zip(lls, collapsed) if not c)


def test_the_spacing_is_the_typical_gap_and_moves_with_the_data():
    # evenly spaced values: every gap is the spacing; ties count once; clusters apart do not widen it
    assert spacing_of(np.arange(10.0) * 0.25) == 0.25
    assert spacing_of(np.repeat(np.arange(10.0), 7)) == 1.0
    assert spacing_of(np.concatenate([np.arange(50.0), 1e9 + np.arange(50.0)])) == 1.0
    assert spacing_of(np.full(5, 3.0)) == 0.0
    # more than 65,536 points: every n-th, its median gap divided by n
    x = np.arange(200_000.0) * 0.5
    assert spacing_of(x) == pytest.approx(0.5, rel=1e-12)
    # exact under a power of two, negative or not; the floor follows
    y = np.random.default_rng(5).normal(0, 1, 300)
    for c in (2.0 ** 40, -(2.0 ** -40)):
        assert spacing_of(c * y) == abs(c) * spacing_of(y)
        assert prepare(c * y).sd_floor == abs(c) * prepare(y).sd_floor
    assert prepare(y).sd_floor == SD_FLOOR_REL * spacing_of(y)


@pytest.mark.parametrize("c", [1e-200, 1e200])
def test_a_collapse_is_found_at_extreme_scales(c):
    x = ties_and_noise()
    start = Mixture.create([0.4, 0.4, 0.2], [-2.0, 2.0, 5.0], [2.0, 2.0, 0.01])
    base = run_em(x, start)
    moved = run_em(c * x, Mixture.create(start.weights, c * start.means, c * start.sds))
    assert collapsed_components(moved.final, prepare(c * x)) == collapsed_components(base.final, prepare(x)) == [2]
    assert moved.final.sds[2] == pytest.approx(c * base.final.sds[2], rel=1e-12)
