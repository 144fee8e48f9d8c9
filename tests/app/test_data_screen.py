"""The data screen (key d): typed numbers, built-in data sets, files — and every refusal."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from app_helpers import until
from textual import events
from textual.widgets import Input, TextArea

from em_tui.tui import create_app
from em_tui.tui.screens.data import DataScreen
from em_tui.core import data
from em_tui.session.scenario import Scenario

SIZE = (120, 40)


def error_text(app) -> str:
    return str(app.screen.query_one("#data-error").content)


async def open_data(pilot) -> DataScreen:
    await pilot.press("d")
    await pilot.pause()
    assert isinstance(pilot.app.screen, DataScreen)
    return pilot.app.screen


async def settle(pilot) -> None:
    """Wait for the data screen's loading worker."""
    screen = pilot.app.screen
    if isinstance(screen, DataScreen):
        await screen.workers.wait_for_complete()
    await pilot.pause()


async def type_numbers(pilot, text: str) -> None:
    area = pilot.app.screen.query_one("#data-text", TextArea)
    area.text = text
    await pilot.press("ctrl+s")
    await settle(pilot)


async def test_typed_numbers_become_the_data():
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right")
        await open_data(pilot)
        await type_numbers(pilot, "1.0, 1.2, 0.8\n5.1 4.9; 5.3 1.1 5.0")
        assert not isinstance(app.screen, DataScreen)
        s = app.session
        np.testing.assert_allclose(s.data.x, [1.0, 1.2, 0.8, 5.1, 4.9, 5.3, 1.1, 5.0])
        assert s.t == 0 and s.truth is None and s.means is None and s.k == 2
        f = app.frame  # what the table draws (its header: N 8 · 0.8 to 5.3)
        assert f.n == 8 and f.data_range == pytest.approx((0.8, 5.3)) and not f.truth_columns
        assert "start seed" in str(app.query_one("#label-seed").content)


@pytest.mark.parametrize(
    "text, message",
    [
        ("1, 2, x, 4", "'x'"),
        ("1, 2, 3", "at least 4 values"),
        ("1, 2, nan, 4, 5", "nan"),
        ("", "no numbers found"),
    ],
)
async def test_bad_numbers_keep_the_dialog_open_and_the_data(text, message):
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right")
        before = (app.session.data, app.session.trajectory, app.session.t)
        await open_data(pilot)
        await type_numbers(pilot, text)
        assert isinstance(app.screen, DataScreen)
        assert message.lower() in error_text(app).lower()
        assert (app.session.data, app.session.trajectory, app.session.t) == before
        await pilot.press("escape")
        assert not isinstance(app.screen, DataScreen) and app.session.t == 1


async def test_too_few_distinct_values_for_k_are_refused():
    app = create_app(Scenario.build(dataset=data.load_dataset("galaxies"), k=3), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await open_data(pilot)
        await type_numbers(pilot, "1, 1, 2, 2, 1")
        assert "distinct" in error_text(app)
        assert app.session.dataset.name == "galaxies" and app.session.k == 3


async def test_a_built_in_data_set_and_back_to_the_lesson():
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await open_data(pilot)
        app.screen.query_one("#data-sets").focus()
        await pilot.press("down", "down", "down", "enter")  # the fourth: galaxies
        await settle(pilot)
        assert app.session.dataset.name == "galaxies" and app.session.truth is None
        await open_data(pilot)
        app.screen.query_one("#data-sets").focus()
        await pilot.press("end", "enter")  # the last: the lesson
        await settle(pilot)
        s = app.session
        assert s.simulated and s.k == 2 and s.means == (1.0, 3.0)
        assert app.query_one("#row-mu1").display


async def test_a_file_and_its_column(tmp_path):
    path = tmp_path / "geyser.csv"
    path.write_text("eruptions,waiting\n3.6,79\n1.8,54\n3.3,74\n2.3,62\n4.5,85\n")
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await open_data(pilot)
        app.screen.query_one("#data-path", Input).value = str(path)
        app.screen.query_one("#data-column", Input).value = "waiting"
        app.screen.query_one("#data-path", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        np.testing.assert_allclose(app.session.data.x, [79, 54, 74, 62, 85])


@pytest.mark.parametrize(
    "path, column, message",
    [
        ("missing.csv", "", "file not found"),
        ("{tmp}/geyser.csv", "height", "column"),
        ("{tmp}/geyser.csv", "", "choose one with the column box"),
        ("", "", "type a file's path"),
    ],
)
async def test_file_errors_are_shown_in_the_dialog(tmp_path, path, column, message):
    (tmp_path / "geyser.csv").write_text("eruptions,waiting\n3.6,79\n1.8,54\n3.3,74\n2.3,62\n")
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await open_data(pilot)
        app.screen.query_one("#data-path", Input).value = path.replace("{tmp}", str(tmp_path))
        app.screen.query_one("#data-column", Input).value = column
        app.screen.query_one("#data-path", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DataScreen) and message in error_text(app)
        assert app.session.simulated


async def test_a_million_points_load_in_a_worker_while_keys_are_answered(tmp_path, monkeypatch):
    release, load_file = threading.Event(), data.load_file

    def held(*args, **kwargs):  # the file is read only once the test has seen the keys answered
        release.wait(60)
        return load_file(*args, **kwargs)

    monkeypatch.setattr(data, "load_file", held)
    x = data.simulate(1, 1_000_000)
    path = tmp_path / "big.csv"
    np.savetxt(path, x, header="x", comments="", fmt="%.6f")
    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await open_data(pilot)
        screen = app.screen
        screen.query_one("#data-path", Input).value = str(path)
        screen.query_one("#data-path", Input).focus()
        await pilot.pause()
        app.post_message(events.Key("enter", None))  # as the terminal sends it (no waiting)
        busy = screen.query_one("#data-busy")
        await until(pilot, lambda: busy.display)
        assert busy.display  # loading, and meanwhile the event loop answers keys:
        column = screen.query_one("#data-column", Input)
        column.focus()
        app.post_message(events.Key("z", "z"))
        await until(pilot, lambda: column.value == "z")
        assert column.value == "z" and app.session.data.n == 200  # answered before the load ended
        release.set()
        await settle(pilot)
        assert app.session.data.n == 1_000_000 and app.screen is app.screen_stack[0]


async def test_esc_while_data_load_leaves_the_data_and_the_screen_as_they_were(monkeypatch):
    release, load_dataset = threading.Event(), data.load_dataset

    def held(name):  # the data set is read only once Esc has closed the dialog
        release.wait(60)
        return load_dataset(name)

    app = create_app(pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right")
        before = (app.session.label, app.session.data, app.session.t, app.frame.label, app.frame.n)
        screen = await open_data(pilot)
        monkeypatch.setattr(data, "load_dataset", held)
        screen.query_one("#data-sets").focus()
        await pilot.press("enter")  # the first data set
        await until(pilot, lambda: screen.query_one("#data-busy").display)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        release.set()
        await app.workers.wait_for_complete()
        await screen.workers.wait_for_complete()
        await pilot.pause()
        # the load that was under way when Esc closed the dialog did not reach the session
        assert (app.session.label, app.session.data, app.session.t, app.frame.label, app.frame.n) == before


async def test_a_new_start_fault_or_k_on_the_same_data_does_not_prepare_them_again(request):
    app = create_app(Scenario.build(dataset=data.load_dataset("galaxies")), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        data_before = app.session.data
        calls = request.getfixturevalue("preparations")  # counted from here on
        app.session.restart(fault="forgot-sqrt")
        app.session.restart(seed=3, means=None)  # another k-means start on the same values
        app.session.set_start(3, "kmeans")
        await pilot.pause()
        assert calls["work"] == 0 and app.session.data is data_before and app.session.k == 3
        app.session.load_data(None)  # the lesson's data: other values, prepared once
        assert calls["work"] == 1 and app.session.data.n == 200


async def test_the_dialog_reads_the_data_sets_sizes_once(monkeypatch):
    """Pressing d again does not read every built-in data set again just to show its size."""
    from textual.widgets import OptionList

    reads = []
    real = data.load_dataset
    monkeypatch.setattr(data, "load_dataset", lambda name: reads.append(name) or real(name))
    data.dataset_size.cache_clear()
    app = create_app(pace=0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_data(pilot)
        shown = [str(o.prompt) for o in screen.query_one("#data-sets", OptionList).options]
        assert shown[:len(data.DATASETS)] == [f"{name}  ({real(name).n} values)" for name in data.DATASETS]
        assert sorted(reads) == sorted(data.DATASETS)
        await pilot.press("escape")
        await open_data(pilot)
        assert sorted(reads) == sorted(data.DATASETS)  # the second time: none read
