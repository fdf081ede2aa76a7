"""The analysts' notebooks: stored without outputs, and each runs top to bottom (quickly)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_the_seven_studies_are_there() -> None:
    assert [p.stem[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06", "07"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_without_outputs(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_runs_and_concludes_from_its_results(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Quick parameters (COUNTYSIM_NOTEBOOK_QUICK=1); the last cell writes the conclusion
    as Markdown built from the results, so it must be there and carry numbers."""
    monkeypatch.setenv("COUNTYSIM_NOTEBOOK_QUICK", "1")
    book = nbformat.read(path, as_version=4)
    NotebookClient(
        book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    markdown = [
        out.get("data", {}).get("text/markdown", "")
        for cell in book.cells
        if cell.cell_type == "code"
        for out in cell.outputs
    ]
    conclusion = [text for text in markdown if "**Conclusion.**" in text]
    assert len(conclusion) == 1 and any(ch.isdigit() for ch in conclusion[0])
    images = [
        out
        for cell in book.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if "image/png" in out.get("data", {})
    ]
    assert images, f"{path.name} shows no figure"
