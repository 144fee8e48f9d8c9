"""What the dialogs draw, computed without a terminal (em_tui.session.dialogs), against hand computation."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import norm

from em_tui.core.config import FitConfig
from em_tui.core import hardsoft
from em_tui.core.anomaly import find_anomalies
from em_tui.core.data import simulate
from em_tui.core.model import Mixture
from em_tui.core.optima import METHOD_NAMES, explore
from em_tui.core.select import SelectionRow
from em_tui.session import dialogs

MODEL = Mixture.create([0.3, 0.7], [4.0, 0.0], [1.5, 1.0])  # not sorted by mean: the views rank by it


def gamma_by_hand(x, model: Mixture) -> np.ndarray:
    dens = np.array([w * norm.pdf(x, m, s) for w, m, s in zip(model.weights, model.means, model.sds)])
    return dens / dens.sum(axis=0)


def test_the_dialog_views_import_no_ui():
    code = ("import sys, em_tui.session.dialogs\n"
            "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('textual', 'rich', 'plotext'))\n"
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_anomaly_rows_name_the_claiming_component_by_its_mean():
    x = simulate(0)
    found = find_anomalies(x, MODEL, 0.05)
    rows = dialogs.anomaly_rows(found, MODEL, 4)
    assert len(rows) == 4
    gamma = gamma_by_hand(found.values[:4], MODEL)
    for i, (num, point, xs, ld, comp, g) in enumerate(rows):
        assert num == str(i + 1) and point == f"{int(found.index[i]) + 1:,}" and float(xs) == pytest.approx(found.values[i], rel=1e-5)
        best = int(gamma[:, i].argmax())
        assert comp == (0 if MODEL.means[best] < MODEL.means[1 - best] else 1)  # numbered by the means
        assert g == pytest.approx(gamma[best, i], abs=1e-12)


def test_responsibility_rows_are_those_by_hand_for_the_rows_asked():
    x = simulate(0)
    order = np.argsort(x, kind="stable")
    xs = x[order]
    rows = dialogs.row_texts(xs, order, MODEL, 10, 13)
    gamma = gamma_by_hand(xs[10:13], MODEL)[np.argsort(MODEL.means)]  # components by their means
    for r, (text, best) in enumerate(rows):
        parts = text.split()
        assert parts[0] == str(11 + r) and parts[1] == str(order[10 + r] + 1)
        np.testing.assert_allclose([float(v) for v in parts[3:5]], gamma[:, r], atol=5e-5)
        assert best == int(gamma[:, r].argmax()) and parts[5] == str(best + 1)


def test_the_optima_view_groups_every_run_best_first():
    x = simulate(0)
    runs = explore(x, FitConfig(k=2, restarts=3, seed=0), current=MODEL)
    view = dialogs.optima_view(x, runs)
    assert sum(int(r[2].split(" of ")[0]) for r in view.rows) == len(runs) == 7
    lls = [float(r[1].replace(",", "")) for r in view.rows]
    assert lls == sorted(lls, reverse=True)
    assert view.mine is not None and METHOD_NAMES["current"] in view.rows[view.mine][2]
    assert view.collapsed == [False] * len(view.rows)


def test_the_suggested_start_is_equal_weights_at_the_quantiles():
    x = simulate(0)
    start = dialogs.suggested_start(x, 4)
    np.testing.assert_allclose(start.weights, 0.25)
    np.testing.assert_allclose(start.means, np.quantile(x, [0.125, 0.375, 0.625, 0.875]))
    np.testing.assert_allclose(start.sds, np.std(x) / 4, rtol=1e-9)


def test_the_compare_views_match_the_core():
    x = simulate(0)
    cd = dialogs.compare_data(x)
    assert cd.scale == pytest.approx(np.std(x)) and cd.ladder[0] == pytest.approx(hardsoft.LADDER_TOP * np.std(x))
    base = dialogs.compare_baseline(cd, 2, 0, (float(x.min()), float(x.max())))
    ref = hardsoft.compare(x, 2, 0, float(cd.ladder[3]))
    got = dialogs.compare_at(cd, base, 2, 0, 3, should_stop=lambda: False, progress=lambda i: None)
    np.testing.assert_allclose(got.em.means, ref.em.means, rtol=1e-12)
    assert got.agreement == ref.agreement
    assert base.occupied.sum() == np.unique(np.minimum((x - x.min()) / (x.max() - x.min()) * dialogs.RUG_BINS,
                                                       dialogs.RUG_BINS - 1).astype(int)).size
    assert dialogs.compare_at(cd, base, 2, 0, 3, should_stop=lambda: True, progress=lambda i: None) is None
    rug = dialogs.rug(base.occupied, (float(x.min()), float(x.max())), 40)
    assert 0 < rug.size <= 40 and np.all(np.diff(rug) > 0)
    gamma, grid, owner = dialogs.soft_curves(got.em, (float(x.min()), float(x.max())), 50, rug)
    assert gamma.shape == (2, 50) and grid.size == 50
    np.testing.assert_allclose(gamma.sum(axis=0), 1.0)
    hand = np.array([w * norm.pdf(grid, m, got.em.sd) for w, m in zip(got.em.weights, got.em.means)])
    np.testing.assert_allclose(gamma, hand / hand.sum(axis=0), atol=1e-12)
    assert owner.shape == rug.shape


def test_the_hard_curves_step_at_the_midpoints_between_centres():
    centres = np.array([0.0, 2.0, 6.0])
    rug = np.array([-1.0, 0.9, 1.1, 3.9, 4.1, 9.0])
    owner, steps = dialogs.hard_curves(centres, (-2.0, 10.0), rug)
    assert owner.tolist() == [0, 0, 1, 1, 2, 2]
    assert steps[0] == ([-2.0, 1.0, 1.0], [1.0, 1.0, 0.0])
    assert steps[1] == ([1.0, 1.0, 4.0, 4.0], [0.0, 1.0, 1.0, 0.0])
    assert steps[2] == ([4.0, 4.0, 10.0], [0.0, 1.0, 1.0])
    _, outside = dialogs.hard_curves(centres, (-2.0, 0.5), rug)
    assert outside[1] is None and outside[2] is None  # their cells start right of the range


def test_the_choice_of_k_says_where_the_best_ll_fell():
    def rows(*lls):
        return [SelectionRow(k, ll, 0.0, 0.0, MODEL) for k, ll in enumerate(lls, start=1)]

    assert dialogs.ll_fell(rows(-500.0, -450.0, -455.0, -440.0, -441.0)) == [3, 5]  # each against the K before
    assert dialogs.ll_fell(rows(-500.0, -450.0, -450.0 - dialogs.LL_FELL_BY / 2)) == []  # a tie is not a fall
    assert dialogs.ll_fell(rows(-500.0, -501.0, -400.0)) == [2]  # a K that rises again does not undo the fall
    assert dialogs.ll_fell(rows(-500.0)) == [] and dialogs.ll_fell([]) == []
