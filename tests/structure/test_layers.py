"""The package's shape, held by tests (issue 11): no import cycles, imports only against the layer
direction, and no byte offset typed outside ``mrcschema/format/`` (the layouts know them).

The layers, lowest first: ``errors``; ``format`` (bytes <-> records); ``sources`` (where bytes come
from); ``reading`` and ``de``; then ``writing``, ``validation``, ``hyperspy`` and ``cli``.  A module
may import its own layer and the layers this table allows, nothing else; function-level imports
count like any other.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "mrcschema"

#: layer -> the layers its modules may import (besides their own)
ALLOWED = {
    "errors": set(),
    "version": set(),
    "progress": set(),
    "format": {"errors"},
    "sources": {"errors", "format", "progress"},
    "reading": {"errors", "format", "sources", "de"},
    "de": {"errors", "format", "sources"},
    "writing": {"errors", "format", "sources", "reading", "progress"},
    "validation": {"errors", "format", "sources", "reading", "de", "progress", "writing"},  # fix writes repairs
    "hyperspy": {"errors", "format", "sources", "reading", "de", "writing"},
    "preview": {"errors", "format", "sources", "reading", "de", "progress"},
    "napari": {"errors", "format", "sources", "reading", "de", "hyperspy"},
    "convert": {"errors", "version", "progress", "format", "sources", "reading", "de"},
    "cli": {"errors", "version", "progress", "format", "sources", "reading", "de", "writing", "validation", "preview",
            "convert"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def imports_of(name: str) -> set[str]:
    """Every mrcschema module ``name`` imports, anywhere in its text (functions included)."""
    tree = ast.parse(MODULES[name].read_text())
    package = name if is_package(name) else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            for alias in node.names:  # ``from ..format import header_edits`` imports a module
                if f"{target}.{alias.name}" in MODULES:
                    found.add(f"{target}.{alias.name}")
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: imports_of(name) for name in MODULES}


def layer(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else None


def test_the_walk_sees_the_package():
    assert {"mrcschema.format.engine", "mrcschema.reading.mrc_file", "mrcschema.cli.main"} <= set(MODULES)
    assert "mrcschema.format.engine" in GRAPH["mrcschema.format.mrc2014"]
    assert "mrcschema.format.header_edits" in GRAPH["mrcschema.reading.mrc_file"]


def test_no_import_cycles():
    """Tarjan's strongly connected components over every import, function-level ones included."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in GRAPH[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    assert cycles == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if layer(n)))
def test_imports_follow_the_layers(name):
    own = layer(name)
    wrong = sorted(m for m in GRAPH[name] if layer(m) not in ALLOWED[own] | {own})
    assert wrong == [], f"{name} ({own}) imports against the layer direction"


def test_the_package_root_is_imported_by_no_layer():
    assert [n for n, deps in GRAPH.items() if "mrcschema" in deps and n != "mrcschema.__main__"] == []


# -- offsets come from the layouts ------------------------------------------------------------------
OFFSET_TEXT = re.compile(r"\boffset \d+")


def offset_literals(path: Path) -> list[str]:
    """``offset=12``, ``raw[12:16]`` and ``"... at offset 92"`` in a module's code and messages."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "offset":
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, int) and node.value.value:
                found.append(f"line {node.value.lineno}: offset={node.value.value}")
        elif isinstance(node, ast.Slice):
            if all(isinstance(b, ast.Constant) and isinstance(b.value, int) for b in (node.lower, node.upper)):
                if node.lower.value:  # [:4] is a length, [12:16] an offset
                    found.append(f"line {node.lineno}: [{node.lower.value}:{node.upper.value}]")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and OFFSET_TEXT.search(node.value):
            found.append(f"line {node.lineno}: {OFFSET_TEXT.search(node.value).group()!r}")
    return found


@pytest.mark.parametrize("name", sorted(n for n in MODULES if layer(n) != "format"))
def test_no_offset_typed_outside_the_format_layer(name):
    assert offset_literals(MODULES[name]) == []


def test_the_offset_check_finds_each_form(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('raise E("x", field="mode", offset=12)\nraw[12:16]\nwarn("nsymbt at offset 92: x")\n'
                      'ok = raw[:4], E("y", offset=0)\n')
    assert offset_literals(sample) == ["line 1: offset=12", "line 2: [12:16]", "line 3: 'offset 92'"]


# -- what header values mean is written once, in format/meaning.py and format/modes.py ----------------
#: ISPG bounds (230 space groups, 400 + space group for volume stacks) and MRC2014's NVERSION
ISPG_NUMBERS = {230, 231, 400, 401, 630}
#: machine stamps (MRC2014 note 4) and their first bytes
STAMP_BYTES = (b"\x44\x44", b"\x44\x41", b"\x11\x11")


def meaning_literals(path: Path) -> list[str]:
    """Header meaning typed outside ``format/``: ISPG ranges compared with or computed from
    ``ispg``, a stamp's bytes, IMOD's 'signed bytes' flag bit, a table keyed by mode numbers, the FEI
    bitmask fields worked out by name."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Compare, ast.BinOp)) and "ispg" in ast.unparse(node).lower():
            numbers = [c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and type(c.value) is int]
            if ISPG_NUMBERS & set(numbers):
                found.append(f"line {node.lineno}: ISPG range {ast.unparse(node)}")
        if isinstance(node, ast.Tuple) and [getattr(e, "value", None) for e in node.elts] == [401, 630]:
            found.append(f"line {node.lineno}: ISPG range (401, 630)")
        if isinstance(node, ast.Constant) and isinstance(node.value, bytes):
            if any(stamp in node.value for stamp in STAMP_BYTES) or node.value in (b"\x44", b"\x11"):
                found.append(f"line {node.lineno}: machine stamp {node.value!r}")
        if isinstance(node, ast.Constant) and node.value == 20140 and type(node.value) is int:
            found.append(f"line {node.lineno}: NVERSION 20140")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitAnd) and "imod_flags" in ast.unparse(node):
            found.append(f"line {node.lineno}: IMOD flag bit {ast.unparse(node)}")
        if isinstance(node, ast.Dict) and len(node.keys) >= 4:
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant) and type(k.value) is int}
            if {0, 1, 2, 6} <= keys and keys & {3, 4, 12}:
                found.append(f"line {node.lineno}: a table keyed by MODE numbers")
        if isinstance(node, ast.Constant) and node.value == "bitmask_":
            found.append(f"line {node.lineno}: FEI bitmask fields by name")
    return found


@pytest.mark.parametrize("name", sorted(n for n in MODULES if layer(n) != "format"))
def test_no_header_meaning_typed_outside_the_format_layer(name):
    assert meaning_literals(MODULES[name]) == []


def test_the_meaning_check_finds_each_form(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("if 401 <= h.ispg <= 630: pass\nn = h.ispg - 400\nok = r.status in (401, 403)\n"
                      "s = b'\\x44\\x41\\x00\\x00'\nu = imod.imod_flags & 1\nsize = {0: 1, 1: 2, 2: 4, 4: 8, 6: 2}\n"
                      "InRanges(((401, 630),))\n")
    found = meaning_literals(sample)
    assert [line.split(":")[0] for line in found] == ["line 1", "line 2", "line 4", "line 5", "line 6", "line 7"]
