"""The import graph between top-level folders has no upward arrow.

Layers, lowest first: a package may import its own layer's package and any
package below it, never one above (and schema and admin, side by side, never
each other). Imports inside functions and under TYPE_CHECKING count too: an
upward arrow is upward wherever it is written.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Each layer lists its packages; a package sees its own package and every lower layer.
LAYERS: list[tuple[str, ...]] = [
    ("core",),
    ("models",),
    ("permissions",),
    ("services",),
    ("schema", "admin"),
    ("seeds",),
    ("server",),
]
LEVEL = {package: level for level, packages in enumerate(LAYERS) for package in packages}


def imported_packages(path: Path) -> set[tuple[str, int]]:
    """(top-level package, line) of every absolute import of a layered package in ``path``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        found |= {(name.split(".")[0], node.lineno) for name in names if name.split(".")[0] in LEVEL}
    return found


def upward_imports(root: Path = ROOT) -> list[str]:
    arrows = []
    for package, level in LEVEL.items():
        for path in sorted((root / package).rglob("*.py")):
            for target, line in sorted(imported_packages(path)):
                if target == package:
                    continue
                if LEVEL[target] >= level:
                    arrows.append(f"{path.relative_to(root)}:{line} imports {target} ({package} → {target})")
    return arrows


def test_no_top_level_folder_imports_upward():
    assert upward_imports() == []


def test_the_check_sees_an_upward_import(tmp_path):
    # Given a tree where core imports the assembly, and schema imports admin (same layer)
    for package in LEVEL:
        (tmp_path / package).mkdir()
    (tmp_path / "core" / "bad.py").write_text("def f():\n    from server.app import create_app\n")
    (tmp_path / "schema" / "bad.py").write_text("import admin.fields\n")
    (tmp_path / "services" / "fine.py").write_text("from models.user import User\nfrom core.errors import ApiError\n")
    # Then both arrows are reported, and the downward ones are not
    assert upward_imports(tmp_path) == [
        "core/bad.py:2 imports server (core → server)",
        "schema/bad.py:1 imports admin (schema → admin)",
    ]


@pytest.mark.parametrize("package", sorted(LEVEL))
def test_every_layered_package_exists(package):
    assert (ROOT / package / "__init__.py").is_file()
