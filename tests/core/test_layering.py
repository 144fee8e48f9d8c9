"""The core never imports the user interface (checked in a fresh interpreter)."""

import pkgutil
import subprocess
import sys

import em_tui.core


def test_core_imports_no_ui_library():
    modules = [f"em_tui.core.{m.name}" for m in pkgutil.iter_modules(em_tui.core.__path__)]
    assert {"em_tui.core.em", "em_tui.core.model", "em_tui.core.data", "em_tui.core.faults"} <= set(modules)
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('textual', 'rich', 'plotext', 'textual_plotext', 'sklearn'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
