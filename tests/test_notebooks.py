"""Every notebook in notebooks/ runs top to bottom without error (headless, Agg backend) and
shows the figures it must show: a cell ending in ``;`` or ``plt.show()`` shows escsim's
figure as a cell returning it does, and each once."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))

#: The images each notebook shows (a figure per plotting cell; the widgets' static pictures).
IMAGES = {"01-first-simulation": 5, "02-tweak-the-actors": 6, "03-sweeps-and-sensitivity": 5,
          "04-does-it-match-history": 5, "05-which-doctrine": 3}


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ holds no notebook"
    assert sorted(IMAGES) == [p.stem for p in NOTEBOOKS]  # a new notebook says its figures


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    widget_cells = [c for c in nb.cells if c.cell_type == "code" and "widgets.VBox(" in c.source]
    if widget_cells:  # then move every control and check the figure changes each time
        nb.cells.append(nbformat.v4.new_code_cell(MOVE_EVERY_CONTROL))
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for cell in nb.cells if cell.cell_type == "code"
              for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors
    images = sum("image/png" in o.get("data", {}) for cell in nb.cells
                 if cell.cell_type == "code" for o in cell.get("outputs", []))
    assert images == IMAGES[path.stem], f"{path.stem} shows {images} images, not " \
                                        f"{IMAGES[path.stem]}: a figure stopped showing"
    for cell in widget_cells:  # a static image beside each widget, for exported notebooks
        assert any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])), \
            cell.source[:80]
    if widget_cells:
        moved = nb.cells[-1].outputs
        assert any("moved" in o.get("text", "") for o in moved), moved


#: Run after a notebook: set every control of its widgets to another value and check that the
#: figure (the Image widget ``picture``) changes each time.
MOVE_EVERY_CONTROL = """
import ipywidgets as _widgets

_kinds = (_widgets.IntSlider, _widgets.FloatSlider, _widgets.Dropdown, _widgets.SelectionSlider,
          _widgets.ToggleButtons)
_controls = {k: v for k, v in list(globals().items())
             if isinstance(v, _kinds) and not k.startswith("_")}
assert _controls, "no controls found"
for _name, _control in _controls.items():
    _before = picture.value
    _options = [o[1] if isinstance(o, tuple) else o for o in getattr(_control, "options", ())]
    if _options:
        _control.value = next(o for o in _options if o != _control.value)
    else:
        _control.value = _control.max if _control.value != _control.max else _control.min
    assert picture.value != _before, f"moving {_name} left the figure unchanged"
print(f"moved {len(_controls)} controls: {', '.join(_controls)}")
"""
