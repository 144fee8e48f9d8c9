"""Key g: the run's worker computes each iteration and posts it; the UI thread takes it into the session."""

from __future__ import annotations

from app_helpers import assert_table_matches_engine, engine_run, settle, until

from em_tui.session.scenario import Scenario
from em_tui.tui import create_app
from em_tui.tui.messages import RunStep
from em_tui.tui.running import Runs

SIZE = (120, 40)


def record_steps(monkeypatch) -> list[tuple[int, int, int, bool]]:
    """Every RunStep the app handles: (the step's t, the session's t and the frame's t after it, taken)."""
    seen: list[tuple[int, int, int, bool]] = []
    handle = Runs.on_run_step

    def recording(app, message: RunStep) -> None:
        before = app.session.t
        handle(app, message)
        seen.append((message.t, app.session.t, app.frame.t, app.session.t != before))

    monkeypatch.setattr(Runs, "on_run_step", recording)
    return seen


async def test_a_run_posts_one_step_per_iteration_and_the_screen_shows_the_sessions(monkeypatch):
    seen = record_steps(monkeypatch)
    app = create_app(Scenario.build(seed=0), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        ref = engine_run(0, (1.0, 3.0), None, 10_000)
        assert [t for t, *_ in seen] == list(range(1, ref.iterations + 1))
        assert all(t == shown == drawn and taken for t, shown, drawn, taken in seen)
        assert app.session.t == app.frame.t == ref.iterations and not app.running
        assert "converged at iteration" in app.frame.status


async def test_g_stops_the_run_and_a_stopped_runs_step_is_not_taken(monkeypatch):
    seen = record_steps(monkeypatch)
    app = create_app(pace=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await until(pilot, lambda: app.session.t >= 2)
        worker = next(w for w in app.workers if w.group == "run")
        await pilot.press("g")
        await pilot.pause()
        assert not app.running and worker.is_cancelled
        t = app.session.t
        await settle(pilot)
        app.post_message(RunStep(worker, t + 1))  # a step the stopped run had posted: not taken
        await pilot.pause()
        assert app.session.t == app.frame.t == t
        assert seen[-1] == (t + 1, t, t, False)
        assert all(shown == drawn for _, shown, drawn, _ in seen)
        assert "stopped at iteration" in app.frame.status
        assert_table_matches_engine(app)


async def test_a_run_from_the_e_half_step_takes_the_m_step_first():
    app = create_app(Scenario.build(seed=0), pace=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "e", "g")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.session.half and app.session.at_end
        assert app.frame.t == app.session.t == engine_run(0, (1.0, 3.0), None, 10_000).iterations


def test_an_iteration_computed_in_full_is_taken_without_waiting_for_the_worker(monkeypatch):
    """While the run's worker computes the next iteration, the UI thread moves on to the ones the worker
    has posted: they are known, nothing waits for the worker."""
    import threading

    from em_tui.core.trajectory import Trajectory
    from em_tui.session.session import Session

    s = Session()
    assert s.compute_through(3) and s.trajectory.iterations == 3
    inside, release, step = threading.Event(), threading.Event(), Trajectory.step

    def held(run):  # iteration 4 takes until the test says so
        inside.set()
        release.wait(30)  # a bound so that a failing test cannot hang the suite
        return step(run)

    monkeypatch.setattr(Trajectory, "step", held)
    worker = threading.Thread(target=s.compute_through, args=(4,), daemon=True)
    worker.start()
    assert inside.wait(30)
    s.step()
    s.step()  # iterations 1 and 2, while iteration 4 is computed
    assert s.t == 2 and worker.is_alive()
    release.set()
    worker.join(30)
    assert s.trajectory.iterations == 4


# -- the pace keys and the to-the-end key ------------------------------------------------------------
async def test_the_pace_keys_change_the_pace_of_a_run_at_once_and_it_goes_on_from_where_it_was(monkeypatch, make_app):
    from em_tui.tui.running import PACES, RUN_PACE

    seen = record_steps(monkeypatch)
    app = make_app(seed=0, pace=RUN_PACE)  # seed 0: a long run (136 iterations from the lesson's start)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await until(pilot, lambda: app.session.t >= 1)
        assert "running, 0.15 s/iteration (g or Esc stops, +/- pace, G to the end)" in app.frame.status
        await pilot.press("plus")
        faster = PACES[PACES.index(RUN_PACE) + 1]
        assert app.pace == faster and app.running
        assert f"running, {faster:g} s/iteration" in app.frame.status
        await pilot.press("equals_sign", "minus")  # = is + without Shift
        assert app.pace == faster and app.running
        t = app.session.t
        await until(pilot, lambda: app.session.t > t + 1)  # the run goes on at the new pace
        await pilot.press("g")
        await settle(pilot)
        assert not app.running
        taken = [step for step, *_ in seen if _[-1]]
        assert taken == list(range(1, app.session.t + 1))  # no iteration skipped or taken twice
        assert all(shown == drawn for _, shown, drawn, _ in seen)
        assert_table_matches_engine(app)


async def test_the_pace_stops_at_the_slowest_and_the_fastest(make_app):
    from em_tui.tui.running import PACES

    app = make_app(seed=3)  # pace 0: not one of the paces; + goes to none faster
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("plus")
        assert app.pace == 0.0 and "already the fastest pace" in app.frame.status
        await pilot.press("minus")
        assert app.pace == PACES[-1] and f"a run (g) now goes at {PACES[-1]:g} s between iterations" in app.frame.status
        await pilot.press(*["minus"] * len(PACES))
        assert app.pace == PACES[0] and "1 s between iterations: already the slowest pace" in app.frame.status
        assert app.session.t == 0 and not app.running


async def test_the_to_end_key_shows_convergence_at_once(monkeypatch, make_app):
    seen = record_steps(monkeypatch)
    app = make_app(seed=3, pace=1.0)  # the pace is not waited for
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "e", "G")
        await settle(pilot)
        ref = engine_run(3, app.session.start_means, None, 10_000)
        assert app.session.t == app.frame.t == ref.iterations and app.session.at_end and not app.session.half
        assert [t for t, *_ in seen] == [ref.iterations]  # one step: the last
        assert "converged at iteration" in app.frame.status and not app.running
        assert_table_matches_engine(app)
        await pilot.press("G")  # at the end: nothing to run
        await settle(pilot)
        assert app.session.t == ref.iterations and len(seen) == 1 and app.frame.refused


async def test_the_to_end_key_while_a_run_goes_on(monkeypatch, make_app):
    seen = record_steps(monkeypatch)
    app = make_app(seed=3, pace=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await until(pilot, lambda: app.session.t >= 2)
        await pilot.press("G")
        await settle(pilot)
        ref = engine_run(3, app.session.start_means, None, 10_000)
        taken = [t for t, _, _, took in seen if took]
        assert taken[-1] == ref.iterations and taken[:-1] == list(range(1, len(taken)))  # then one jump
        assert app.session.t == ref.iterations and "converged at iteration" in app.frame.status
        assert_table_matches_engine(app)
