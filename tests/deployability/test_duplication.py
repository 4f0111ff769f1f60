"""The reading helpers copied from aml-security stay identical to their originals.

The two packs ship separately and share no code at runtime; `azure_deployability/reading.py` holds copies
of the aml-security definitions it needs. Each copied definition must match its original source exactly, so
a fix in one pack cannot silently miss the other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ORIGINAL = REPO / "policypacks" / "aml-security" / "aml_security" / "helpers.py"
COPY = REPO / "policypacks" / "azure-deployability" / "azure_deployability" / "reading.py"


def definitions(path: Path) -> dict[str, str]:
    """Top-level definitions (functions, classes, assignments) by name, as source text with decorators."""
    source = path.read_text()
    out: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            name = node.name
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name = node.target.id
        else:
            continue
        decorators = [f"@{ast.get_source_segment(source, d)}" for d in getattr(node, "decorator_list", [])]
        out[name] = "\n".join([*decorators, ast.get_source_segment(source, node) or ""])
    return out


def copied_names() -> list[str]:
    """The names `reading.COPIED` declares as copies."""
    tree = ast.parse(COPY.read_text())
    for node in tree.body:
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "COPIED"
        ):
            assert isinstance(node.value, ast.Tuple)
            return [ast.literal_eval(e) for e in node.value.elts]
    raise AssertionError("reading.py declares no COPIED tuple")


COPIED = copied_names()


@pytest.mark.parametrize("name", COPIED)
def test_copy_is_identical(name: str) -> None:
    """Each copied definition has exactly the source of its aml-security original."""
    original, copy = definitions(ORIGINAL), definitions(COPY)
    assert name in original, f"{name} no longer exists in aml_security/helpers.py: update reading.py"
    assert copy.get(name) == original[name], f"{name} differs from aml_security/helpers.py: copy it again"


def test_reading_defines_nothing_else_but_copies() -> None:
    """reading.py holds only copies (and the COPIED list): pack-specific code lives elsewhere."""
    assert set(definitions(COPY)) - {"COPIED"} == set(COPIED)


def test_the_pack_imports_nothing_from_aml_security() -> None:
    """No module of the deployability pack imports the security pack (they ship separately)."""
    for path in (REPO / "policypacks" / "azure-deployability").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "aml_security" for n in names), path
