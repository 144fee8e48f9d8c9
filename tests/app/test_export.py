"""Key x: the parameters shown and every point's responsibilities as CSV."""

from __future__ import annotations

import numpy as np

from em_tui.app import create_app
from em_tui.core import data, em


async def test_export_writes_parameters_and_responsibilities(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ds = data.load_dataset("old-faithful-waiting")
    app = create_app(dataset=ds, pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "right", "x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        path = tmp_path / "em-tui-old-faithful-waiting-t2.csv"
        assert path.exists() and str(path) in str(app.query_one("#status").content)
        params = app.session.trajectory.params(2)
    lines = path.read_text().splitlines()
    comments = [ln for ln in lines if ln.startswith("#")]
    assert "iteration 2" in comments[0] and "N = 272" in comments[0]
    comps = [ln[2:].split(",") for ln in comments[2:]]
    order = np.argsort(params.means)
    for (num, pi, mu, sd), j in zip(comps, order):
        assert float(pi) == params.weights[j] and float(mu) == params.means[j] and float(sd) == params.sds[j]
    table = np.loadtxt(path, delimiter=",", comments="#", skiprows=len(comments) + 1)
    assert table.shape == (272, 4)
    np.testing.assert_array_equal(table[:, 0], ds.values)
    gamma = em.e_step(ds.values, params)[order]
    np.testing.assert_allclose(table[:, 1:3], gamma.T, rtol=1e-12)
    np.testing.assert_array_equal(table[:, 3], gamma.argmax(axis=0) + 1)


async def test_export_failure_is_a_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "em-tui-simulated-seed-0-t0.csv").mkdir()  # the file's name is taken by a folder
    app = create_app(pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert str(app.query_one("#status").content).startswith("✗ could not write")
        assert app.session.t == 0
