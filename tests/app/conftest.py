import pytest

from em_tui.session.scenario import Scenario
from em_tui.tui import create_app


@pytest.fixture
def make_app():
    """The app on the scenario the settings make (the lesson's by default; see Scenario.build), running to
    convergence without pauses unless a pace is asked for."""

    def make(pace: float = 0.0, **settings):
        return create_app(Scenario.build(**settings), pace=pace)

    return make
