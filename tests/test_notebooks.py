"""Run every notebook through nbdev's own test runner, so `tst_flags` (notest slow cuda) are honoured."""
import shutil, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted(p for p in (ROOT / "nbs").glob("*.ipynb") if not p.name.startswith("_"))

def _nbdev_test():
    exe = Path(sys.executable).with_name("nbdev_test")
    return str(exe) if exe.exists() else shutil.which("nbdev_test")

def test_notebooks_found():
    assert len(NBS) >= 5, NBS

@pytest.mark.parametrize("nb", NBS, ids=[p.stem for p in NBS])
def test_notebook(nb):
    exe = _nbdev_test()
    if exe is None: pytest.skip("nbdev not installed (pip install -e '.[dev]')")
    r = subprocess.run([exe, "--path", str(nb), "--n_workers", "0"], cwd=ROOT, capture_output=True, text=True,
                       env={**__import__("os").environ, "MPLBACKEND": "Agg"})
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-5000:]

def test_notebooks_hold_no_widget_state():
    "Plots stay on the page; saved widget state (a stale copy of a live panel) does not."
    import json
    for p in NBS:
        nb = json.loads(p.read_text())
        assert "widgets" not in nb["metadata"], p.name
        for i, c in enumerate(nb["cells"]):
            for o in c.get("outputs", []):
                assert "application/vnd.jupyter.widget-view+json" not in o.get("data", {}), f"{p.name} cell {i}"
