"""The model core imports on its own, and ``import sim`` stays light."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from tests.conftest import small_county

HEAVY = ["pandas", "yaml", "scipy.stats", "matplotlib", "pyarrow", "typer", "rich"]


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize(
    "statement",
    [
        "import sim.model",
        "import sim",
        "from sim.model import simulate",
        # the whole model, enforcement included, with its schema types
        "import sim.model.enforcement, sim.model.dists, sim.model.demand, sim.model.halls",
    ],
)
def test_the_model_loads_no_analysis_library(statement: str) -> None:
    loaded = _loaded_after(statement)
    assert not [m for m in HEAVY if m in loaded], statement


def test_a_replication_runs_without_analysis_libraries() -> None:
    """Simulate the small county in a process where pandas, SciPy and matplotlib cannot be
    imported at all (the scenario schema may read YAML: its overrides parse values)."""
    blocked = [m for m in HEAVY if m != "yaml"]
    code = (
        "import sys\n"
        f"for name in {blocked!r}: sys.modules[name] = None  # importing it raises ImportError\n"
        "from sim.scenario import Scenario\n"
        "from sim.model import simulate\n"
        f"r = simulate(Scenario.model_validate({json.dumps(small_county())!r}), 0)\n"
        "print(r.matters['item'].size)\n"
    )
    code = code.replace("model_validate(", "model_validate_json(")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) > 500


def _imports(path: Path) -> set[str]:
    """The sim modules ``path`` imports when it runs (``if TYPE_CHECKING:`` blocks aside)."""
    tree = ast.parse(path.read_text())
    skip = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
        for n in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sim"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("sim")}
    return found


def test_no_import_cycles() -> None:
    """No module of the package imports, even lazily inside a function, a module that
    imports it back (``experiment`` <-> ``store``, ``scenario`` <-> ``loader`` were two)."""
    root = Path(sim.__file__).parent
    graph = {}
    for path in root.rglob("*.py"):
        name = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        graph[name.removesuffix(".__init__")] = _imports(path)
    cycles = []

    def visit(name: str, stack: list[str]) -> None:
        for dep in sorted(graph.get(name, ())):
            if dep in stack:
                cycles.append(stack[stack.index(dep) :] + [dep])
            elif len(stack) < 12:
                visit(dep, [*stack, dep])

    for name in sorted(graph):
        visit(name, [name])
    # a package's __init__ re-exporting its own modules is not a cycle
    real = [c for c in cycles if not all(m.startswith(c[0].rsplit(".", 1)[0]) for m in c)]
    assert not real, real[:3]
