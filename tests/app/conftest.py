import pytest

from em_tui.tui import create_app


@pytest.fixture
def make_app():
    """The app on the default scenario; running to convergence without pauses unless asked."""

    def make(**kwargs):
        kwargs.setdefault("pace", 0.0)
        return create_app(**kwargs)

    return make
