"""Model modules stay pure: no file, print, pandas, YAML or plotting inside them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"
PURE = [
    "model",
    "halls",
    "demand",
    "geography",
    "calendar",
    "rng",
    "records",
    "dists",
    "scenario",
    "theory",
]
ALLOWED = {
    "numpy",
    "simpy",
    "pydantic",
    "sim",
    "__future__",
    "array",
    "bisect",
    "collections",
    "dataclasses",
    "math",
    "typing",
    "zlib",
    "re",
    "difflib",
    "functools",
}


@pytest.mark.parametrize("module", PURE)
def test_model_module_is_pure(module: str) -> None:
    tree = ast.parse((SIM / f"{module}.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"print", "open"}, f"{module}: {node.func.id}()"
            continue
        for name in names:
            assert name.split(".")[0] in ALLOWED, f"{module} imports {name}"
