import numpy as np
import pytest

from em_tui.errors import ParameterError
from em_tui.core.model import Mixture


def test_density_integrates_to_one_and_matches_components():
    m = Mixture.create([0.3, 0.7], [-1.0, 2.0], [0.5, 1.5])
    grid = np.linspace(-10, 14, 20001)
    dens = m.density(grid)
    assert np.trapezoid(dens, grid) == pytest.approx(1.0, abs=1e-9)
    comp = m.weighted_component_densities(grid)
    assert comp.shape == (2, grid.size)
    np.testing.assert_allclose(comp.sum(axis=0), dens, rtol=1e-12)
    # the textbook formula at one point
    x = 0.25
    expect = 0.3 * np.exp(-((x + 1) ** 2) / (2 * 0.25)) / (0.5 * np.sqrt(2 * np.pi)) + 0.7 * np.exp(
        -((x - 2) ** 2) / (2 * 2.25)
    ) / (1.5 * np.sqrt(2 * np.pi))
    assert m.density([x])[0] == pytest.approx(expect, rel=1e-13)


def test_log_density_far_from_every_component_is_finite():
    m = Mixture.create([0.5, 0.5], [0.0, 1.0], [1.0, 1.0])
    ld = m.log_density([1e4])[0]
    assert np.isfinite(ld)
    assert ld == pytest.approx(-0.5 * (1e4 - 1) ** 2 + np.log(0.5) - 0.5 * np.log(2 * np.pi), rel=1e-12)


def test_sampling_follows_the_weights_and_is_reproducible():
    m = Mixture.create([0.25, 0.75], [-5.0, 5.0], [0.1, 0.1])
    a = m.sample(20000, np.random.default_rng(3))
    b = m.sample(20000, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert np.mean(a < 0) == pytest.approx(0.25, abs=0.01)


def test_model_is_immutable():
    m = Mixture.create([0.5, 0.5], [0.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError):
        m.means[0] = 3.0
    with pytest.raises(AttributeError):
        m.means = np.zeros(2)


@pytest.mark.parametrize(
    "w, mu, sd, message",
    [
        ([0.5, 0.5], [0, 1], [1, -1], "standard deviation of component 2 is -1"),
        ([0.5, 0.5], [0, 1], [1, 0], "greater than 0"),
        ([0.6, 0.6], [0, 1], [1, 1], "sum to 1.2"),
        ([-0.5, 1.5], [0, 1], [1, 1], "cannot be negative"),
        ([0.5, 0.5], [0, float("nan")], [1, 1], "finite"),
        ([0.5, 0.5], [0, 1, 2], [1, 1], "every component needs"),
        ([0.1] * 10, list(range(10)), [1] * 10, "between 1 and 8"),
        ([], [], [], "between 1 and 8"),
    ],
)
def test_validation_messages(w, mu, sd, message):
    with pytest.raises(ParameterError, match=message):
        Mixture.create(w, mu, sd)


def test_validation_against_k():
    with pytest.raises(ParameterError, match="K is 3 but 2 weights"):
        Mixture.create([0.5, 0.5], [0, 1], [1, 1], k=3)


def test_weights_within_tolerance_are_accepted():
    Mixture.create([0.5, 0.5 + 5e-7], [0, 1], [1, 1])


def test_ranks_by_mean_invert_the_order_and_keep_ties_in_place():
    from em_tui.core.model import rank_by_mean, ranks_by_mean

    means = [3.0, -1.0, 3.0, 0.5, -1.0]
    order = rank_by_mean(means)
    assert order.tolist() == [1, 4, 3, 0, 2]  # a stable sort: equal means keep their order
    rank = ranks_by_mean(means)
    assert rank.tolist() == [3, 0, 4, 2, 1]
    assert rank[order].tolist() == list(range(5)) and order[rank].tolist() == list(range(5))
    model = Mixture.create([0.2] * 5, means, [1.0] * 5)
    assert model.ranks().tolist() == rank.tolist()
