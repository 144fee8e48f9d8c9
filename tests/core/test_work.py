"""The worked arithmetic of one iteration against a hand computation written out here, and the grading
of a student's numbers (right, wrong, and each classic slip named).

The six numbers 1.1, 1.3, 0.9, 5.2, 4.8, 5.0 from the start π = (0.5, 0.5), μ = (1, 5), σ = (1, 1):
a hand exercise, each step below done as a student does it (formula, numbers plugged in)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from em_tui.core import em, grade, work
from em_tui.core.config import FitConfig
from em_tui.core.faults import FAULTS
from em_tui.core.model import Mixture
from em_tui.core.trajectory import run_em

X = [1.1, 1.3, 0.9, 5.2, 4.8, 5.0]
START = Mixture.create([0.5, 0.5], [1.0, 5.0], [1.0, 1.0])


def normal(x, mu, sd):
    return math.exp(-((x - mu) / sd) ** 2 / 2) / (sd * math.sqrt(2 * math.pi))


def hand_e_step(x):
    """γ of every point by hand: π_k N(x | μ_k, σ_k) / Σ_j π_j N(x | μ_j, σ_j)."""
    rows = []
    for xi in x:
        a, b = 0.5 * normal(xi, 1.0, 1.0), 0.5 * normal(xi, 5.0, 1.0)
        rows.append((a / (a + b), b / (a + b), a + b))
    return rows


def test_the_e_step_at_point_4_is_written_out_number_by_number():
    pw = work.point_work(5.2, 3, START)
    c1, c2 = pw.components
    assert pw.index == 4 and pw.x == 5.2
    # component 1: z = (5.2 − 1) / 1 = 4.2, exponent −4.2² / 2 = −8.82
    assert c1.z == pytest.approx(4.2, rel=1e-15) and c1.exponent == pytest.approx(-8.82, rel=1e-15)
    assert c1.density == pytest.approx(math.exp(-8.82) / math.sqrt(2 * math.pi), rel=1e-14)
    assert f"{c1.density:.6g}" == "5.89431e-05"
    # component 2: z = 0.2, exponent −0.02, N = e^−0.02 / √(2π) = 0.391043
    assert c2.exponent == pytest.approx(-0.02, rel=1e-12) and f"{c2.density:.6g}" == "0.391043"
    assert f"{c1.weighted:.6g}" == "2.94715e-05" and f"{c2.weighted:.6g}" == "0.195521"
    assert f"{pw.density:.6g}" == "0.195551"  # p(x) = 2.94715e-05 + 0.195521
    assert f"{c1.responsibility:.6g}" == "0.00015071" and f"{c2.responsibility:.6g}" == "0.999849"
    # the log domain: l_k = log 0.5 − log 1 − ½ log 2π + exponent; the shift is the larger, l_2
    half_log_2pi = 0.5 * math.log(2 * math.pi)
    assert c1.log_term == pytest.approx(math.log(0.5) - half_log_2pi - 8.82, rel=1e-14)
    assert pw.shift == c2.log_term and c2.shifted == 1.0
    assert c1.shifted == pytest.approx(math.exp(-8.8), rel=1e-12)  # e^(l_1 − l_2) = e^(−8.82 + 0.02)
    assert c1.shifted / pw.shifted_sum == pytest.approx(c1.responsibility, rel=1e-14)  # the same γ
    assert pw.log_density == pytest.approx(math.log(pw.density), rel=1e-14)


def test_the_m_step_sums_are_the_hand_sums_and_the_engine_s_update():
    rows = hand_e_step(X)
    d = em.prepare(X)
    sw = work.step_work(d, START, 1)
    for k in range(2):
        nk = sum(r[k] for r in rows)
        sx = sum(r[k] * x for r, x in zip(rows, X))
        mu = sx / nk
        sq = sum(r[k] * (x - mu) ** 2 for r, x in zip(rows, X))
        c = sw.components[k]
        assert c.n_k == pytest.approx(nk, rel=1e-13) and c.sum_x == pytest.approx(sx, rel=1e-13)
        assert c.mean == pytest.approx(mu, rel=1e-13) and c.sum_sq_dev == pytest.approx(sq, rel=1e-11)
        assert c.sd == pytest.approx(math.sqrt(sq / nk), rel=1e-11) and c.weight == pytest.approx(nk / 6, rel=1e-13)
        assert c.sum_sq_dev_old == pytest.approx(sum(r[k] * (x - START.means[k]) ** 2 for r, x in zip(rows, X)), rel=1e-13)
    assert [f"{c.mean:.6g}" for c in sw.components] == ["1.1015", "4.99771"]
    assert [f"{c.sd:.6g}" for c in sw.components] == ["0.180561", "0.188454"]
    assert sw.ll_before == pytest.approx(sum(math.log(r[2]) for r in rows), rel=1e-13)
    run = run_em(d, START, FitConfig(tol=0, max_iter=1))
    np.testing.assert_allclose(sw.new.means, run.params(1).means, rtol=1e-13)
    np.testing.assert_allclose([c.sd for c in sw.components], run.params(1).sds, rtol=1e-11)
    assert sw.ll_after == pytest.approx(run.ll_at(1), rel=1e-13)


@pytest.mark.parametrize("name", list(FAULTS))
def test_under_a_fault_the_numbers_are_the_faulty_code_s_and_its_line_is_named(name):
    d = em.prepare(X)
    sw = work.step_work(d, START, 1, FAULTS[name])
    engine = FAULTS[name].m_step(d, FAULTS[name].e_step(d, START), START)
    np.testing.assert_allclose([c.mean for c in sw.components], engine.means, rtol=1e-12)
    np.testing.assert_allclose([c.sd for c in sw.components], engine.sds, rtol=1e-10)
    np.testing.assert_allclose([c.weight for c in sw.components], engine.weights, rtol=1e-12)
    assert sw.fault == name and sw.faulty == work.FAULTY_LINE[name]


def test_the_textbook_table_rows_and_column_sums():
    rows = hand_e_step(X)
    d = em.prepare(X)
    table = work.table_rows(X, START, 2, 5)
    assert [r.index for r in table] == [3, 4, 5]
    for r, (g1, g2, p) in zip(table, rows[2:5]):
        assert r.responsibilities == pytest.approx((g1, g2), rel=1e-13) and r.density == pytest.approx(p, rel=1e-13)
    sums = work.column_sums(d, START)
    assert sum(sums.responsibilities) == pytest.approx(6.0, rel=1e-14)
    assert sums.responsibilities[0] == pytest.approx(sum(r[0] for r in rows), rel=1e-13)
    assert sums.log_likelihood == pytest.approx(sum(math.log(r[2]) for r in rows), rel=1e-13)


def _verdict(q, given):
    d = em.prepare(X)
    run = run_em(d, START, FitConfig(tol=0, max_iter=3))
    return grade.check_value(q, given, d, run.params)


Q = grade.Quantity


@pytest.mark.parametrize("q, given, slip", [
    (Q("sd", 1, 1), 0.0326, "σ² for σ"),                 # 0.180561² = 0.0326
    (Q("sd", 1, 1), 0.128, "divided by N instead of N_k"),  # √(Σγ(x − μ)² / 6)
    (Q("sd", 1, 1), 0.207, "the old mean in the variance"),  # √(Σγ(x − 1)² / N_1)
    (Q("mean", 1, 2), 2.5, "divided by N instead of N_k"),
    (Q("gamma", 0, 1, 4), 2.947e-5 + 0.01, None),          # wrong, no slip recognised
    (Q("gamma", 0, 2, 4), 0.1955, "unnormalised"),         # π_2 N(5.2 | 5, 1), not divided by p(x)
    (Q("ll", 0), -4.24, "log10"),                          # −9.76444 / ln 10
    (Q("weight", 1, 2), 3.0, "N_k, not divided by N"),
])
def test_a_classic_slip_is_named(q, given, slip):
    v = _verdict(q, given)
    assert not v.right
    if slip is None:
        assert v.slip is None
    else:
        assert slip in v.slip, v.line()


@pytest.mark.parametrize("q, given", [
    (Q("sd", 1, 1), 0.181), (Q("sd", 1, 1), 0.1805), (Q("mean", 1, 1), 1.10), (Q("gamma", 0, 1, 4), 0.0),
    (Q("gamma", 0, 2, 4), 0.9998), (Q("ll", 0), -9.76), (Q("weight", 1, 1), 0.5), (Q("n_k", 1, 2), 3.00),
])
def test_a_right_value_to_three_digits_is_right(q, given):
    assert _verdict(q, given).right


def test_the_tolerance_is_one_in_the_third_digit():
    assert grade.agrees(0.1815, 0.180561) and not grade.agrees(0.182, 0.180561)
    assert grade.agrees(-9.77, -9.76444) and not grade.agrees(-9.78, -9.76444)
    assert grade.agrees(0.0004, 0.0, probability=True) and not grade.agrees(0.0004, 0.0)
    assert not grade.agrees(0.0009, 0.0, probability=True)  # three decimal places, not two and a half


def test_the_unnormalised_slip_of_a_small_gamma_is_not_right():
    # point 2 (x = 1.3), component 2: γ = 0.00111254, but π2 N(1.3 | 5, 1) = 0.00021239 (not divided by p(x))
    v = _verdict(Q("gamma", 0, 2, 2), 0.000212)
    assert not v.right and "unnormalised" in v.slip
    assert _verdict(Q("gamma", 0, 2, 2), 0.001).right  # to three decimal places
