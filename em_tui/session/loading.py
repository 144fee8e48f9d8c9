"""What a scenario runs, built without touching any session: its data (prepared once), its start,
its trajectory and the top panel's fixed part.

:func:`build` is pure, so it may run in a worker thread (new data of a million points take a
while) while the session goes on showing the old ones; the session takes the result on the UI
thread (:meth:`~em_tui.session.session.Session.take`). Data that do not change (a new start,
fault or K on the same values) are not prepared again: the current ones are reused.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core import data as data_mod
from ..core import em
from ..core.model import Mixture
from ..core.trajectory import Trajectory
from ..errors import EmTuiError, Refused
from . import view
from .frame import Backdrop
from .scenario import Scenario


@dataclass(frozen=True, eq=False)
class Loaded:
    """Everything a scenario runs, ready to be shown from iteration 0."""

    scenario: Scenario
    #: the data in the engine's prepared form (prepared once per data set)
    data: em.Prepared
    start: Mixture
    trajectory: Trajectory
    backdrop: Backdrop


def same_data(a: Scenario, b: Scenario) -> bool:
    """The two scenarios run on the same values (the lesson's from one seed and size, or one data set)."""
    if a.simulated or b.simulated:
        return a.simulated and b.simulated and (a.seed, a.n) == (b.seed, b.n)
    return a.dataset is b.dataset


def prepare_data(scenario: Scenario, current: Loaded | None = None) -> em.Prepared:
    """The scenario's data, prepared: the current ones when the values are the same."""
    if current is not None and same_data(current.scenario, scenario):
        if not scenario.simulated and scenario.k != current.scenario.k:
            data_mod.validate_data(current.data.x, scenario.k)  # enough distinct values for the new K
        return current.data
    if scenario.simulated:
        return em.prepare(data_mod.simulate(scenario.seed, scenario.n))
    return em.prepare(data_mod.validate_data(scenario.dataset.values, scenario.k))


def build(scenario: Scenario, current: Loaded | None = None) -> Loaded:
    """What ``scenario`` runs (reusing ``current``'s prepared data when its values are the same).
    A problem raises :class:`~em_tui.errors.Refused` with the reason; nothing is changed anywhere."""
    try:
        data = prepare_data(scenario, current)
        start = scenario.start_for(data)
        cfg = scenario.config
        trajectory = Trajectory(data, start, cfg)
        backdrop = view.backdrop(data, start, scenario.truth)
    except Refused:
        raise
    except EmTuiError as exc:
        raise Refused(str(exc)) from None
    return Loaded(scenario, data, start, trajectory, backdrop)
