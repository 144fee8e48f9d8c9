"""A start's weights: what "sums to 1" means (Mixture.create's test, which the start editor asks first)
and the start editor's normalise (the weights divided by their sum, refused where that means nothing)."""

import numpy as np
import pytest

from em_tui.core.model import WEIGHT_SUM_TOL, Mixture, normalised, sums_to_one
from em_tui.errors import ParameterError


def test_sums_to_one_is_the_test_mixture_create_makes():
    for w in ([0.5, 0.5], [1 / 3] * 3, [0.3, 0.3 + WEIGHT_SUM_TOL / 2, 0.4], [0.2, 0.2, 0.7], [0.5, 0.5 + 2 * WEIGHT_SUM_TOL]):
        k = len(w)
        if sums_to_one(w):
            assert Mixture.create(w, np.arange(k), np.ones(k), k=k).weights.sum() == pytest.approx(1.0, abs=1e-15)
        else:
            with pytest.raises(ParameterError, match="weights sum to"):
                Mixture.create(w, np.arange(k), np.ones(k), k=k)
    assert sums_to_one([0.5, 0.5]) and not sums_to_one([0.2, 0.2, 0.7])


def test_normalised_divides_by_the_sum_or_says_why_not():
    np.testing.assert_allclose(normalised([1, 3]), [0.25, 0.75], rtol=0, atol=1e-16)
    np.testing.assert_allclose(normalised([2, 2, 4]), [0.25, 0.25, 0.5], rtol=0, atol=1e-16)
    for bad in ([0, 0], [-1, 2], [np.nan, 1], [np.inf, 1]):
        with pytest.raises(ParameterError, match="weights must be ≥ 0 with a positive sum"):
            normalised(bad)
