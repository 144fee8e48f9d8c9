"""A point has the same number everywhere it is named, counted from 1 (the first value): on the
responsibilities and anomalies screens, in the export and in ``em-tui fit --anomalies``."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from app_helpers import settle

from em_tui.core import data
from em_tui.core.points import POINT_NOTE
from em_tui.session.scenario import Scenario
from em_tui.tui import create_app
from em_tui.tui.screens.anomaly import AnomalyScreen
from em_tui.tui.screens.resp import ResponsibilityScreen, ResponsibilityTable

#: 0-based place of the planted outlier (its point number is one more)
PLANTED = 17


def planted(tmp_path):
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(0, 1, 40), rng.normal(6, 1, 40)])
    x[PLANTED] = 14.0  # the largest value, and the least likely
    path = tmp_path / "pts.txt"
    path.write_text("\n".join(repr(float(v)) for v in x))
    return path, x


def fit(path, *args):
    proc = subprocess.run([sys.executable, "-m", "em_tui", "fit", str(path), "--anomalies", "1%", *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


async def test_the_outlier_is_point_18_in_the_app_the_export_and_fit(tmp_path, monkeypatch):
    path, x = planted(tmp_path)
    table = fit(path)
    assert f"({POINT_NOTE})" in table
    row = next(line.split() for line in table.splitlines() if line.split()[1:2] == ["14.000000"])
    assert row[0] == str(PLANTED + 1)
    points = json.loads(fit(path, "--json"))["anomalies"]["points"]
    assert {(p["index"], p["point"]) for p in points if p["x"] == 14.0} == {(PLANTED, PLANTED + 1)}

    monkeypatch.chdir(tmp_path)
    app = create_app(Scenario.build(dataset=data.load_file(path)), pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t", "end")  # the largest x is the last row
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ResponsibilityScreen)
        resp = screen.query_one(ResponsibilityTable)
        last = [resp.render_line(y).text.split() for y in range(resp.size.height)]
        last = [r for r in last if r][-1]
        assert (last[0], last[1], float(last[2])) == (str(x.size), str(PLANTED + 1), 14.0)  # row by x, point
        notes = " ".join(str(w.render()) for w in screen.query(".dialog-note"))
        assert POINT_NOTE in notes
        await pilot.press("escape", "a")
        await settle(pilot)
        assert isinstance(app.screen, AnomalyScreen)
        from textual.widgets import DataTable

        shown = app.screen.query_one(DataTable)
        rows = [[str(c) for c in shown.get_row_at(i)] for i in range(shown.row_count)]
        assert any(r[1] == str(PLANTED + 1) and r[2] == "14" for r in rows)
        await pilot.press("escape", "x")
        await settle(pilot)
    export = next(tmp_path.glob("em-tui-*.csv"))
    lines = export.read_text().splitlines()
    assert f"# {POINT_NOTE}" in lines
    body = [ln.split(",") for ln in lines if not ln.startswith("#")][1:]
    assert body[PLANTED][:2] == [str(PLANTED + 1), "14.0"]
