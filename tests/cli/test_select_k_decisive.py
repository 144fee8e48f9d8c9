"""`em-tui fit --select-k` says when BIC's or AIC's pick of K is not decisive (the next best K within 2)."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from em_tui.cli import main


def fit(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["fit", *args]) == 0
    return out.getvalue()


def gaps(selection: list[dict], criterion: str) -> tuple[int, int, float]:
    """(best K, next best K, how much higher the next is) from the JSON's rows, by hand."""
    usable = sorted((r for r in selection if not r["collapsed"]), key=lambda r: r[criterion])
    return usable[0]["k"], usable[1]["k"], usable[1][criterion] - usable[0][criterion]


def test_the_json_says_which_pick_is_decisive():
    """Old Faithful's waiting times: BIC's K = 2 is 12 below K = 3, AIC's only 1.27."""
    out = json.loads(fit("--dataset", "old-faithful-waiting", "--select-k", "4", "--json"))
    choice = out["selection_choice"]
    for criterion, decisive in (("bic", True), ("aic", False)):
        best, second, gap = gaps(out["selection"], criterion)
        assert choice[criterion] == {"best_k": best, "next_k": second, "gap": pytest.approx(gap), "decisive": decisive}
        assert best == out["selection_best_k"][criterion] == 2 and second == 3
    assert choice["bic"]["gap"] > 10 and 1 < choice["aic"]["gap"] < 2


def test_the_table_says_so_only_for_a_pick_that_is_not_decisive():
    table = fit("--dataset", "old-faithful-waiting", "--select-k", "4")
    said = [ln for ln in table.splitlines() if ln.startswith("not decisive")]
    assert said == ["not decisive: AIC of K = 3 is only 1.266 above K = 2's (a difference below 2 does not "
                    "decide between them)"]
    decisive = fit("--dataset", "iris-petal-length", "--select-k", "4")
    assert "not decisive" not in decisive and "← BIC" in decisive
    out = json.loads(fit("--dataset", "iris-petal-length", "--select-k", "4", "--json"))
    assert out["selection_choice"]["bic"]["decisive"] and out["selection_choice"]["aic"]["decisive"]
