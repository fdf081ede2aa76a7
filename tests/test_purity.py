"""The model core imports on its own, and ``import sim`` stays light."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

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
    """Simulate the small county in a process where pandas, YAML, SciPy and matplotlib
    cannot be imported at all."""
    code = (
        "import sys\n"
        f"for name in {HEAVY!r}: sys.modules[name] = None  # importing it raises ImportError\n"
        "from sim.scenario import Scenario\n"
        "from sim.model import simulate\n"
        f"r = simulate(Scenario.model_validate({json.dumps(small_county())!r}), 0)\n"
        "print(r.matters['item'].size)\n"
    )
    code = code.replace("model_validate(", "model_validate_json(")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) > 500
