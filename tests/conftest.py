import os
import sys

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile("stress", max_examples=800, deadline=None)
settings.register_profile(
    "ci", max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def preparations(monkeypatch) -> dict[str, int]:
    """Counts the calls of the engine's public ``em.prepare`` from here on, under every name an em_tui
    module holds it by (em.prepare, prepared.prepare, and any module that imported it by name):
    ``prepare`` is every call, ``work`` the calls that prepared values (not prepared data handed back
    as they are). Data prepared once, when loaded, count ``{"prepare": 1, "work": 1}``."""
    from em_tui.core import prepared

    original = prepared.prepare
    counted = {"prepare": 0, "work": 0}

    def counting(x):
        counted["prepare"] += 1
        counted["work"] += not isinstance(x, prepared.Prepared)
        return original(x)

    for name, module in list(sys.modules.items()):
        if name == "em_tui" or name.startswith("em_tui."):
            for attr, value in list(vars(module).items()):
                if value is original:
                    monkeypatch.setattr(module, attr, counting)
    return counted
