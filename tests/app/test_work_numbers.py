"""The worked arithmetic on the screen against a hand computation: the six numbers 1.1, 1.3, 0.9, 5.2,
4.8, 5.0 from the start π = (0.5, 0.5), μ = (1, 5), σ = (1, 1), every number shown compared with the
value worked out here by hand (to the digits shown)."""

from __future__ import annotations

import math
import re

from app_helpers import agrees_to_digits_shown, settle

from em_tui.core.data import from_text
from em_tui.core.model import Mixture
from em_tui.session.scenario import Scenario
from em_tui.tui import create_app
from em_tui.tui.screens.work import WorkScreen, WorkTable

X = [1.1, 1.3, 0.9, 5.2, 4.8, 5.0]
SQRT_2PI = math.sqrt(2 * math.pi)  # 2.50663
NUMBER = re.compile(r"(?<![\w²])-?\d[\d,]*(?:\.\d+)?(?:e[-+]\d+)?")


def six_numbers_app():
    app = create_app(Scenario.build(dataset=from_text(" ".join(map(str, X))), k=2), pace=0.0)
    return app


async def start(app, pilot):
    app.session.set_start(2, "user", start=Mixture.create([0.5, 0.5], [1.0, 5.0], [1.0, 1.0]))
    app.show(app.session.last)
    await pilot.pause()


def numbers(line: str) -> list[str]:
    """The numbers of a line as shown (component and point labels such as μ1, γ2, l1 left out)."""
    return NUMBER.findall(line.replace("\u00a0", " ").replace("−", "-"))


def line_with(text: str, start: str) -> str:
    found = [ln.replace("\u00a0", " ").strip() for ln in text.splitlines()
             if ln.replace("\u00a0", " ").strip().startswith(start)]
    assert found, (start, text)
    return found[0]


def assert_shown(line: str, values: list[float]) -> None:
    shown = numbers(line.split("=", 1)[1] if "=" in line else line)
    assert len(shown) == len(values), (line, shown, values)
    for s, v in zip(shown, values):
        assert agrees_to_digits_shown(s, v), (line, s, v)


def hand_gammas(x: float) -> tuple[float, float]:
    """γ at the start: π_k N(x | μ_k, 1) / Σ_j π_j N(x | μ_j, 1), written out."""
    a = 0.5 * math.exp(-0.5 * (x - 1.0) ** 2) / SQRT_2PI
    b = 0.5 * math.exp(-0.5 * (x - 5.0) ** 2) / SQRT_2PI
    return a / (a + b), b / (a + b)


async def test_the_e_step_at_point_4_to_every_digit_shown():
    app = six_numbers_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("w", "end")  # the last point by x: 5.2, point 4
        assert app.session.marked == 3
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WorkScreen)
        text = app.screen.query_one("#work-e-text").content.plain
        # by hand, x = 5.2: component 1 (μ 1, σ 1): z = 4.2, exponent −8.82, N = e^−8.82 / √(2π) = 5.89431e-05
        n1 = math.exp(-8.82) / SQRT_2PI
        n2 = math.exp(-0.02) / SQRT_2PI  # component 2: z = 0.2, exponent −0.02, N = 0.391043
        w1, w2 = 0.5 * n1, 0.5 * n2      # 2.94715e-05, 0.195521
        p = w1 + w2                      # 0.195551
        assert line_with(text, "E step at point 4 (x = 5.2)")
        assert_shown(line_with(text, "component 1:"), [0.5, 1, 1])  # π1 = 0.5, μ1 = 1, σ1 = 1 (labels' numbers too)
        lines = [ln.replace("\u00a0", " ").strip() for ln in text.splitlines()]
        z_lines = [ln for ln in lines if ln.startswith("z =")]
        assert numbers(z_lines[0].split("=", 1)[1]) == ["5.2", "1", "1", "4.2"]
        assert numbers(z_lines[1].split("=", 1)[1]) == ["5.2", "5", "1", "0.2"]
        exps = [ln for ln in lines if ln.startswith("exponent")]
        assert_shown(exps[0], [2, -8.82])   # "−z²/2": the 2 of the formula, then the value
        assert_shown(exps[1], [2, -0.02])
        assert_shown(line_with(text, "N(x | μ1, σ1²)"), [-8.82, 1, 2, n1])
        assert_shown(line_with(text, "N(x | μ2, σ2²)"), [-0.02, 1, 2, n2])
        assert_shown(line_with(text, "π1 N1 ="), [0.5, n1, w1])
        assert_shown(line_with(text, "π2 N2 ="), [0.5, n2, w2])
        assert_shown(line_with(text, "p(x) ="), [w1, w2, p, 2, SQRT_2PI])
        assert_shown(line_with(text, "γ1 = π1 N1 / p(x)"), [w1, p, w1 / p])  # 0.00015071
        assert_shown(line_with(text, "γ2 = π2 N2 / p(x)"), [w2, p, w2 / p])  # 0.999849
        # the log domain: l_k = log π_k − log σ_k − ½ log 2π + exponent
        half_log = 0.5 * math.log(2 * math.pi)  # 0.918939
        l1 = math.log(0.5) - 0.0 - half_log - 8.82   # −10.4321
        l2 = math.log(0.5) - 0.0 - half_log - 0.02   # −1.63209
        s = max(l1, l2)
        assert_shown(line_with(text, "l1 ="), [math.log(0.5), 0, half_log, 8.82, l1])
        assert_shown(line_with(text, "l2 ="), [math.log(0.5), 0, half_log, 0.02, l2])
        assert_shown(line_with(text, "shift s"), [s])
        assert_shown(line_with(text, "exp(l1 − s) ="), [l1 - s, math.exp(l1 - s)])  # e^−8.8 = 0.000150733
        assert_shown(line_with(text, "exp(l2 − s) ="), [0, 1])
        total = math.exp(l1 - s) + 1.0
        assert_shown(line_with(text, "Σ_k exp(l_k − s)"), [total])
        assert_shown(line_with(text, "γ1 = exp(l1 − s) / Σ"), [math.exp(l1 - s), total, w1 / p])
        assert_shown(line_with(text, "log p(x) ="), [s, math.log(total), math.log(p)])
        assert "it cancels" in text


async def test_the_m_step_sums_and_the_table_to_every_digit_shown():
    app = six_numbers_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("w", "enter", "m")
        await settle(pilot)
        text = app.screen.query_one("#work-m-text").content.plain
        g = [hand_gammas(x) for x in X]
        for k in (0, 1):
            nk = sum(gi[k] for gi in g)                    # N1 = 2.99939, N2 = 3.00061
            sx = sum(gi[k] * x for gi, x in zip(g, X))     # 3.30384, 14.9962
            mu = sx / nk                                   # 1.1015, 4.99771
            sq = sum(gi[k] * (x - mu) ** 2 for gi, x in zip(g, X))
            var = sq / nk
            c = k + 1
            assert_shown(line_with(text, f"N{c} = Σ_i γ_i{c}"), [nk])
            assert_shown(line_with(text, f"Σ_i γ_i{c} x_i"), [sx])
            assert_shown(line_with(text, f"μ{c} = Σ γx / N{c}"), [sx, nk, mu])
            assert_shown(line_with(text, f"Σ_i γ_i{c} (x_i − μ{c})²"), [sq])
            assert_shown(line_with(text, f"σ{c}² = Σ γ(x − μ{c})² / N{c}"), [sq, nk, var])
            assert_shown(line_with(text, f"σ{c} = √σ{c}²"), [var, math.sqrt(var)])
            assert_shown(line_with(text, f"π{c} = N{c} / N"), [nk, 6, nk / 6])

        def ll(weights, means, sds):
            return sum(math.log(sum(w * math.exp(-0.5 * ((x - m) / s) ** 2) / (s * SQRT_2PI)
                                    for w, m, s in zip(weights, means, sds))) for x in X)

        ll0 = ll([0.5, 0.5], [1, 5], [1, 1])  # −9.76444
        new = []
        for k in (0, 1):
            nk = sum(gi[k] for gi in g)
            mu = sum(gi[k] * x for gi, x in zip(g, X)) / nk
            new.append((nk / 6, mu, math.sqrt(sum(gi[k] * (x - mu) ** 2 for gi, x in zip(g, X)) / nk)))
        ll1 = ll(*zip(*new))
        assert_shown(line_with(text, "LL[0] = Σ_i log p(x_i)"), [0, ll0])
        assert_shown(line_with(text, "LL[1] = Σ_i log p(x_i)"), [ll1, ll1 - ll0])

        await pilot.press("t")
        await settle(pilot)
        table = app.screen.query_one(WorkTable)
        assert table.render_line(0).text.split() == ["point", "x", "π1N1", "π2N2", "p(x)", "γ1", "γ2"]
        for i, x in enumerate(X):
            row = table.render_line(i + 1).text.split()  # under the head
            a = 0.5 * math.exp(-0.5 * (x - 1) ** 2) / SQRT_2PI
            b = 0.5 * math.exp(-0.5 * (x - 5) ** 2) / SQRT_2PI
            assert row[0] == str(i + 1) and float(row[1]) == x
            for shown, value in zip(row[2:], [a, b, a + b, a / (a + b), b / (a + b)]):
                assert agrees_to_digits_shown(shown, value), (i, shown, value)
        col = table.render_line(table.size.height - 1).text.split()  # the column sums, on the last line
        sums = app.screen.query_one("#work-t-sums").content.plain.splitlines()
        assert col[0] == "Σ"
        a_sum = sum(0.5 * math.exp(-0.5 * (x - 1) ** 2) / SQRT_2PI for x in X)
        b_sum = sum(0.5 * math.exp(-0.5 * (x - 5) ** 2) / SQRT_2PI for x in X)
        for shown, value in zip(col[1:], [a_sum, b_sum, a_sum + b_sum, sum(gi[0] for gi in g), sum(gi[1] for gi in g)]):
            assert agrees_to_digits_shown(shown, value), (shown, value)
        assert agrees_to_digits_shown(numbers(sums[0])[-1], ll0)
