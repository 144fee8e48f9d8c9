"""Tests reach the package only through its public seams: they patch no private name and read no private
attribute of an em_tui module, so that the code behind a seam can change without a test noticing.

A seam a test needs is public and documented (a named constant such as ``reading.READ_CHUNK``, a
public function such as ``data.open_data_file`` or ``em.prepare``), or the test asserts the same
behaviour through public values (identity of the prepared data, the words of a refusal).
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent

#: The tests that read the engine's private passes on purpose, and why: their subject is the module itself.
READS_THE_PASSES = {
    # the structure test that pins em.py's public face against what the passes define
    "core/test_layering.py": {"_kernels"},
    # the passes' own BLAS limit: it records the threads inside each pass, which only the pass can show
    "core/test_blas_threads.py": {"_kernels"},
}

PATCHERS = {"setattr", "delattr", "patch", "object"}  # monkeypatch.setattr/delattr, mock.patch(.object)


def _private(name: str) -> bool:
    return name.startswith("_")


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for an attribute chain on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def _package_names(tree: ast.AST) -> set[str]:
    """The names a test binds to something from em_tui (a module, a class, a function): ``from
    em_tui.core import data`` binds data, ``import em_tui.core.em as em`` binds em, ``import em_tui...``
    binds em_tui."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "em_tui":
            names |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            names |= {a.asname or a.name.split(".")[0] for a in node.names if a.name.split(".")[0] == "em_tui"}
    return names


def private_reaches(path: Path) -> list[tuple[int, str]]:
    """(line, what) for each place the test file at ``path`` patches a private name (monkeypatch.setattr,
    delattr, mock.patch, patch.object with a name, or a dotted target, that starts with "_"), imports one
    from em_tui, or reads a private attribute of something it imported from em_tui."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    ours = _package_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in PATCHERS:
            named = [a.value for a in node.args[:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if any(_private(part) for name in named for part in name.split(".")):
                found.append((node.lineno, f"patches {ast.unparse(node.func)}({', '.join(map(repr, named))})"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "em_tui":
            module = node.module or ""
            found += [(node.lineno, f"imports {module}.{a.name}") for a in node.names
                      if any(_private(part) for part in f"{module}.{a.name}".split("."))]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, f"imports {a.name}") for a in node.names
                      if a.name.split(".")[0] == "em_tui" and any(_private(p) for p in a.name.split("."))]
        elif isinstance(node, ast.Attribute) and _private(node.attr) and not node.attr.startswith("__"):
            dotted = _dotted(node)
            if dotted and dotted.split(".")[0] in ours:
                found.append((node.lineno, f"reads {dotted}"))
    return found


def _allowed(place: str, what: str) -> bool:
    return any(what.endswith(f".{name}") or f".{name}." in what or what.endswith(f" {name}")
               for name in READS_THE_PASSES.get(place, ()))


def test_no_test_patches_or_reads_private_code():
    found = sorted(f"{path.relative_to(TESTS).as_posix()}:{line}: {what}"
                   for path in sorted(TESTS.rglob("*.py"))
                   for line, what in private_reaches(path)
                   if not _allowed(path.relative_to(TESTS).as_posix(), what))
    assert found == []


def test_the_scan_finds_each_kind_of_private_reach(tmp_path):
    source = tmp_path / "test_planted.py"
    source.write_text(
        "from unittest import mock\n"
        "import em_tui.core.em as em\n"
        "from em_tui.core import prepared, reading\n"
        "from em_tui.core._kernels import SMALL_N\n"
        "from em_tui.core.reading import _Lines\n"
        "def test_it(monkeypatch, app):\n"
        "    monkeypatch.setattr(prepared, '_prepare', len)\n"
        "    monkeypatch.setattr('em_tui.core.reading._CHUNK', 7)\n"
        "    mock.patch.object(reading, '_tokens')\n"
        "    work = prepared._prepare\n"
        "    lines = reading._Lines._read\n"
        "    monkeypatch.setattr(reading, 'READ_CHUNK', 7)\n"  # public: not found
        "    em.__name__, app._status\n"  # a dunder, and the app's own attribute: not this scan's
        "    mock.patch('em_tui.core.safewrite._taken')\n",
        encoding="utf-8")
    assert [(line, what.split(" ")[0]) for line, what in sorted(private_reaches(source))] == [
        (4, "imports"), (5, "imports"), (7, "patches"), (8, "patches"), (9, "patches"), (10, "reads"),
        (11, "reads"), (11, "reads"), (14, "patches")]
