"""The core stays pure: its modules import only the standard library's plain tools and each
other — no database, HTTP client, clock or randomness."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import app.pipeline

ALLOWED = {"__future__", "collections", "dataclasses", "datetime", "enum", "re", "typing"}
MODULES = sorted(Path(app.pipeline.__file__).parent.glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[p.stem for p in MODULES])
def test_a_core_module_imports_nothing_impure(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        for name in names:
            assert name.startswith("app.pipeline") or name.split(".")[0] in ALLOWED, name
    source = path.read_text()
    for banned in ("datetime.now", ".utcnow", "time.time", "random."):
        assert banned not in source
