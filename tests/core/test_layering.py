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


def _imports(path):
    """(module names imported, relative-import levels and names) of one source file, read as a tree."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield 0, alias.name
        elif isinstance(node, ast.ImportFrom):
            yield node.level, node.module or ""


def test_core_imports_nothing_of_em_tui_outside_the_core_but_its_errors():
    """The core is the bottom layer: session, tui and cli import it, never the other way round."""
    from pathlib import Path

    root = Path(em_tui.core.__file__).parent
    bad = []
    for path in sorted(root.glob("*.py")):
        for level, name in _imports(path):
            if level == 0:
                absolute = name
            elif level == 1:
                absolute = "em_tui.core." + name if name else "em_tui.core"
            else:  # from .. (em_tui) or higher
                absolute = "em_tui." + name if level == 2 else "<above em_tui>"
            if absolute.split(".")[0] != "em_tui" and level == 0:
                continue  # the standard library, NumPy, threadpoolctl
            if absolute == "em_tui.errors" or absolute == "em_tui.core" or absolute.startswith("em_tui.core."):
                continue
            bad.append(f"{path.name}: {absolute}")
    assert bad == []


def test_core_modules_stay_short():
    from pathlib import Path

    root = Path(em_tui.core.__file__).parent
    long = {p.name: n for p in root.glob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}


def test_no_module_outside_the_core_imports_its_private_passes():
    """em_tui.core._kernels (the fast passes) is the core's own: the session, the UI and the command line
    use what the core offers in public (em's steps, prepared.chunks), never the passes themselves."""
    import ast
    from pathlib import Path

    package = Path(em_tui.core.__file__).parent.parent
    bad = []
    for path in sorted(package.rglob("*.py")):
        if path.parent.name == "core" and path.parent.parent == package:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                named = [node.module or ""] + [f"{node.module or ''}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                named = [a.name for a in node.names]
            else:
                continue
            if any(n.split(".")[-1] == "_kernels" for n in named):
                bad.append(str(path.relative_to(package)))
    assert bad == []


#: what a student reads in em.py: the E and M steps, their sums, the log-likelihood, the responsibilities
STUDENT_API = {
    "EStep", "Mixture", "Prepared", "prepare", "check_start", "e_step", "m_step", "mixture_weights",
    "mixture_from_moments", "em_iteration", "log_likelihood", "log_responsibilities", "responsibilities",
    "SD_FLOOR_REL", "EMPTY_NK", "CANCELLATION_RATIO", "SD_CEILING_REL", "VARIANCE_MODELS",
}


def test_em_offers_the_students_api_and_none_of_the_passes():
    import inspect

    from em_tui.core import _kernels, em

    assert set(em.__all__) == STUDENT_API and all(hasattr(em, name) for name in em.__all__)
    own = {name for name, value in vars(_kernels).items()
           if not name.startswith("_") and not inspect.ismodule(value)
           and getattr(value, "__module__", _kernels.__name__) == _kernels.__name__}
    assert {"blas_scope", "one_blas_thread", "mixture_pass", "pair_pass", "sufficient_sums"} <= own
    assert own & set(vars(em)) == set()
