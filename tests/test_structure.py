"""The package's shape: modules of a readable size, layers that import only what they may, no import circle,
one error hierarchy, and the headless parts (the session, ``em-tui fit``, the command line) free of Textual.

The import checks read the source (every import, also inside functions, but not those under
``if TYPE_CHECKING:``), so a lazy import that closes a circle is caught too; the "free of Textual" checks
import in a fresh interpreter and look at ``sys.modules``.
"""

from __future__ import annotations

import ast
import builtins
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import em_tui
import em_tui.session

PACKAGE = Path(em_tui.__file__).parent

#: the longest a module may be, in lines
MAX_MODULE_LINES = 400
#: the modules held to MAX_MODULE_LINES (folders or files under em_tui/): all of them
SIZE_CHECKED = ("cli", "core", "session", "tui", "__init__.py", "__main__.py", "errors.py")

#: what each layer of em_tui may import from em_tui (its own layer always); "" is em_tui/__init__.py
LAYERS = {
    "": set(),
    "errors": set(),
    "datasets": set(),
    "core": {"errors", "datasets"},
    "session": {"errors", "core", "datasets"},
    "tui": {"", "errors", "core", "session", "datasets"},
    "cli": {"", "errors", "core", "session", "tui", "datasets"},
    "__main__": {"cli"},
}
#: libraries of the user interface, which the headless parts never load
UI_LIBRARIES = ("textual", "rich", "plotext", "textual_plotext", "textual_serve")


def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Every import statement below ``tree``, leaving out ``if TYPE_CHECKING:`` blocks."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking_only(node):
            yield from (n for child in node.orelse for n in _imports_of(child))
            continue
        yield from _imports_of(node)


def _imports_of(node: ast.AST):
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    else:
        yield from _imports(node)


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    """The em_tui modules that module ``name`` (at ``path``) imports, other than its own packages."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        if node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        targets.add(module)
        targets.update(f"{module}.{alias.name}" for alias in node.names)  # `from . import data` names a module
    # a module's own packages are loaded before it anyway: importing from them closes no circle
    return {t for t in targets if t in known and t != name and not name.startswith(t + ".")}


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imported_modules(name, path, set(found)) for name, path in found.items()}


def layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def loaded_ui_libraries(code: str) -> list[str]:
    """The UI libraries in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = (f"{code}\nimport sys\n"
             f"print('loaded:', *sorted(n for n in sys.modules if n.split('.')[0] in {UI_LIBRARIES!r}))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[-1].split()[1:]  # the last line: what ``code`` printed comes before


# -- size --------------------------------------------------------------------------
def test_no_module_is_longer_than_the_limit():
    assert {p.name for p in PACKAGE.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()} - {"datasets"} \
        == set(SIZE_CHECKED)  # every module of the package is checked
    checked = [p for place in SIZE_CHECKED for p in
               ([PACKAGE / place] if place.endswith(".py") else sorted((PACKAGE / place).rglob("*.py")))]
    assert checked and all(p.exists() for p in checked), SIZE_CHECKED
    too_long = {str(p.relative_to(PACKAGE)): n for p in checked
                if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert too_long == {}


# -- imports ------------------------------------------------------------------------
def test_the_import_reader_sees_lazy_imports_and_leaves_out_type_checking_ones(tmp_path):
    source = ("from typing import TYPE_CHECKING\nfrom . import b\nif TYPE_CHECKING:\n    from .c import C\n"
              "def f():\n    from em_tui.errors import UsageError\n")
    (tmp_path / "a.py").write_text(source)
    known = {"em_tui.cli.a", "em_tui.cli.b", "em_tui.cli.c", "em_tui.errors"}
    assert imported_modules("em_tui.cli.a", tmp_path / "a.py", known) == {"em_tui.cli.b", "em_tui.errors"}


def test_each_layer_imports_only_the_layers_below_it():
    graph = import_graph()
    assert {"em_tui.cli.serve", "em_tui.session.session", "em_tui.tui.app", "em_tui.core.em"} <= set(graph)
    assert set(map(layer, graph)) <= set(LAYERS), "a new layer: say in LAYERS what it may import"
    wrong = sorted(f"{name} imports {target}" for name, targets in graph.items() for target in targets
                   if layer(target) != layer(name) and layer(target) not in LAYERS[layer(name)])
    assert wrong == []


def test_no_modules_import_each_other_in_a_circle():
    graph = import_graph()
    circles, state = [], {}  # state: 1 while a module's imports are followed, 2 once done

    def follow(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                circles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                follow(target, path + [target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            follow(name, [name])
    assert circles == []


def test_every_error_class_belongs_to_the_one_hierarchy():
    """Only em_tui/errors.py derives from Python's exceptions; every other error class derives from it."""
    import em_tui.errors as errors

    ours = {name for name, value in vars(errors).items() if isinstance(value, type) and issubclass(value, Exception)}
    assert {"EmTuiError", "DataError", "ParameterError", "UsageError", "Refused", "SessionError"} <= ours
    strays = []
    for name, path in modules().items():
        if name == "em_tui.errors":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
            builtin = sorted(b for b in bases if isinstance(getattr(builtins, b, None), type)
                             and issubclass(getattr(builtins, b), BaseException))
            if builtin:
                strays.append(f"{name}.{node.name}({', '.join(builtin)})")
    assert strays == []


# -- the lesson's defaults are written once ------------------------------------------------
#: Where a lesson default's value appears outside core/data.py without being a copy of it: the engine's
#: own default seed for a seeded start (any data, not the lesson's), and an example in a property's
#: docstring (passed as an argument, so not a docstring to the scan).
NOT_COPIES = {("core/init.py", "seed"), ("core/optima.py", "seed"), ("core/select.py", "seed"),
              ("session/session.py", "'seed 0'")}


def _number(node: ast.AST) -> float | None:
    """A literal number (also a negative one), else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _number(node.operand)
        return None if value is None else -value
    ok = isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    return node.value if ok else None


def _named_values(node: ast.AST):
    """(name, value) for a keyword argument, an assignment to a name and a parameter's default."""
    if isinstance(node, ast.keyword) and node.arg:
        yield node.arg, node.value
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        yield node.target.id, node.value
    elif isinstance(node, ast.Assign):
        yield from ((t.id, node.value) for t in node.targets if isinstance(t, ast.Name))
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = node.args
        positional = args.posonlyargs + args.args
        yield from zip([a.arg for a in positional[len(positional) - len(args.defaults):]], args.defaults)
        yield from ((a.arg, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None)


def lesson_copies(path: Path) -> list[tuple[int, str]]:
    """(line, what) for each place ``path``'s code writes a lesson default by value: the start's means
    as a literal sequence, a parameter or setting named seed, n or k given the lesson's value, or the
    words "(1, 3)", "1.0, 3.0", "seed 0", "1..8" and "1 to 8" in a string that is not documentation."""
    from em_tui.core import data
    from em_tui.core.model import K_MAX, K_MIN

    means = tuple(float(v) for v in data.DEFAULT_START.means)
    words = (f"({', '.join(f'{v:g}' for v in means)})", ", ".join(f"{v:.1f}" for v in means),
             f"seed {data.DEFAULT_SEED}", f"{K_MIN}..{K_MAX}", f"{K_MIN} to {K_MAX}")
    values = {"seed": data.DEFAULT_SEED, "n": data.DEFAULT_N, "k": len(means)}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List)) and node.elts and tuple(map(_number, node.elts)) == means:
            found.append((node.lineno, ast.unparse(node)))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            found += [(node.lineno, repr(w)) for w in words if w in node.value]
        found += [(value.lineno, name) for name, value in _named_values(node)
                  if name.lower() in values and _number(value) == values[name.lower()]]
    return found


def test_the_lessons_defaults_are_written_only_in_core_data():
    """The start (1, 3), seed 0, N = 200, K = 2 and the K range 1..8 are written once (core/data.py and
    core/model.py's K_MIN/K_MAX); everything else derives them, in code and in the words it shows."""
    found = {(str(path.relative_to(PACKAGE)), what): line for path in sorted(PACKAGE.rglob("*.py"))
             if path.relative_to(PACKAGE).as_posix() != "core/data.py" for line, what in lesson_copies(path)}
    copies = sorted(f"{place}:{line}: {what}" for (place, what), line in found.items()
                    if (place, what) not in NOT_COPIES)
    assert copies == []


def test_the_lesson_scan_finds_each_kind_of_copy(tmp_path):
    from em_tui.core import data

    seed, other = data.DEFAULT_SEED, data.DEFAULT_SEED + 7
    source = tmp_path / "copy.py"
    source.write_text(f'"""The start (1, 3), seed {seed}, K = 1..8 (a docstring: documentation)."""\n'
                      "START = (1.0, 3.0)\nMEANS = [1, 3]\n"
                      f"def run(x, seed={seed}, *, k=2):\n    return fit(x, n=200, seed={other})\n"
                      f'LABEL = f"simulated (seed {seed}) from (1, 3), K = 1..8"\n'
                      'HINT = "K (1 to 8)"\n'
                      f"class Config:\n    seed: int = {seed}\n    k: int = 3\n", encoding="utf-8")
    assert sorted(lesson_copies(source)) == [
        (2, "(1.0, 3.0)"), (3, "[1, 3]"), (4, "k"), (4, "seed"), (5, "n"),
        (6, "'(1, 3)'"), (6, "'1..8'"), (6, f"'seed {seed}'"), (7, "'1 to 8'"), (9, "seed")]


# -- the headless parts load no user interface ----------------------------------------
def test_the_session_package_imports_no_ui_library():
    names = [f"em_tui.session.{m.name}" for m in pkgutil.iter_modules(em_tui.session.__path__)]
    assert {"em_tui.session.session", "em_tui.session.sessionfile"} <= set(names)
    assert loaded_ui_libraries(f"import importlib\nfor m in {names!r}: importlib.import_module(m)") == []


@pytest.mark.parametrize("code", [
    "import em_tui.cli.fit",
    "import em_tui.cli.serve",
    "from em_tui.cli import main",
    # running them, not only importing: the lazy imports on their paths count too
    "from em_tui.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass",
    "from em_tui.cli import main\nassert main(['fit', '--values', '1,2,3,10,11,12', '--json']) == 0",
], ids=["import-fit", "import-serve", "import-main", "help", "fit"])
def test_the_command_line_without_the_app_imports_no_ui_library(code):
    assert loaded_ui_libraries(code) == []


# -- the repository -------------------------------------------------------------------
def test_the_repository_holds_nothing_that_git_is_told_to_ignore():
    """Exports (em-tui-*.csv) and session files written while trying the app stay out of the repository."""
    root = PACKAGE.parent
    if not (root / ".git").exists():
        pytest.skip("not a git checkout (an installed copy)")
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "--cached", "--ignored", "--exclude-standard"],
                             capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git is not available here")
    assert out.stdout.split() == []
    ignored = subprocess.run(["git", "-C", str(root), "check-ignore", "--no-index", "em-tui-simulated-seed-0-t0.csv",
                              "em-tui-session-1.json", "em-tui-sessions/"], capture_output=True, text=True)
    assert ignored.stdout.split() == ["em-tui-simulated-seed-0-t0.csv", "em-tui-session-1.json", "em-tui-sessions/"]
